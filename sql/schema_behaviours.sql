-- Schema behaviours (issue 4): tenancy.next_run_at and the schedules trigger, ingest_event,
-- has_feature, and the numbering of transformation versions. Its orgs, users and role are its
-- own, removed at the end. Times are shown in UTC; no value of now() is printed.

SET client_min_messages = warning;
SET TimeZone = 'UTC';

-- The application role, granted as an application would be.
CREATE ROLE regress_behaviours_app NOLOGIN;
SELECT tenancy.grant_app_role('regress_behaviours_app');

-- Fixed ids: beh_id('A') is organization A, beh_id('A:project') its project, and so on.
CREATE FUNCTION public.beh_id(tag text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT md5('schema_behaviours:' || tag)::uuid $$;

-- Organizations A and B, and C (soft-deleted); in A an OWNER, a MEMBER and a VIEWER.
INSERT INTO tenancy.organizations (id, name, slug) VALUES
  (beh_id('A'), 'Behaviours A', 'behaviours-a'), (beh_id('B'), 'Behaviours B', 'behaviours-b');
INSERT INTO tenancy.organizations (id, name, slug, deleted_at) VALUES
  (beh_id('C'), 'Behaviours C', 'behaviours-c', now());
INSERT INTO tenancy.users (id, email) VALUES
  (beh_id('owner'), 'behaviours-owner@example.test'),
  (beh_id('member'), 'behaviours-member@example.test'),
  (beh_id('viewer'), 'behaviours-viewer@example.test');
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  (beh_id('A'), beh_id('owner'), 'OWNER'),
  (beh_id('A'), beh_id('member'), 'MEMBER'),
  (beh_id('A'), beh_id('viewer'), 'VIEWER');

---------------------------------------------------------------------------------------------
-- next_run_at
---------------------------------------------------------------------------------------------

-- The first run strictly after "after", in UTC and on the zone's wall clock. DST in 2026:
-- Europe/Berlin springs forward on 29 March (02:00 CET -> 03:00 CEST, at 01:00 UTC) and falls
-- back on 25 October (03:00 CEST -> 02:00 CET, at 01:00 UTC); America/New_York on 8 March
-- (02:00 EST -> 03:00 EDT, at 07:00 UTC) and 1 November (02:00 EDT -> 01:00 EST, at 06:00 UTC).
-- A time in the spring gap runs when the gap ends (03:00 local); a time in the repeated hour
-- runs once, at its first occurrence; hourly runs every real hour.
SELECT c.label, c.frequency, c.run_at_time, c.run_at_day AS day, c.timezone, c.after,
       n.next_run_at, n.next_run_at AT TIME ZONE c.timezone AS local_next
  FROM (VALUES
    ('daily, plain day',                   'daily', time '06:00', NULL::integer, 'Europe/Berlin', timestamptz '2026-01-10 12:00+00'),
    ('daily, later the same day',          'daily', '18:00', NULL, 'Europe/Berlin', '2026-01-10 12:00+00'),
    ('daily, exactly at a run: the next',  'daily', '06:00', NULL, 'Europe/Berlin', '2026-01-11 05:00+00'),
    ('daily, time NULL = midnight',        'daily', NULL, NULL, 'Europe/Berlin', '2026-01-10 12:00+00'),
    ('Berlin spring: 01:30 exists',        'daily', '01:30', NULL, 'Europe/Berlin', '2026-03-28 12:00+00'),
    ('Berlin spring: 02:00 in the gap',    'daily', '02:00', NULL, 'Europe/Berlin', '2026-03-28 12:00+00'),
    ('Berlin spring: 02:30 in the gap',    'daily', '02:30', NULL, 'Europe/Berlin', '2026-03-28 12:00+00'),
    ('Berlin spring: 03:00 exists',        'daily', '03:00', NULL, 'Europe/Berlin', '2026-03-28 12:00+00'),
    ('Berlin spring: after the gap run',   'daily', '02:30', NULL, 'Europe/Berlin', '2026-03-29 01:00+00'),
    ('Berlin spring: the day before',      'daily', '02:30', NULL, 'Europe/Berlin', '2026-03-27 12:00+00'),
    ('Berlin fall: 02:30 first time',      'daily', '02:30', NULL, 'Europe/Berlin', '2026-10-24 12:00+00'),
    ('Berlin fall: after the first 02:30', 'daily', '02:30', NULL, 'Europe/Berlin', '2026-10-25 00:30+00'),
    ('Berlin fall: in the repeated hour',  'daily', '02:30', NULL, 'Europe/Berlin', '2026-10-25 01:15+00'),
    ('Berlin fall: 03:00 once',            'daily', '03:00', NULL, 'Europe/Berlin', '2026-10-24 12:00+00'),
    ('New York spring: 02:30 in the gap',  'daily', '02:30', NULL, 'America/New_York', '2026-03-07 12:00+00'),
    ('New York spring: 01:59 exists',      'daily', '01:59', NULL, 'America/New_York', '2026-03-07 12:00+00'),
    ('New York fall: 01:30 first time',    'daily', '01:30', NULL, 'America/New_York', '2026-10-31 12:00+00'),
    ('New York fall: after the first',     'daily', '01:30', NULL, 'America/New_York', '2026-11-01 05:30+00'),
    ('New York fall: 02:00 once',          'daily', '02:00', NULL, 'America/New_York', '2026-10-31 12:00+00'),
    ('hourly, :15',                        'hourly', '00:15', NULL, 'Europe/Berlin', '2026-01-10 12:20+00'),
    ('hourly, hour of run_at_time ignored','hourly', '17:15', NULL, 'Europe/Berlin', '2026-01-10 12:20+00'),
    ('hourly, time NULL = :00',            'hourly', NULL, NULL, 'Europe/Berlin', '2026-01-10 12:20+00'),
    ('hourly, Berlin before the gap',      'hourly', '00:15', NULL, 'Europe/Berlin', '2026-03-29 00:10+00'),
    ('hourly, Berlin across the gap',      'hourly', '00:15', NULL, 'Europe/Berlin', '2026-03-29 00:20+00'),
    ('hourly, Berlin repeated hour 1st',   'hourly', '00:15', NULL, 'Europe/Berlin', '2026-10-25 00:10+00'),
    ('hourly, Berlin repeated hour 2nd',   'hourly', '00:15', NULL, 'Europe/Berlin', '2026-10-25 00:20+00'),
    ('hourly, New York across the gap',    'hourly', '00:30', NULL, 'America/New_York', '2026-03-08 06:45+00'),
    ('hourly, New York repeated hour',     'hourly', '00:30', NULL, 'America/New_York', '2026-11-01 05:45+00'),
    ('hourly, half-hour offset zone',      'hourly', NULL, NULL, 'Asia/Kolkata', '2026-01-10 12:20+00'),
    ('weekly, Monday',                     'weekly', '09:00', 1, 'Europe/Berlin', '2026-01-07 12:00+00'),
    ('weekly, Sunday',                     'weekly', '09:00', 7, 'Europe/Berlin', '2026-01-07 12:00+00'),
    ('weekly, today but later',            'weekly', '09:00', 3, 'Europe/Berlin', '2026-01-07 07:00+00'),
    ('weekly, today but past: next week',  'weekly', '09:00', 3, 'Europe/Berlin', '2026-01-07 08:00+00'),
    ('weekly, day NULL = Monday',          'weekly', '09:00', NULL, 'Europe/Berlin', '2026-01-07 12:00+00'),
    ('weekly, Sunday in the Berlin gap',   'weekly', '02:30', 7, 'Europe/Berlin', '2026-03-23 12:00+00'),
    ('weekly, Sunday across Berlin fall',  'weekly', '09:00', 7, 'Europe/Berlin', '2026-10-19 12:00+00'),
    ('monthly, Jan 31 -> Feb 28',          'monthly', '08:00', 31, 'UTC', '2026-01-31 09:00+00'),
    ('monthly, Feb 28 -> Mar 31',          'monthly', '08:00', 31, 'UTC', '2026-02-28 09:00+00'),
    ('monthly, Apr has 30 days',           'monthly', '08:00', 31, 'UTC', '2026-04-01 00:00+00'),
    ('monthly, leap year Feb 29',          'monthly', '08:00', 31, 'UTC', '2028-01-31 09:00+00'),
    ('monthly, 30th in leap February',     'monthly', '08:00', 30, 'UTC', '2028-02-01 00:00+00'),
    ('monthly, day NULL = 1st',            'monthly', NULL, NULL, 'UTC', '2026-12-15 00:00+00'),
    ('monthly, local midnight of the 1st', 'monthly', NULL, 1, 'Europe/Berlin', '2026-11-15 00:00+00'),
    ('monthly, Berlin fall-back day',      'monthly', '02:30', 25, 'Europe/Berlin', '2026-10-01 00:00+00'),
    ('monthly, New York spring day',       'monthly', '02:30', 8, 'America/New_York', '2026-03-01 00:00+00')
  ) AS c(label, frequency, run_at_time, run_at_day, timezone, after),
  LATERAL (SELECT tenancy.next_run_at(c.frequency, c.run_at_time, c.run_at_day, c.timezone, c.after)) AS n(next_run_at);

-- The result does not depend on the session's time zone.
SET TimeZone = 'Pacific/Auckland';
SELECT tenancy.next_run_at('daily', '02:30', NULL, 'Europe/Berlin', '2026-03-28 12:00+00')
         = timestamptz '2026-03-29 01:00+00' AS same_in_auckland,
       tenancy.next_run_at('monthly', '08:00', 31, 'America/New_York', '2026-01-31 14:00+00')
         = timestamptz '2026-02-28 13:00+00' AS same_monthly;
SET TimeZone = 'UTC';

-- Consecutive runs: each one is the next_run_at of the previous one.
WITH RECURSIVE runs(n, at) AS (
  SELECT 1, tenancy.next_run_at('daily', '02:30', NULL, 'Europe/Berlin', '2026-03-27 12:00+00')
  UNION ALL
  SELECT n + 1, tenancy.next_run_at('daily', '02:30', NULL, 'Europe/Berlin', at) FROM runs WHERE n < 4)
SELECT n, at, at AT TIME ZONE 'Europe/Berlin' AS local_at FROM runs;
WITH RECURSIVE runs(n, at) AS (
  SELECT 1, tenancy.next_run_at('hourly', '00:45', NULL, 'America/New_York', '2026-11-01 04:00+00')
  UNION ALL
  SELECT n + 1, tenancy.next_run_at('hourly', '00:45', NULL, 'America/New_York', at) FROM runs WHERE n < 4)
SELECT n, at, at AT TIME ZONE 'America/New_York' AS local_at FROM runs;

-- NULL after: NULL. Errors: 22023.
SELECT tenancy.next_run_at('daily', NULL, NULL, 'UTC', NULL) IS NULL AS null_after;
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT tenancy.next_run_at(NULL, NULL, NULL, 'UTC', now())$$),
  ($$SELECT tenancy.next_run_at('yearly', NULL, NULL, 'UTC', now())$$),
  ($$SELECT tenancy.next_run_at('daily', NULL, NULL, NULL, now())$$),
  ($$SELECT tenancy.next_run_at('daily', NULL, NULL, 'Mars/Olympus_Mons', now())$$),
  ($$SELECT tenancy.next_run_at('daily', NULL, NULL, 'Mars/Olympus_Mons', NULL)$$),
  ($$SELECT tenancy.next_run_at('weekly', NULL, 0, 'UTC', now())$$),
  ($$SELECT tenancy.next_run_at('weekly', NULL, 8, 'UTC', now())$$),
  ($$SELECT tenancy.next_run_at('monthly', NULL, 0, 'UTC', now())$$),
  ($$SELECT tenancy.next_run_at('monthly', NULL, 32, 'UTC', now())$$),
  ($$SELECT tenancy.next_run_at('daily', NULL, 1, 'UTC', now())$$),
  ($$SELECT tenancy.next_run_at('hourly', NULL, 1, 'UTC', now())$$)) AS t(s);

