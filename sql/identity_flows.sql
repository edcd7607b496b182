-- Identity flows (API.md section 3): sign-up, sign-in, organizations, invitations, refresh
-- tokens, password resets, API keys; each happy path, each refusal (and that a refusal
-- changes nothing), and the audit rows each flow leaves. The application role calls them.
-- No uuid, token or time is printed.
SET client_min_messages = warning;
SET tenancy.pwhash_opslimit = 1;
SET tenancy.pwhash_memlimit = '8MB';

CREATE ROLE regress_flows_app NOLOGIN;
SELECT tenancy.grant_app_role('regress_flows_app');
-- A role that can connect but was never granted the application's rights.
CREATE ROLE regress_flows_other NOLOGIN;

-- What the tables hold, for "changes nothing" checks (read as the superuser).
CREATE FUNCTION public.flows_state() RETURNS text LANGUAGE sql AS $$
  SELECT format('users=%s orgs=%s members=%s invitations=%s/%s accepted refresh=%s/%s live resets=%s/%s used',
    (SELECT count(*) FROM tenancy.users WHERE email LIKE '%@flows.test'),
    (SELECT count(*) FROM tenancy.organizations),
    (SELECT count(*) FROM tenancy.organization_members WHERE deleted_at IS NULL),
    (SELECT count(*) FROM tenancy.invitations), (SELECT count(accepted_at) FROM tenancy.invitations),
    (SELECT count(*) FROM tenancy.refresh_tokens), (SELECT count(*) FROM tenancy.refresh_tokens WHERE revoked_at IS NULL),
    (SELECT count(*) FROM tenancy.password_reset_tokens), (SELECT count(used_at) FROM tenancy.password_reset_tokens))
$$;
-- The audit actions logged in an organization, in order, with their user (by e-mail).
CREATE FUNCTION public.flows_audit(org uuid) RETURNS TABLE (action text, resource_type text, actor text)
LANGUAGE sql AS $$
  SELECT a.action, a.resource_type, u.email FROM tenancy.audit_logs a LEFT JOIN tenancy.users u ON u.id = a.user_id
   WHERE a.organization_id = org ORDER BY a.created_at, a.action, a.resource_type
$$;

---------------------------------------------------------------------------------------------
-- create_user: the user, its personal organization and its OWNER membership
---------------------------------------------------------------------------------------------
SET ROLE regress_flows_app;
SELECT tenancy.create_user('ann@flows.test', 'pw-ann', 'Ann') AS ann \gset
SELECT tenancy.create_user('bo@flows.test', 'pw-bo') AS bo \gset
SELECT tenancy.create_user('cy@flows.test', 'pw-cy', 'Cy') AS cy \gset
RESET ROLE;
SELECT u.email, u.full_name, u.password_hash LIKE '$argon2id$%' AS argon2id, o.name, o.slug ~ '^personal-[0-9a-f]{32}$' AS slug,
       o.org_type, o.is_personal, m.role
  FROM tenancy.users u JOIN tenancy.organizations o ON o.id = u.default_org_id
  JOIN tenancy.organization_members m ON m.organization_id = o.id AND m.user_id = u.id
 WHERE u.id IN (:'ann', :'bo', :'cy') ORDER BY u.email;
SELECT default_org_id AS ann_home FROM tenancy.users WHERE id = :'ann' \gset
SELECT default_org_id AS bo_home FROM tenancy.users WHERE id = :'bo' \gset
SELECT * FROM flows_audit(:'ann_home');

-- Refused, changing nothing: a taken e-mail (any case), a bad e-mail, an empty or NULL
-- password; and a role without the grant.
SELECT flows_state() AS before \gset
SET ROLE regress_flows_app;
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT tenancy.create_user('ANN@flows.test', 'other')$$),
  ($$SELECT tenancy.create_user('not-an-email', 'pw')$$),
  ($$SELECT tenancy.create_user(NULL, 'pw')$$),
  ($$SELECT tenancy.create_user('dee@flows.test', '')$$),
  ($$SELECT tenancy.create_user('dee@flows.test', NULL)$$)) AS t(s);
SET ROLE regress_flows_other;
SELECT outcome($$SELECT tenancy.create_user('dee@flows.test', 'pw')$$) AS without_grant;
RESET ROLE;
SELECT flows_state() = :'before' AS nothing_changed;

---------------------------------------------------------------------------------------------
-- authenticate
---------------------------------------------------------------------------------------------
SET ROLE regress_flows_app;
SELECT tenancy.authenticate('ann@flows.test', 'pw-ann') = :'ann' AS right_password,
       tenancy.authenticate('ANN@Flows.Test', 'pw-ann') = :'ann' AS any_case,
       tenancy.authenticate('ann@flows.test', 'pw-bo') IS NULL AS wrong_password,
       tenancy.authenticate('nobody@flows.test', 'pw-ann') IS NULL AS unknown_email,
       tenancy.authenticate(NULL, 'pw-ann') IS NULL AS null_email;
SELECT outcome($$SELECT tenancy.authenticate('ann@flows.test', '')$$) AS empty_password;
RESET ROLE;
-- A disabled user, and one without a password (an external sign-in), cannot sign in.
UPDATE tenancy.users SET is_active = false WHERE id = :'cy';
INSERT INTO tenancy.users (email) VALUES ('sso@flows.test');
SET ROLE regress_flows_app;
SELECT tenancy.authenticate('cy@flows.test', 'pw-cy') IS NULL AS disabled,
       tenancy.authenticate('sso@flows.test', 'anything') IS NULL AS no_password;
RESET ROLE;
UPDATE tenancy.users SET is_active = true WHERE id = :'cy';
-- A stored hash that is damaged, of another scheme, or costlier than the limits answers NULL
-- like a wrong password (after the same dummy work), never an error that would tell an account.
INSERT INTO tenancy.users (email, password_hash) VALUES
  ('damaged@flows.test', '$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$MTIzNDU2Nzg5MDEy'),
  ('bcrypt@flows.test', '$2b$12$abcdefghijklmnopqrstuu0123456789012345678901234567890'),
  ('costly@flows.test', '$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
SET ROLE regress_flows_app;
SELECT outcome($$SELECT tenancy.authenticate('damaged@flows.test', 'pw') IS NULL$$) AS damaged_hash,
       outcome($$SELECT tenancy.authenticate('bcrypt@flows.test', 'pw') IS NULL$$) AS bcrypt_hash,
       outcome($$SELECT tenancy.authenticate('costly@flows.test', 'pw') IS NULL$$) AS costly_hash;
SELECT tenancy.authenticate('damaged@flows.test', 'pw') IS NULL AS damaged_is_null;
RESET ROLE;
-- A hash made with old costs is upgraded at the next successful sign-in.
SET tenancy.pwhash_opslimit = 2;
SET ROLE regress_flows_app;
SELECT tenancy.authenticate('ann@flows.test', 'pw-ann') = :'ann' AS signed_in;
RESET ROLE;
SELECT password_hash LIKE '$argon2id$v=19$m=8192,t=2,p=1$%' AS rehashed FROM tenancy.users WHERE id = :'ann';
SET tenancy.pwhash_opslimit = 1;
-- Successes and failures of known users are in their own trail.
SELECT * FROM flows_audit(:'ann_home');
SELECT action, count(*) FROM tenancy.audit_logs WHERE user_id = :'cy' AND action LIKE 'login.%' GROUP BY action;

---------------------------------------------------------------------------------------------
-- create_organization
---------------------------------------------------------------------------------------------
SELECT tenancy.set_context(:'ann_home', :'ann', is_local => false);
SET ROLE regress_flows_app;
SELECT tenancy.create_organization('Ann Co', 'ann-co', :'ann') AS ann_co \gset
RESET ROLE;
SELECT o.name, o.slug, o.org_type, o.is_personal, m.role
  FROM tenancy.organizations o JOIN tenancy.organization_members m ON m.organization_id = o.id
 WHERE o.id = :'ann_co';
-- Refused: founding for someone else, without a context, a taken or malformed slug, no name.
SELECT flows_state() AS before \gset
SET ROLE regress_flows_app;
SELECT label, outcome(s) FROM (VALUES
  ('for another user', format($$SELECT tenancy.create_organization('X', 'x-for-bo', %L)$$, :'bo')),
  ('taken slug', $$SELECT tenancy.create_organization('Ann Co 2', 'ann-co', tenancy.current_user_id())$$),
  ('malformed slug', $$SELECT tenancy.create_organization('Bad', 'Bad Slug', tenancy.current_user_id())$$),
  ('empty name', $$SELECT tenancy.create_organization('', 'empty-name', tenancy.current_user_id())$$)) AS t(label, s);
RESET ROLE;
SELECT tenancy.clear_context();
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.create_organization('X', 'x-no-context', %L)$$, :'ann')) AS no_context;
RESET ROLE;
SELECT flows_state() = :'before' AS nothing_changed;