---------------------------------------------------------------------------------------------
-- The schedules trigger
---------------------------------------------------------------------------------------------

INSERT INTO tenancy.sources (organization_id, id, name, source_type) VALUES
  (beh_id('A'), beh_id('A:source'), 'Sheet', 'csv'), (beh_id('A'), beh_id('A:source2'), 'Sheet 2', 'csv');

-- As the application role in A's context (MEMBER).
BEGIN;
SELECT tenancy.set_context(beh_id('A'), beh_id('member'));
SET LOCAL ROLE regress_behaviours_app;
-- After the last run when there is one.
INSERT INTO tenancy.schedules (id, source_id, frequency, run_at_time, timezone, last_run_at)
  VALUES (beh_id('A:schedule'), beh_id('A:source'), 'daily', '02:30', 'Europe/Berlin', '2026-03-28 01:30+00');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule');
-- After now when it never ran.
INSERT INTO tenancy.schedules (id, source_id, frequency, run_at_day, timezone)
  VALUES (beh_id('A:schedule2'), beh_id('A:source2'), 'weekly', 5, 'America/New_York');
SELECT next_run_at = tenancy.next_run_at('weekly', NULL, 5, 'America/New_York', now()) AS after_now,
       next_run_at > now() AS in_future
  FROM tenancy.schedules WHERE id = beh_id('A:schedule2');