---------------------------------------------------------------------------------------------
-- invite and accept_invitation
---------------------------------------------------------------------------------------------
SELECT tenancy.set_context(:'ann_co', :'ann', is_local => false);
SET ROLE regress_flows_app;
SELECT tenancy.invite(:'ann_co', 'bo@flows.test', 'MEMBER') AS bo_invite \gset
SELECT tenancy.invite(:'ann_co', 'cy@flows.test', 'ADMIN', '1 hour') AS cy_invite \gset
RESET ROLE;
-- Only the hash is stored; the token itself is nowhere.
SELECT i.email, i.role, i.token_hash = tenancy.hash_token(:'bo_invite') AS hashed,
       i.expires_at - i.created_at AS ttl, i.invited_by_id = :'ann' AS by_ann
  FROM tenancy.invitations i WHERE i.organization_id = :'ann_co' ORDER BY i.email;
SELECT count(*) AS rows_holding_token FROM tenancy.invitations i
 WHERE i::text LIKE '%' || :'bo_invite' || '%' OR i::text LIKE '%' || :'cy_invite' || '%';

-- Refused: not ADMIN+ in that org, another org than the context's, a role above one's own,
-- a bad e-mail or ttl, an address that is already a member.
SELECT flows_state() AS before \gset
SET ROLE regress_flows_app;
SELECT label, outcome(s) FROM (VALUES
  ('not the context org', format($$SELECT tenancy.invite(%L, 'x@flows.test', 'MEMBER')$$, :'ann_home')),
  ('bad e-mail', format($$SELECT tenancy.invite(%L, 'not-an-email', 'MEMBER')$$, :'ann_co')),
  ('zero ttl', format($$SELECT tenancy.invite(%L, 'x@flows.test', 'MEMBER', '0 seconds')$$, :'ann_co')),
  ('negative ttl', format($$SELECT tenancy.invite(%L, 'x@flows.test', 'MEMBER', '-1 day')$$, :'ann_co')),
  ('NULL role', format($$SELECT tenancy.invite(%L, 'x@flows.test', NULL)$$, :'ann_co')),
  ('already a member', format($$SELECT tenancy.invite(%L, 'ANN@flows.test', 'VIEWER')$$, :'ann_co'))) AS t(label, s);
RESET ROLE;
SELECT tenancy.set_context(:'ann_co', :'ann', 'ADMIN', is_local => false);
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.invite(%L, 'x@flows.test', 'OWNER')$$, :'ann_co')) AS admin_invites_owner,
       outcome(format($$SELECT tenancy.invite(%L, 'x@flows.test', 'ADMIN') IS NOT NULL$$, :'ann_co')) AS admin_invites_admin;