-- A run recorded: the next one follows it.
UPDATE tenancy.schedules SET last_run_at = '2026-03-29 01:00+00' WHERE id = beh_id('A:schedule');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule');
-- Another time zone, time and frequency.
UPDATE tenancy.schedules SET timezone = 'America/New_York' WHERE id = beh_id('A:schedule');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule');
UPDATE tenancy.schedules SET run_at_time = '23:00' WHERE id = beh_id('A:schedule');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule');
UPDATE tenancy.schedules SET frequency = 'monthly', run_at_day = 31 WHERE id = beh_id('A:schedule');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule');
-- Paused: NULL. Resumed: computed again.
UPDATE tenancy.schedules SET is_active = false WHERE id = beh_id('A:schedule');
SELECT next_run_at IS NULL AS paused FROM tenancy.schedules WHERE id = beh_id('A:schedule');
UPDATE tenancy.schedules SET is_active = true WHERE id = beh_id('A:schedule');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule');
-- next_run_at written directly is put right.
UPDATE tenancy.schedules SET next_run_at = '2030-01-01 00:00+00' WHERE id = beh_id('A:schedule');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule');
-- Invalid values keep the table's own errors.
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$UPDATE tenancy.schedules SET frequency = 'yearly' WHERE id = beh_id('A:schedule')$$),
  ($$UPDATE tenancy.schedules SET run_at_day = 32 WHERE id = beh_id('A:schedule')$$),
  ($$UPDATE tenancy.schedules SET frequency = 'daily' WHERE id = beh_id('A:schedule')$$),
  ($$UPDATE tenancy.schedules SET timezone = 'PST' WHERE id = beh_id('A:schedule')$$),
  ($$UPDATE tenancy.schedules SET timezone = NULL WHERE id = beh_id('A:schedule')$$),
  ($$UPDATE tenancy.schedules SET is_active = NULL WHERE id = beh_id('A:schedule')$$)) AS t(s);