RESET ROLE;
SELECT tenancy.set_context(:'ann_co', :'ann', 'MEMBER', is_local => false);
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.invite(%L, 'x@flows.test', 'VIEWER')$$, :'ann_co')) AS member_invites;
RESET ROLE;
SELECT tenancy.clear_context();
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.invite(%L, 'x@flows.test', 'VIEWER')$$, :'ann_co')) AS no_context;
RESET ROLE;
-- (the ADMIN's successful invitation of x@ is the one change)
SELECT flows_state() AS after_admin \gset
SELECT :'before' <> :'after_admin' AS admin_invitation_added,
       (SELECT count(*) FROM tenancy.invitations WHERE email = 'x@flows.test') AS x_invitations;

-- Accepted by Bo: a MEMBER membership; the invitation is used.
SET ROLE regress_flows_app;
SELECT tenancy.accept_invitation(:'bo_invite', :'bo') AS bo_membership \gset
RESET ROLE;
SELECT m.id = :'bo_membership' AS returned_id, m.role, m.deleted_at IS NULL AS live
  FROM tenancy.organization_members m WHERE m.organization_id = :'ann_co' AND m.user_id = :'bo';
SELECT accepted_at IS NOT NULL AS accepted FROM tenancy.invitations WHERE token_hash = tenancy.hash_token(:'bo_invite');

-- Refused, changing nothing: used again; by a user whose e-mail differs; expired; revoked;
-- unknown; malformed. The messages never contain the token.
INSERT INTO tenancy.invitations (organization_id, email, role, token_hash, expires_at) VALUES
  (:'ann_co', 'cy@flows.test', 'VIEWER', tenancy.hash_token('expired-invitation-token-000000000000000000'), now() - interval '1 minute'),
  (:'ann_co', 'cy@flows.test', 'VIEWER', tenancy.hash_token('revoked-invitation-token-000000000000000000'), now() + interval '1 day');
UPDATE tenancy.invitations SET revoked_at = now() WHERE token_hash = tenancy.hash_token('revoked-invitation-token-000000000000000000');
SELECT flows_state() AS before \gset
SET ROLE regress_flows_app;
SELECT label, outcome(s) FROM (VALUES
  ('used', format($$SELECT tenancy.accept_invitation(%L, %L)$$, :'bo_invite', :'bo')),
  ('other e-mail', format($$SELECT tenancy.accept_invitation(%L, %L)$$, :'cy_invite', :'bo')),
  ('expired', format($$SELECT tenancy.accept_invitation('expired-invitation-token-000000000000000000', %L)$$, :'cy')),
  ('revoked', format($$SELECT tenancy.accept_invitation('revoked-invitation-token-000000000000000000', %L)$$, :'cy')),
  ('unknown', format($$SELECT tenancy.accept_invitation('unknown-invitation-token-000000000000000000', %L)$$, :'cy')),
  ('malformed', format($$SELECT tenancy.accept_invitation('short', %L)$$, :'cy')),
  ('wrong alphabet', format($$SELECT tenancy.accept_invitation('unknown-invitation-token-00000000000000000!', %L)$$, :'cy')),
  ('unknown user', format($$SELECT tenancy.accept_invitation(%L, '00000000-0000-4000-8000-000000000000')$$, :'cy_invite')),
  ('NULL user', format($$SELECT tenancy.accept_invitation(%L, NULL)$$, :'cy_invite'))) AS t(label, s);
RESET ROLE;
SELECT flows_state() = :'before' AS nothing_changed;

-- A former member is brought back with the invited role.
UPDATE tenancy.organization_members SET deleted_at = now() WHERE organization_id = :'ann_co' AND user_id = :'bo';
SELECT tenancy.set_context(:'ann_co', :'ann', is_local => false);
SET ROLE regress_flows_app;
SELECT tenancy.invite(:'ann_co', 'bo@flows.test', 'VIEWER') AS bo_again \gset
SELECT tenancy.clear_context();
RESET ROLE;
SET ROLE regress_flows_app;
SELECT tenancy.accept_invitation(:'bo_again', :'bo') = :'bo_membership' AS same_membership;
RESET ROLE;
SELECT role, deleted_at IS NULL AS live FROM tenancy.organization_members WHERE organization_id = :'ann_co' AND user_id = :'bo';

-- Invitations go only through invite: the application role cannot insert one (with a role of
-- its choosing) nor change its role or token; it can revoke one.
SELECT tenancy.set_context(:'ann_co', :'ann', 'ADMIN', is_local => false);
SET ROLE regress_flows_app;
SELECT label, outcome(s) FROM (VALUES
  ('insert an OWNER invitation', format($$INSERT INTO tenancy.invitations (email, role, token_hash, expires_at) VALUES ('alt@flows.test', 'OWNER', tenancy.hash_token('forged-invitation-token-0000000000000000000'), now() + interval '1 day')$$)),
  ('raise an invitation''s role', $$UPDATE tenancy.invitations SET role = 'OWNER' WHERE email = 'x@flows.test'$$),
  ('swap an invitation''s token', $$UPDATE tenancy.invitations SET token_hash = tenancy.hash_token('forged-invitation-token-0000000000000000000') WHERE email = 'x@flows.test'$$),
  ('revoke an invitation', $$UPDATE tenancy.invitations SET revoked_at = now() WHERE email = 'x@flows.test' AND accepted_at IS NULL$$),
  ('an ADMIN makes itself OWNER', $$UPDATE tenancy.organization_members SET role = 'OWNER' WHERE user_id = tenancy.current_user_id()$$),
  ('an ADMIN adds an OWNER', format($$INSERT INTO tenancy.organization_members (user_id, role) VALUES (%L, 'OWNER')$$, :'cy'))) AS t(label, s);
RESET ROLE;
-- Only the latest invitation of an address can be accepted, and leaving the organization
-- spends the pending ones: a stale invitation cannot bring a removed member back.
SELECT tenancy.set_context(:'ann_co', :'ann', is_local => false);
SET ROLE regress_flows_app;
SELECT tenancy.invite(:'ann_co', 'cy@flows.test', 'VIEWER') AS cy_viewer \gset
SELECT tenancy.invite(:'ann_co', 'cy@flows.test', 'ADMIN') AS cy_admin \gset
RESET ROLE;
SELECT role, revoked_at IS NOT NULL AS revoked FROM tenancy.invitations
 WHERE organization_id = :'ann_co' AND email = 'cy@flows.test' AND token_hash IN (tenancy.hash_token(:'cy_viewer'), tenancy.hash_token(:'cy_admin'))
 ORDER BY role;
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.accept_invitation(%L, %L)$$, :'cy_viewer', :'cy')) AS superseded;
SELECT tenancy.accept_invitation(:'cy_admin', :'cy') IS NOT NULL AS latest_accepted;
RESET ROLE;
-- While Cy is a member, a new invitation is left pending (as if sent by mistake); removing Cy
-- revokes it.
INSERT INTO tenancy.invitations (organization_id, email, role, token_hash, expires_at)
VALUES (:'ann_co', 'cy@flows.test', 'OWNER', tenancy.hash_token('stale-invitation-token-00000000000000000000'), now() + interval '1 day');
UPDATE tenancy.organization_members SET deleted_at = now() WHERE organization_id = :'ann_co' AND user_id = :'cy';
SELECT count(*) AS cy_pending_after_removal FROM tenancy.invitations
 WHERE organization_id = :'ann_co' AND email = 'cy@flows.test' AND accepted_at IS NULL AND revoked_at IS NULL;
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.accept_invitation('stale-invitation-token-00000000000000000000', %L)$$, :'cy')) AS stale_after_removal;
RESET ROLE;
SELECT tenancy.clear_context();