RESET ROLE;
ROLLBACK;

-- An inactive schedule inserted with a next_run_at gets NULL.
INSERT INTO tenancy.schedules (organization_id, id, source_id, frequency, is_active, next_run_at)
  VALUES (beh_id('A'), beh_id('A:schedule3'), beh_id('A:source'), 'hourly', false, '2030-01-01 00:00+00');
SELECT next_run_at IS NULL AS inactive FROM tenancy.schedules WHERE id = beh_id('A:schedule3');
DELETE FROM tenancy.schedules WHERE id = beh_id('A:schedule3');

---------------------------------------------------------------------------------------------
-- ingest_event
---------------------------------------------------------------------------------------------

-- Projects with keys: A's, B's, a soft-deleted one in A, and one in the soft-deleted C.
INSERT INTO tenancy.projects (organization_id, id, name, api_key_hash, deleted_at) VALUES
  (beh_id('A'), beh_id('A:project'), 'Web', tenancy.api_key_digest('key-of-a-000000000000000'), NULL),
  (beh_id('A'), beh_id('A:old-project'), 'Old', tenancy.api_key_digest('key-of-old-0000000000000'), now()),
  (beh_id('B'), beh_id('B:project'), 'Web', tenancy.api_key_digest('key-of-b-000000000000000'), NULL),
  (beh_id('C'), beh_id('C:project'), 'Web', tenancy.api_key_digest('key-of-c-000000000000000'), NULL);
-- The digest is the keyed hash_token; a malformed key has none (and so matches no project).
SELECT tenancy.api_key_digest('key-of-a-000000000000000') = tenancy.hash_token('key-of-a-000000000000000') AS keyed,
       tenancy.api_key_digest('key-of-a') IS NULL AS malformed_has_none;

-- The issue of a fingerprint as it stands, and whether users_affected is exact.
CREATE FUNCTION public.beh_issue(org uuid, fp text)
RETURNS TABLE (title text, status text, events_count bigint, users_affected bigint, exact boolean, seen_in_order boolean)
LANGUAGE sql AS $$
  SELECT i.title, i.status, i.events_count, i.users_affected,
         i.events_count = (SELECT count(*) FROM tenancy.events e WHERE e.organization_id = i.organization_id AND e.issue_id = i.id)
         AND i.users_affected = (SELECT count(DISTINCT e.user_identifier) FROM tenancy.events e
                                  WHERE e.organization_id = i.organization_id AND e.issue_id = i.id),
         i.first_seen_at <= i.last_seen_at
    FROM tenancy.issues i WHERE i.organization_id = org AND i.fingerprint = fp