-- Ann Co's trail: the founding, Ann's OWNER membership, each invitation (columns only, never
-- the token hash's value), each acceptance.
SELECT * FROM flows_audit(:'ann_co');
SELECT count(*) AS audit_rows_with_token_hash_value FROM tenancy.audit_logs a, tenancy.invitations i
 WHERE a.organization_id = :'ann_co' AND a.details::text LIKE '%' || encode(i.token_hash, 'hex') || '%';
SELECT details -> 'columns' AS invitation_insert_columns FROM tenancy.audit_logs
 WHERE organization_id = :'ann_co' AND resource_type = 'invitations' AND action = 'INSERT' LIMIT 1;

---------------------------------------------------------------------------------------------
-- Refresh tokens: issue, rotate, reuse detection, revoke
---------------------------------------------------------------------------------------------
SET ROLE regress_flows_app;
SELECT tenancy.issue_refresh_token(:'bo') AS rt1 \gset
SELECT tenancy.rotate_refresh_token(:'rt1') AS rt2 \gset
SELECT :'rt2' <> :'rt1' AS new_token, :'rt2' ~ '^[A-Za-z0-9_-]{43}$' AS base64url;
SELECT tenancy.rotate_refresh_token(:'rt2') AS rt3 \gset
RESET ROLE;
-- The chain: each old token revoked and pointing to its replacement; the lifetime is kept.
SELECT t.token_hash = tenancy.hash_token(:'rt1') AS is_rt1, t.token_hash = tenancy.hash_token(:'rt2') AS is_rt2,
       t.revoked_at IS NOT NULL AS revoked, r.token_hash = tenancy.hash_token(:'rt2') AS replaced_by_rt2,
       r.token_hash = tenancy.hash_token(:'rt3') AS replaced_by_rt3, t.expires_at - t.created_at AS lifetime
  FROM tenancy.refresh_tokens t LEFT JOIN tenancy.refresh_tokens r ON r.id = t.replaced_by_id
 WHERE t.user_id = :'bo' ORDER BY t.created_at, t.revoked_at NULLS LAST;
-- Reuse: presenting rt1 again revokes every token of Bo (rt3 too), logs it, returns NULL.
SET ROLE regress_flows_app;
SELECT tenancy.rotate_refresh_token(:'rt1') IS NULL AS reuse_returns_null;
RESET ROLE;
SELECT count(*) AS bo_live_tokens FROM tenancy.refresh_tokens WHERE user_id = :'bo' AND revoked_at IS NULL;
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.rotate_refresh_token(%L) IS NULL$$, :'rt3')) AS rt3_now_reuse_too;
RESET ROLE;
SELECT action, details ->> 'revoked' AS revoked FROM tenancy.audit_logs
 WHERE organization_id = :'bo_home' AND action = 'refresh_token.reuse_detected' ORDER BY created_at;