$$;

-- The application role calls it without a context: the key says which project.
SET ROLE regress_behaviours_app;
SELECT tenancy.current_org_id() IS NULL AS no_context;
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError: x is undefined', '{"line": 1}', 'user-1') IS NOT NULL AS ingested;
RESET ROLE;
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');
-- The event returned is the one recorded, with its project, user and payload.
SET ROLE regress_behaviours_app;
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError: x is undefined', '{"line": 2}', 'user-1') AS event_id \gset
RESET ROLE;
SELECT e.project_id = beh_id('A:project') AS project, e.user_identifier, e.payload,
       e.issue_id = (SELECT i.id FROM tenancy.issues i WHERE i.fingerprint = 'fp-1' AND i.organization_id = beh_id('A')) AS issue
  FROM tenancy.events e WHERE e.id = :'event_id';
-- The same user again, no user, another user, an empty user (= none), a new title.
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError: x is undefined', '{}', NULL) IS NOT NULL AS ingested;
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError: x is undefined', '{}', 'user-2') IS NOT NULL AS ingested;
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError: x is not defined', '{}', '') IS NOT NULL AS ingested;
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError: x is not defined', '{}', 'user-2') IS NOT NULL AS ingested;
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');
SELECT count(*) AS events_without_user FROM tenancy.events WHERE organization_id = beh_id('A') AND user_identifier IS NULL;

-- A resolved issue reopens when the error recurs; an ignored one stays ignored.
UPDATE tenancy.issues SET status = 'RESOLVED' WHERE organization_id = beh_id('A') AND fingerprint = 'fp-1';
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError: x is not defined', '{}', 'user-3') IS NOT NULL AS ingested;
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');
UPDATE tenancy.issues SET status = 'IGNORED' WHERE organization_id = beh_id('A') AND fingerprint = 'fp-1';
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError: x is not defined', '{}', 'user-4') IS NOT NULL AS ingested;
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');

-- Another fingerprint is another issue; the same fingerprint in B is B's issue.
SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-2', 'RangeError', '{}', 'user-1') IS NOT NULL AS ingested;
SELECT tenancy.ingest_event('key-of-b-000000000000000', 'fp-1', 'TypeError in B', '{}', 'user-1') IS NOT NULL AS ingested;
SELECT * FROM beh_issue(beh_id('A'), 'fp-2');
SELECT * FROM beh_issue(beh_id('B'), 'fp-1');
SELECT count(*) AS issues_of_a FROM tenancy.issues WHERE organization_id = beh_id('A');

-- A's issues as A's VIEWER sees them.
BEGIN;
SELECT tenancy.set_context(beh_id('A'), beh_id('viewer'));
SET LOCAL ROLE regress_behaviours_app;
SELECT fingerprint, title, status, events_count, users_affected FROM tenancy.issues ORDER BY fingerprint;
RESET ROLE;
ROLLBACK;

-- Refused: a wrong, missing or empty key, the key of a soft-deleted project or of a project of
-- a soft-deleted organization (28000, and the key is never shown); with a valid key, an empty
-- fingerprint or title, a payload that is not an object, values too long (22023).
SET ROLE regress_behaviours_app;
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT tenancy.ingest_event('key-of-x-000000000000000', 'fp-1', 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event(NULL, 'fp-1', 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event('', 'fp-1', 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-old-0000000000000', 'fp-1', 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event('not a key', 'fp-1', 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-c-000000000000000', 'fp-1', 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-x-000000000000000', NULL, NULL, NULL)$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', NULL, 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', '', 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', NULL, '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', '', '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError', NULL)$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError', '[1, 2]')$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError', '"text"')$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', repeat('f', 513), 'TypeError', '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', repeat('t', 1001), '{}')$$),
  ($$SELECT tenancy.ingest_event('key-of-a-000000000000000', 'fp-1', 'TypeError', '{}', repeat('u', 501))$$)) AS t(s);
RESET ROLE;
-- Nothing of that was recorded.
SELECT * FROM beh_issue(beh_id('A'), 'fp-1');
SELECT count(*) AS issues FROM tenancy.issues WHERE organization_id IN (beh_id('A'), beh_id('B'), beh_id('C'));

-- The function: SECURITY DEFINER with a pinned search_path; the digest is not for PUBLIC.
SELECT p.proname, p.prosecdef, p.proconfig, p.provolatile
  FROM pg_proc p WHERE p.oid IN ('tenancy.ingest_event(text, text, text, jsonb, text)'::regprocedure,
                                 'tenancy.api_key_digest(text)'::regprocedure)
 ORDER BY 1;
SELECT has_function_privilege('regress_behaviours_app', 'tenancy.api_key_digest(text)', 'EXECUTE') AS app_digest,
       has_function_privilege('regress_behaviours_app', 'tenancy.ingest_event(text, text, text, jsonb, text)', 'EXECUTE') AS app_ingest;

---------------------------------------------------------------------------------------------
-- has_feature
---------------------------------------------------------------------------------------------

-- Plans: beh-pro includes beh-sso and beh-audit, beh-basic only beh-audit.
INSERT INTO tenancy.subscription_plans (id, name, code, price, billing_period) VALUES
  (beh_id('plan:pro'), 'Pro', 'beh-pro', 20, 'monthly'), (beh_id('plan:basic'), 'Basic', 'beh-basic', 5, 'monthly');
INSERT INTO tenancy.features (id, name, code) VALUES
  (beh_id('feature:sso'), 'SSO', 'beh-sso'), (beh_id('feature:audit'), 'Audit', 'beh-audit');
INSERT INTO tenancy.plan_features (plan_id, feature_id) VALUES
  (beh_id('plan:pro'), beh_id('feature:sso')), (beh_id('plan:pro'), beh_id('feature:audit')),
  (beh_id('plan:basic'), beh_id('feature:audit'));

-- One subscription of A at a time; has_feature asked as the application role in A's context
-- (VIEWER: reading is enough).
CREATE FUNCTION public.beh_features(plan text, status text, starts interval, ends interval)
RETURNS TABLE (sso boolean, audit boolean, unknown boolean) LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tenancy.subscriptions WHERE organization_id = beh_id('A');
  INSERT INTO tenancy.subscriptions (organization_id, plan_id, status, start_date, end_date)
    VALUES (beh_id('A'), beh_id('plan:' || plan), status, now() + starts, now() + ends);
  PERFORM tenancy.set_context(beh_id('A'), beh_id('viewer'));
  SET LOCAL ROLE regress_behaviours_app;
  sso := tenancy.has_feature('beh-sso');
  audit := tenancy.has_feature('beh-audit');
  unknown := tenancy.has_feature('beh-unknown');
  RESET ROLE;
  PERFORM tenancy.clear_context();
  RETURN NEXT;
END $$;
BEGIN;
SELECT c.label, f.*
  FROM (VALUES
    ('pro, active, open-ended',          'pro', 'active', interval '-1 day', NULL::interval),
    ('pro, active, ends tomorrow',       'pro', 'active', '-1 day', '1 day'),
    ('pro, trialing',                    'pro', 'trialing', '-1 day', '13 days'),
    ('pro, past_due',                    'pro', 'past_due', '-40 days', NULL),
    ('pro, canceled',                    'pro', 'canceled', '-40 days', NULL),
    ('pro, active but expired',          'pro', 'active', '-40 days', '-10 days'),
    ('pro, active from tomorrow',        'pro', 'active', '1 day', NULL),
    ('basic, active',                    'basic', 'active', '-1 day', NULL)
  ) AS c(label, plan, status, starts, ends),
  LATERAL beh_features(c.plan, c.status, c.starts, c.ends) AS f;
ROLLBACK;

-- Without a context, in another organization's context, and NULL.
INSERT INTO tenancy.subscriptions (organization_id, plan_id, status) VALUES (beh_id('A'), beh_id('plan:pro'), 'active');
SET ROLE regress_behaviours_app;
SELECT tenancy.has_feature('beh-sso') AS without_context;
RESET ROLE;
BEGIN;
SELECT tenancy.set_context(beh_id('A'), beh_id('owner'));
SET LOCAL ROLE regress_behaviours_app;
SELECT tenancy.has_feature('beh-sso') AS in_a, tenancy.has_feature(NULL) IS NULL AS null_code;
RESET ROLE;
SELECT tenancy.set_context(beh_id('B'), NULL, 'VIEWER');
SET LOCAL ROLE regress_behaviours_app;
SELECT tenancy.has_feature('beh-sso') AS in_b;
RESET ROLE;
-- The superuser (no RLS) in B's context: still B's answer.
SELECT tenancy.has_feature('beh-sso') AS in_b_as_superuser;
ROLLBACK;
SELECT tenancy.has_feature('beh-sso') AS superuser_without_context;