-- Refused, changing nothing: expired, unknown, malformed, NULL; issuing for a missing or
-- disabled user, or with a bad ttl.
SET ROLE regress_flows_app;
SELECT tenancy.issue_refresh_token(:'cy', '1 day') AS cy_rt \gset
RESET ROLE;
UPDATE tenancy.refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = tenancy.hash_token(:'cy_rt');
UPDATE tenancy.users SET is_active = false WHERE email = 'sso@flows.test';
SELECT flows_state() AS before \gset
SET ROLE regress_flows_app;
SELECT label, outcome(s) FROM (VALUES
  ('expired', format($$SELECT tenancy.rotate_refresh_token(%L)$$, :'cy_rt')),
  ('unknown', $$SELECT tenancy.rotate_refresh_token('unknown-refresh-token-000000000000000000000')$$),
  ('malformed', $$SELECT tenancy.rotate_refresh_token('not a token')$$),
  ('NULL', $$SELECT tenancy.rotate_refresh_token(NULL)$$),
  ('missing user', $$SELECT tenancy.issue_refresh_token('00000000-0000-4000-8000-000000000000')$$),
  ('disabled user', $$SELECT tenancy.issue_refresh_token((SELECT id FROM tenancy.users WHERE email = 'sso@flows.test'))$$),
  ('ttl zero', format($$SELECT tenancy.issue_refresh_token(%L, '0 seconds')$$, :'cy'))) AS t(label, s);
RESET ROLE;
SELECT flows_state() = :'before' AS nothing_changed;
-- A user disabled after issue cannot rotate.
SET ROLE regress_flows_app;
SELECT tenancy.issue_refresh_token(:'cy') AS cy_rt2 \gset
RESET ROLE;
UPDATE tenancy.users SET is_active = false WHERE id = :'cy';
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.rotate_refresh_token(%L)$$, :'cy_rt2')) AS disabled_user_rotates;
RESET ROLE;
UPDATE tenancy.users SET is_active = true WHERE id = :'cy';
-- revoke_refresh_tokens: the count of live tokens revoked.
SET ROLE regress_flows_app;
SELECT tenancy.issue_refresh_token(:'cy') IS NOT NULL AS issued, tenancy.issue_refresh_token(:'cy') IS NOT NULL AS issued;
SELECT tenancy.revoke_refresh_tokens(:'cy') AS revoked, tenancy.revoke_refresh_tokens(:'cy') AS revoked_again;
RESET ROLE;