---------------------------------------------------------------------------------------------
-- transformation versions
---------------------------------------------------------------------------------------------

INSERT INTO tenancy.transformations (organization_id, id, name) VALUES
  (beh_id('A'), beh_id('A:transformation'), 'Totals'), (beh_id('A'), beh_id('A:transformation2'), 'Counts'),
  (beh_id('B'), beh_id('B:transformation'), 'Totals');
CREATE FUNCTION public.beh_versions(t uuid) RETURNS TABLE (versions integer[], current_version integer)
LANGUAGE sql AS $$
  SELECT ARRAY(SELECT v.version_number FROM tenancy.transformation_versions v
                WHERE v.transformation_id = t ORDER BY v.version_number),
         (SELECT x.current_version FROM tenancy.transformations x WHERE x.id = t)
$$;

-- As A's MEMBER: versions 1, 2, 3 and current_version 3; a multi-row insert numbers its rows
-- in order; another transformation counts on its own.
BEGIN;
SELECT tenancy.set_context(beh_id('A'), beh_id('member'));
SET LOCAL ROLE regress_behaviours_app;
INSERT INTO tenancy.transformation_versions (transformation_id, recipe, change_description)
  VALUES (beh_id('A:transformation'), '{"v": 1}', 'first') RETURNING version_number;
INSERT INTO tenancy.transformation_versions (transformation_id, recipe, change_description)
  VALUES (beh_id('A:transformation'), '{"v": 2}', 'second') RETURNING version_number;
INSERT INTO tenancy.transformation_versions (transformation_id, recipe, change_description)
  VALUES (beh_id('A:transformation'), '{"v": 3}', 'third') RETURNING version_number;
SELECT * FROM beh_versions(beh_id('A:transformation'));
INSERT INTO tenancy.transformation_versions (transformation_id, recipe)
  VALUES (beh_id('A:transformation2'), '[]'), (beh_id('A:transformation2'), '[]'), (beh_id('A:transformation2'), '[]')
  RETURNING version_number;
SELECT * FROM beh_versions(beh_id('A:transformation2'));
-- A given number must be the next one.
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$INSERT INTO tenancy.transformation_versions (transformation_id, version_number, recipe) VALUES (beh_id('A:transformation'), 4, '{}')$$),
  ($$INSERT INTO tenancy.transformation_versions (transformation_id, version_number, recipe) VALUES (beh_id('A:transformation'), 4, '{}')$$),
  ($$INSERT INTO tenancy.transformation_versions (transformation_id, version_number, recipe) VALUES (beh_id('A:transformation'), 7, '{}')$$),
  ($$INSERT INTO tenancy.transformation_versions (transformation_id, version_number, recipe) VALUES (beh_id('A:transformation'), 1, '{}')$$),
  -- Unknown, or B's (as if unknown), and a row for B: refused.
  ($$INSERT INTO tenancy.transformation_versions (transformation_id, recipe) VALUES (beh_id('A:nothing'), '{}')$$),
  ($$INSERT INTO tenancy.transformation_versions (transformation_id, recipe) VALUES (beh_id('B:transformation'), '{}')$$),
  ($$INSERT INTO tenancy.transformation_versions (organization_id, transformation_id, recipe) VALUES (beh_id('B'), beh_id('B:transformation'), '{}')$$)) AS t(s);
SELECT * FROM beh_versions(beh_id('A:transformation'));
RESET ROLE;
-- A VIEWER, and no context: refused (42501).
SELECT tenancy.set_context(beh_id('A'), beh_id('viewer'));
SET LOCAL ROLE regress_behaviours_app;
SELECT outcome($$INSERT INTO tenancy.transformation_versions (transformation_id, recipe) VALUES (beh_id('A:transformation'), '{}')$$) AS viewer;
RESET ROLE;
SELECT tenancy.clear_context();
SET LOCAL ROLE regress_behaviours_app;
SELECT outcome($$INSERT INTO tenancy.transformation_versions (organization_id, transformation_id, recipe) VALUES (beh_id('A'), beh_id('A:transformation'), '{}')$$) AS no_context,
       outcome($$INSERT INTO tenancy.transformation_versions (transformation_id, recipe) VALUES (beh_id('A:transformation'), '{}')$$) AS no_context_no_org;
RESET ROLE;
SELECT * FROM beh_versions(beh_id('A:transformation'));
-- Versions stay immutable; deleting the latest one (ADMIN) makes its number the next again.
SELECT tenancy.set_context(beh_id('A'), beh_id('owner'));
SET LOCAL ROLE regress_behaviours_app;
SELECT outcome($$UPDATE tenancy.transformation_versions SET version_number = 9 WHERE transformation_id = beh_id('A:transformation')$$) AS renumber;
DELETE FROM tenancy.transformation_versions WHERE transformation_id = beh_id('A:transformation') AND version_number = 4;
INSERT INTO tenancy.transformation_versions (transformation_id, recipe) VALUES (beh_id('A:transformation'), '{}')
  RETURNING version_number;
SELECT * FROM beh_versions(beh_id('A:transformation'));
RESET ROLE;
ROLLBACK;
-- The superuser (no RLS) numbers B's versions the same way.
INSERT INTO tenancy.transformation_versions (organization_id, transformation_id, recipe)
  VALUES (beh_id('B'), beh_id('B:transformation'), '{}'), (beh_id('B'), beh_id('B:transformation'), '{}');
SELECT * FROM beh_versions(beh_id('B:transformation'));
SELECT outcome($$INSERT INTO tenancy.transformation_versions (organization_id, transformation_id, recipe) VALUES (beh_id('B'), beh_id('B:nothing'), '{}')$$) AS unknown;

-- Restores. pg_restore sets row_security = off, with which only roles that bypass row level
-- security can write these tables: versions then come as they were dumped (in storage order),
-- and the transformation keeps its current_version and updated_at; a schedule keeps its
-- next_run_at.
SELECT updated_at AS b_updated_at FROM tenancy.transformations WHERE id = beh_id('B:transformation') \gset
SET row_security = off;
INSERT INTO tenancy.transformation_versions (organization_id, transformation_id, version_number, recipe)
  VALUES (beh_id('B'), beh_id('B:transformation'), 5, '{}'), (beh_id('B'), beh_id('B:transformation'), 3, '{}');
INSERT INTO tenancy.schedules (organization_id, id, source_id, frequency, next_run_at)
  VALUES (beh_id('A'), beh_id('A:schedule4'), beh_id('A:source2'), 'daily', '2030-01-01 00:00+00');
RESET row_security;
SELECT * FROM beh_versions(beh_id('B:transformation'));
SELECT updated_at = :'b_updated_at' AS b_untouched FROM tenancy.transformations WHERE id = beh_id('B:transformation');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule4');
-- Once restored, the usual rules: the next version is 6; an update recomputes next_run_at.
INSERT INTO tenancy.transformation_versions (organization_id, transformation_id, recipe)
  VALUES (beh_id('B'), beh_id('B:transformation'), '{}') RETURNING version_number;
UPDATE tenancy.schedules SET last_run_at = '2026-05-01 12:00+00' WHERE id = beh_id('A:schedule4');
SELECT next_run_at FROM tenancy.schedules WHERE id = beh_id('A:schedule4');
-- The application role cannot take that way (row_security = off fails under RLS).
BEGIN;
SELECT tenancy.set_context(beh_id('A'), beh_id('member'));
SET LOCAL ROLE regress_behaviours_app;
SET LOCAL row_security = off;
SELECT outcome($$INSERT INTO tenancy.transformation_versions (transformation_id, version_number, recipe) VALUES (beh_id('A:transformation'), 9, '{}')$$) AS app_without_rls;
RESET ROLE;
ROLLBACK;

-- The lint finds nothing in the extension's schema.
SELECT * FROM tenancy.rls_audit(ARRAY['tenancy'])
 ORDER BY table_name::text COLLATE "C" NULLS LAST, check_name, detail;

-- Clean up.
DELETE FROM tenancy.organizations WHERE id IN (beh_id('A'), beh_id('B'), beh_id('C'));
DELETE FROM tenancy.users WHERE id IN (beh_id('owner'), beh_id('member'), beh_id('viewer'));
DELETE FROM tenancy.subscription_plans WHERE id IN (beh_id('plan:pro'), beh_id('plan:basic'));
DELETE FROM tenancy.features WHERE id IN (beh_id('feature:sso'), beh_id('feature:audit'));
SELECT tenancy.revoke_app_role('regress_behaviours_app');
DROP ROLE regress_behaviours_app;
DROP FUNCTION public.beh_id(text), public.beh_issue(uuid, text),
  public.beh_features(text, text, interval, interval), public.beh_versions(uuid);
RESET TimeZone;
RESET client_min_messages;