---------------------------------------------------------------------------------------------
-- Password reset
---------------------------------------------------------------------------------------------
SET ROLE regress_flows_app;
SELECT tenancy.issue_refresh_token(:'bo') IS NOT NULL AS bo_signed_in;
SELECT tenancy.request_password_reset('BO@flows.test') AS reset \gset
SELECT tenancy.request_password_reset('nobody@flows.test') IS NULL AS unknown_email,
       tenancy.request_password_reset('sso@flows.test') IS NULL AS disabled_user;
RESET ROLE;
SELECT expires_at - created_at AS reset_ttl, used_at IS NULL AS unused FROM tenancy.password_reset_tokens
 WHERE token_hash = tenancy.hash_token(:'reset');
-- A new password that is refused leaves the token unused.
SELECT flows_state() AS before \gset
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.reset_password(%L, '')$$, :'reset')) AS empty_password,
       outcome(format($$SELECT tenancy.reset_password(%L, NULL)$$, :'reset')) AS null_password;
RESET ROLE;
SELECT flows_state() = :'before' AS nothing_changed;
-- A second reset token requested meanwhile (by an attacker, say) is spent by the reset too.
SET ROLE regress_flows_app;
SELECT tenancy.request_password_reset('bo@flows.test') AS reset2 \gset
RESET ROLE;
-- The reset: the new password works, the old does not, every refresh token is revoked.
SET ROLE regress_flows_app;
SELECT tenancy.reset_password(:'reset', 'new-pw-bo') AS reset_done;
SELECT tenancy.authenticate('bo@flows.test', 'new-pw-bo') = :'bo' AS new_password,
       tenancy.authenticate('bo@flows.test', 'pw-bo') IS NULL AS old_password;
RESET ROLE;
SELECT count(*) AS bo_live_tokens FROM tenancy.refresh_tokens WHERE user_id = :'bo' AND revoked_at IS NULL;
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.reset_password(%L, 'attacker')$$, :'reset2')) AS second_token_after_reset;
RESET ROLE;
-- Single use; expired; unknown.
INSERT INTO tenancy.password_reset_tokens (user_id, token_hash, expires_at)
VALUES (:'bo', tenancy.hash_token('expired-reset-token-00000000000000000000000'), now() - interval '1 second');
SELECT flows_state() AS before \gset
SET ROLE regress_flows_app;
SELECT label, outcome(s) FROM (VALUES
  ('used', format($$SELECT tenancy.reset_password(%L, 'another')$$, :'reset')),
  ('expired', $$SELECT tenancy.reset_password('expired-reset-token-00000000000000000000000', 'another')$$),
  ('unknown', $$SELECT tenancy.reset_password('unknown-reset-token-00000000000000000000000', 'another')$$),
  ('malformed', $$SELECT tenancy.reset_password('x', 'another')$$)) AS t(label, s);
RESET ROLE;
SELECT flows_state() = :'before' AS nothing_changed;
SELECT * FROM flows_audit(:'bo_home');

---------------------------------------------------------------------------------------------
-- API keys
---------------------------------------------------------------------------------------------
INSERT INTO tenancy.projects (organization_id, name) VALUES (:'ann_co', 'Flows web');
SELECT id AS project FROM tenancy.projects WHERE organization_id = :'ann_co' AND name = 'Flows web' \gset
INSERT INTO tenancy.projects (organization_id, name) VALUES (:'bo_home', 'Bo private');
SELECT id AS bo_project FROM tenancy.projects WHERE organization_id = :'bo_home' AND name = 'Bo private' \gset
SELECT tenancy.set_context(:'ann_co', :'ann', is_local => false);
SET ROLE regress_flows_app;
SELECT tenancy.create_api_key(:'project') AS key1 \gset
SELECT organization_id = :'ann_co' AS org, project_id = :'project' AS project FROM tenancy.resolve_api_key(:'key1');
SELECT tenancy.ingest_event(:'key1', 'flows-fp', 'Flows error', '{}') IS NOT NULL AS ingested;
-- A new key replaces the old one.
SELECT tenancy.create_api_key(:'project') AS key2 \gset
SELECT count(*) AS old_key_rows FROM tenancy.resolve_api_key(:'key1');
SELECT count(*) AS new_key_rows FROM tenancy.resolve_api_key(:'key2');
SELECT outcome(format($$SELECT tenancy.ingest_event(%L, 'flows-fp', 'Flows error', '{}')$$, :'key1')) AS old_key_ingests;
-- Refused: another organization's project answers exactly like a missing one.
SELECT outcome(format($$SELECT tenancy.create_api_key(%L)$$, :'bo_project')) AS other_orgs_project,
       outcome($$SELECT tenancy.create_api_key('00000000-0000-4000-8000-000000000000')$$) AS missing_project;
RESET ROLE;
SELECT tenancy.set_context(:'ann_co', :'bo', is_local => false);
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.create_api_key(%L)$$, :'project')) AS viewer_creates_key;
RESET ROLE;
SELECT tenancy.clear_context();
SET ROLE regress_flows_app;
SELECT outcome(format($$SELECT tenancy.create_api_key(%L)$$, :'project')) AS no_context,
       outcome($$SELECT * FROM tenancy.resolve_api_key('short')$$) AS malformed_key;
SELECT count(*) AS unknown_key_rows FROM tenancy.resolve_api_key('unknown-api-key-000000000000000000000000000');
RESET ROLE;
SELECT api_key_hash = tenancy.hash_token(:'key2') AS stored_hashed FROM tenancy.projects WHERE id = :'project';
-- Only create_api_key writes a key: not even an OWNER can copy another project's key hash.
SELECT tenancy.set_context(:'ann_co', :'ann', is_local => false);
SET ROLE regress_flows_app;
SELECT outcome(format($$UPDATE tenancy.projects SET api_key_hash = tenancy.hash_token(%L) WHERE id = %L$$, :'key2', :'project')) AS app_writes_key_hash,
       outcome(format($$INSERT INTO tenancy.projects (name, api_key_hash) VALUES ('Copy', tenancy.hash_token(%L))$$, :'key2')) AS app_inserts_key_hash;
RESET ROLE;
SELECT tenancy.clear_context();
-- A key held by two projects (planted by the superuser) identifies neither.
UPDATE tenancy.projects SET api_key_hash = tenancy.hash_token(:'key2') WHERE id = :'bo_project';
SELECT count(*) AS ambiguous_key_rows FROM tenancy.resolve_api_key(:'key2');
UPDATE tenancy.projects SET api_key_hash = NULL WHERE id = :'bo_project';
-- A soft-deleted project's key resolves to nothing.
UPDATE tenancy.projects SET deleted_at = now() WHERE id = :'project';
SELECT count(*) AS deleted_project_rows FROM tenancy.resolve_api_key(:'key2');
-- The key change is in the trail, as a changed column without its value.
SELECT action, details -> 'columns' AS columns, details -> 'new' AS new_values FROM tenancy.audit_logs
 WHERE organization_id = :'ann_co' AND resource_type = 'projects' AND action = 'UPDATE' ORDER BY created_at;

---------------------------------------------------------------------------------------------
-- Declarations and privileges
---------------------------------------------------------------------------------------------
SELECT p.oid::regprocedure AS function, p.prosecdef, p.proconfig, p.provolatile, p.proisstrict,
       has_function_privilege('regress_flows_other', p.oid, 'EXECUTE') AS public_execute,
       has_function_privilege('regress_flows_app', p.oid, 'EXECUTE') AS app_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND p.proname IN ('create_user', 'authenticate', 'create_organization', 'invite', 'accept_invitation',
                     'issue_refresh_token', 'rotate_refresh_token', 'revoke_refresh_tokens',
                     'request_password_reset', 'reset_password', 'create_api_key', 'resolve_api_key')
 ORDER BY p.proname;
-- The application role still cannot read the token tables or password hashes itself.
SET ROLE regress_flows_app;
SELECT outcome($$SELECT count(*) FROM tenancy.refresh_tokens$$) AS refresh_tokens,
       outcome($$SELECT count(*) FROM tenancy.password_reset_tokens$$) AS reset_tokens,
       outcome($$SELECT password_hash FROM tenancy.users LIMIT 1$$) AS password_hashes;
RESET ROLE;

SELECT tenancy.revoke_app_role('regress_flows_app');
DROP ROLE regress_flows_app;
DROP ROLE regress_flows_other;
DROP FUNCTION public.flows_state();
DROP FUNCTION public.flows_audit(uuid);
