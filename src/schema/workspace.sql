-- Workspace tables (SCHEMA.md): user profiles, plans and features, subscriptions, projects with
-- their tasks and comments, invitations, and the refresh and password-reset tokens. Also the
-- table machinery that the schema files after this one share.

-- True iff tz names a time zone of the tz database (pg_timezone_names: not an abbreviation and
-- not a POSIX offset string). Reading pg_timezone_names costs tens of milliseconds, so the
-- trigger below only calls it when the value changes.
CREATE FUNCTION tenancy.is_valid_timezone(tz text) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name OPERATOR(pg_catalog.=) tz)
$$;
COMMENT ON FUNCTION tenancy.is_valid_timezone(text) IS 'True iff the text is a time zone name of the tz database (pg_timezone_names).';

-- Trigger: the column named by the first trigger argument must be NULL or a valid time zone
-- name; otherwise 22023. A CHECK constraint cannot do it (the zone list is not immutable).
CREATE FUNCTION tenancy.check_timezone() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  tz text := pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.->>) TG_ARGV[0];
BEGIN
  IF tz IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND tz IS NOT DISTINCT FROM (pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.->>) TG_ARGV[0]) THEN
    RETURN NEW;
  END IF;
  IF NOT tenancy.is_valid_timezone(tz) THEN
    RAISE EXCEPTION 'invalid time zone "%" for %.%', tz, TG_TABLE_NAME, TG_ARGV[0]
      USING ERRCODE = '22023', HINT = 'Use a name from pg_timezone_names, such as Europe/Berlin or UTC.';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenancy.check_timezone() IS 'Trigger: refuses (22023) a value of the column named by its argument that is not a tz database name.';

-- Trigger for append-only and immutable tables: UPDATE raises 55000, and so does DELETE when
-- the first trigger argument is 'append_only' (with 'immutable' rows may be deleted). Two
-- exceptions keep the foreign-key actions working: the rows of a deleted organization go
-- with it (ON DELETE CASCADE), and the user references named by the other trigger arguments
-- are set to NULL once their user is deleted (ON DELETE SET NULL). Both are recognised by the
-- referenced row being gone, so no direct statement passes them. SECURITY DEFINER: it must
-- see organizations and users whatever the caller's row level security.
CREATE FUNCTION tenancy.refuse_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  user_refs text[] := CASE WHEN TG_NARGS > 1 THEN TG_ARGV[1:TG_NARGS - 1] ELSE '{}'::text[] END;
  new_row jsonb;
  old_row jsonb;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF TG_ARGV[0] = 'append_only'
       AND EXISTS (SELECT 1 FROM tenancy.organizations o WHERE o.id = OLD.organization_id) THEN
      RAISE EXCEPTION 'rows of %.% cannot be deleted: the table is append-only', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = '55000', HINT = 'Record a correcting entry instead.';
    END IF;
    RETURN OLD;
  END IF;
  -- ON DELETE SET NULL of user references: nothing else changes, at least one named column
  -- goes from a user to NULL, and every user so cleared no longer exists.
  new_row := to_jsonb(NEW);
  old_row := to_jsonb(OLD);
  IF (new_row - user_refs) = (old_row - user_refs)
     AND EXISTS (SELECT 1 FROM unnest(user_refs) c WHERE new_row -> c IS DISTINCT FROM old_row -> c)
     AND NOT EXISTS (SELECT 1 FROM unnest(user_refs) c
                      WHERE new_row -> c IS DISTINCT FROM old_row -> c
                        AND (new_row -> c <> 'null'::jsonb
                             OR EXISTS (SELECT 1 FROM tenancy.users u WHERE u.id = (old_row ->> c)::uuid))) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'rows of %.% cannot be updated: the table is %', TG_TABLE_SCHEMA, TG_TABLE_NAME,
    replace(TG_ARGV[0], '_', '-')
    USING ERRCODE = '55000', HINT = 'Record a new row instead.';
END;
$$;
COMMENT ON FUNCTION tenancy.refuse_change() IS
  'Trigger: refuses UPDATE (and, for append_only, DELETE) with 55000, except the foreign-key actions of deleting the organization or a referenced user.';

-- user_profiles ----------------------------------------------------------------------------

CREATE TABLE tenancy.user_profiles (
  user_id uuid NOT NULL PRIMARY KEY REFERENCES tenancy.users (id) ON DELETE CASCADE,
  display_name text CHECK (length(display_name) BETWEEN 1 AND 200),
  avatar_url text CHECK (length(avatar_url) <= 2000),
  timezone text,
  locale text CHECK (locale ~ '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$'),
  preferences jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(preferences) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER user_profiles_touch_updated_at BEFORE UPDATE ON tenancy.user_profiles
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
CREATE TRIGGER user_profiles_check_timezone BEFORE INSERT OR UPDATE OF timezone ON tenancy.user_profiles
  FOR EACH ROW EXECUTE FUNCTION tenancy.check_timezone('timezone');
COMMENT ON TABLE tenancy.user_profiles IS 'Profile of a user beyond authentication (one row per user; global table).';
COMMENT ON COLUMN tenancy.user_profiles.user_id IS 'The user (primary key).';
COMMENT ON COLUMN tenancy.user_profiles.display_name IS 'Name shown to others.';
COMMENT ON COLUMN tenancy.user_profiles.avatar_url IS 'URL of the avatar image.';
COMMENT ON COLUMN tenancy.user_profiles.timezone IS 'Preferred time zone: a tz database name (checked by trigger, 22023).';
COMMENT ON COLUMN tenancy.user_profiles.locale IS 'Preferred locale, such as en or pt-BR.';
COMMENT ON COLUMN tenancy.user_profiles.preferences IS 'User preferences (JSON object).';
COMMENT ON COLUMN tenancy.user_profiles.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.user_profiles.updated_at IS 'When the row was last updated (kept by trigger).';

-- subscription_plans, features, plan_features: platform catalog ------------------------------

CREATE TABLE tenancy.subscription_plans (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 100 AND code !~ '\s'),
  description text,
  price numeric(12,2) NOT NULL CHECK (price >= 0),
  currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  billing_period text NOT NULL CHECK (billing_period IN ('monthly', 'yearly')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER subscription_plans_touch_updated_at BEFORE UPDATE ON tenancy.subscription_plans
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.subscription_plans IS 'Plans an organization can subscribe to (platform table, readable by all).';
COMMENT ON COLUMN tenancy.subscription_plans.id IS 'Plan id (uuid).';
COMMENT ON COLUMN tenancy.subscription_plans.name IS 'Display name.';
COMMENT ON COLUMN tenancy.subscription_plans.code IS 'Unique code used by applications, without white space.';
COMMENT ON COLUMN tenancy.subscription_plans.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.subscription_plans.price IS 'Price per billing period, in currency.';
COMMENT ON COLUMN tenancy.subscription_plans.currency IS 'ISO 4217 currency code of the price (three upper-case letters).';
COMMENT ON COLUMN tenancy.subscription_plans.billing_period IS 'Billing period: monthly or yearly.';
COMMENT ON COLUMN tenancy.subscription_plans.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.subscription_plans.updated_at IS 'When the row was last updated (kept by trigger).';

CREATE TABLE tenancy.features (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 100 AND code !~ '\s'),
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER features_touch_updated_at BEFORE UPDATE ON tenancy.features
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.features IS 'Features that plans include, for feature flags (platform table, readable by all).';
COMMENT ON COLUMN tenancy.features.id IS 'Feature id (uuid).';
COMMENT ON COLUMN tenancy.features.name IS 'Display name.';
COMMENT ON COLUMN tenancy.features.code IS 'Unique code that tenancy.has_feature(code) asks about, without white space.';
COMMENT ON COLUMN tenancy.features.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.features.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.features.updated_at IS 'When the row was last updated (kept by trigger).';

CREATE TABLE tenancy.plan_features (
  plan_id uuid NOT NULL REFERENCES tenancy.subscription_plans (id) ON DELETE CASCADE,
  feature_id uuid NOT NULL REFERENCES tenancy.features (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plan_id, feature_id)
);
CREATE INDEX plan_features_feature_id_idx ON tenancy.plan_features (feature_id);
COMMENT ON TABLE tenancy.plan_features IS 'Which features each plan includes (platform table, readable by all). A link row is added or removed, never updated: no updated_at.';
COMMENT ON COLUMN tenancy.plan_features.plan_id IS 'The plan.';
COMMENT ON COLUMN tenancy.plan_features.feature_id IS 'A feature the plan includes.';
COMMENT ON COLUMN tenancy.plan_features.created_at IS 'When the feature was added to the plan.';

-- subscriptions ----------------------------------------------------------------------------

CREATE TABLE tenancy.subscriptions (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  plan_id uuid NOT NULL REFERENCES tenancy.subscription_plans (id) ON DELETE RESTRICT,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('trialing', 'active', 'past_due', 'canceled')),
  start_date timestamptz NOT NULL DEFAULT now(),
  end_date timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT subscriptions_period_order CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX subscriptions_plan_id_idx ON tenancy.subscriptions (plan_id);
CREATE INDEX subscriptions_status_idx ON tenancy.subscriptions (organization_id, status);
CREATE TRIGGER subscriptions_touch_updated_at BEFORE UPDATE ON tenancy.subscriptions
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.subscriptions IS 'Subscriptions of organizations to plans, with their status and period. Writes need OWNER.';
COMMENT ON COLUMN tenancy.subscriptions.organization_id IS 'The subscribing organization (tenant key).';
COMMENT ON COLUMN tenancy.subscriptions.id IS 'Subscription id (uuid).';
COMMENT ON COLUMN tenancy.subscriptions.plan_id IS 'The plan subscribed to (a plan in use cannot be deleted).';
COMMENT ON COLUMN tenancy.subscriptions.status IS 'Status: trialing, active, past_due or canceled.';
COMMENT ON COLUMN tenancy.subscriptions.start_date IS 'When the subscription starts.';
COMMENT ON COLUMN tenancy.subscriptions.end_date IS 'When it ends; NULL while open-ended. Not before start_date.';
COMMENT ON COLUMN tenancy.subscriptions.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.subscriptions.updated_at IS 'When the row was last updated (kept by trigger).';

-- projects ---------------------------------------------------------------------------------

CREATE TABLE tenancy.projects (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  api_key_hash bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT projects_name_key UNIQUE (organization_id, name),
  CONSTRAINT projects_api_key_hash_key UNIQUE (organization_id, api_key_hash)
);
-- resolve_api_key finds a project by its key alone, before any tenant context exists.
CREATE INDEX projects_api_key_hash_idx ON tenancy.projects (api_key_hash) WHERE api_key_hash IS NOT NULL;
CREATE INDEX projects_created_by_id_idx ON tenancy.projects (created_by_id);
CREATE INDEX projects_live_idx ON tenancy.projects (organization_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER projects_touch_updated_at BEFORE UPDATE ON tenancy.projects
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.projects IS 'Projects (applications, work containers) of an organization. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.projects.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.projects.id IS 'Project id (uuid).';
COMMENT ON COLUMN tenancy.projects.name IS 'Name, unique within the organization.';
COMMENT ON COLUMN tenancy.projects.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.projects.created_by_id IS 'User who created the project (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.projects.api_key_hash IS 'tenancy.hash_token of the project''s DSN key (the key itself is never stored); NULL when none.';
COMMENT ON COLUMN tenancy.projects.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.projects.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.projects.deleted_at IS 'When the project was soft-deleted; NULL while live.';

-- tasks ------------------------------------------------------------------------------------

CREATE TABLE tenancy.tasks (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  description text,
  status text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'done')),
  assigned_to_id uuid REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  due_date timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT tasks_project_fkey FOREIGN KEY (organization_id, project_id)
    REFERENCES tenancy.projects (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX tasks_project_idx ON tenancy.tasks (organization_id, project_id);
CREATE INDEX tasks_assigned_to_id_idx ON tenancy.tasks (assigned_to_id);
CREATE INDEX tasks_created_by_id_idx ON tenancy.tasks (created_by_id);
CREATE INDEX tasks_live_status_idx ON tenancy.tasks (organization_id, status) WHERE deleted_at IS NULL;
CREATE INDEX tasks_live_project_idx ON tenancy.tasks (organization_id, project_id, status) WHERE deleted_at IS NULL;
CREATE INDEX tasks_text_search_idx ON tenancy.tasks USING gin
  (to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(description, '')));
CREATE TRIGGER tasks_touch_updated_at BEFORE UPDATE ON tenancy.tasks
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.tasks IS 'Work items of a project; full-text searchable on title and description. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.tasks.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.tasks.id IS 'Task id (uuid).';
COMMENT ON COLUMN tenancy.tasks.project_id IS 'The project, in the same organization.';
COMMENT ON COLUMN tenancy.tasks.title IS 'Title.';
COMMENT ON COLUMN tenancy.tasks.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.tasks.status IS 'Status: todo, in_progress or done.';
COMMENT ON COLUMN tenancy.tasks.assigned_to_id IS 'User the task is assigned to; NULL when unassigned.';
COMMENT ON COLUMN tenancy.tasks.created_by_id IS 'User who created the task (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.tasks.due_date IS 'When the task is due; NULL for no deadline.';
COMMENT ON COLUMN tenancy.tasks.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.tasks.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.tasks.deleted_at IS 'When the task was soft-deleted; NULL while live.';

-- comments ---------------------------------------------------------------------------------

CREATE TABLE tenancy.comments (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  task_id uuid NOT NULL,
  author_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT comments_task_fkey FOREIGN KEY (organization_id, task_id)
    REFERENCES tenancy.tasks (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX comments_task_idx ON tenancy.comments (organization_id, task_id);
CREATE INDEX comments_author_id_idx ON tenancy.comments (author_id);
CREATE INDEX comments_live_idx ON tenancy.comments (organization_id, task_id, created_at) WHERE deleted_at IS NULL;
CREATE TRIGGER comments_touch_updated_at BEFORE UPDATE ON tenancy.comments
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.comments IS 'Comments of users on tasks. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.comments.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.comments.id IS 'Comment id (uuid).';
COMMENT ON COLUMN tenancy.comments.task_id IS 'The task commented on, in the same organization.';
COMMENT ON COLUMN tenancy.comments.author_id IS 'User who wrote it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.comments.body IS 'Text of the comment.';
COMMENT ON COLUMN tenancy.comments.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.comments.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.comments.deleted_at IS 'When the comment was soft-deleted; NULL while live.';

-- invitations ------------------------------------------------------------------------------

CREATE TABLE tenancy.invitations (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 320),
  role tenancy.org_role NOT NULL DEFAULT 'MEMBER',
  token_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at timestamptz,
  invited_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT invitations_token_hash_key UNIQUE (organization_id, token_hash),
  CONSTRAINT invitations_accepted_or_revoked CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
-- accept_invitation finds an invitation by its token alone (the hash of 32 random bytes: a
-- collision across organizations does not happen, so uniqueness per organization suffices).
CREATE INDEX invitations_token_hash_idx ON tenancy.invitations (token_hash);
CREATE INDEX invitations_invited_by_id_idx ON tenancy.invitations (invited_by_id);
CREATE INDEX invitations_pending_idx ON tenancy.invitations (organization_id, lower(email))
  WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE TRIGGER invitations_touch_updated_at BEFORE UPDATE ON tenancy.invitations
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.invitations IS 'Invitations to join an organization; only the hash of the token is stored. Writes need ADMIN.';
COMMENT ON COLUMN tenancy.invitations.organization_id IS 'The inviting organization (tenant key).';
COMMENT ON COLUMN tenancy.invitations.id IS 'Invitation id (uuid).';
COMMENT ON COLUMN tenancy.invitations.email IS 'E-mail address invited (compared regardless of case).';
COMMENT ON COLUMN tenancy.invitations.role IS 'Role the membership will have: VIEWER, MEMBER, ADMIN or OWNER.';
COMMENT ON COLUMN tenancy.invitations.token_hash IS 'tenancy.hash_token of the invitation token (the token is never stored).';
COMMENT ON COLUMN tenancy.invitations.expires_at IS 'When the invitation stops being valid.';
COMMENT ON COLUMN tenancy.invitations.accepted_at IS 'When it was accepted; NULL while not.';
COMMENT ON COLUMN tenancy.invitations.revoked_at IS 'When it was revoked; NULL while not. Never both accepted and revoked.';
COMMENT ON COLUMN tenancy.invitations.invited_by_id IS 'User who invited (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.invitations.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.invitations.updated_at IS 'When the row was last updated (kept by trigger).';

-- refresh_tokens, password_reset_tokens: reachable only through SECURITY DEFINER functions ----

CREATE TABLE tenancy.refresh_tokens (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES tenancy.users (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  replaced_by_id uuid REFERENCES tenancy.refresh_tokens (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refresh_tokens_not_self_replaced CHECK (replaced_by_id <> id)
);
CREATE INDEX refresh_tokens_user_id_idx ON tenancy.refresh_tokens (user_id);
CREATE INDEX refresh_tokens_replaced_by_id_idx ON tenancy.refresh_tokens (replaced_by_id);
CREATE TRIGGER refresh_tokens_touch_updated_at BEFORE UPDATE ON tenancy.refresh_tokens
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.refresh_tokens IS 'Refresh tokens of user sessions (hashes only). No policy: the application reaches it only through the token functions.';
COMMENT ON COLUMN tenancy.refresh_tokens.id IS 'Token id (uuid).';
COMMENT ON COLUMN tenancy.refresh_tokens.user_id IS 'The user the token belongs to.';
COMMENT ON COLUMN tenancy.refresh_tokens.token_hash IS 'tenancy.hash_token of the token (the token is never stored).';
COMMENT ON COLUMN tenancy.refresh_tokens.expires_at IS 'When the token stops being valid.';
COMMENT ON COLUMN tenancy.refresh_tokens.revoked_at IS 'When it was revoked (rotated or by reuse detection); NULL while valid.';
COMMENT ON COLUMN tenancy.refresh_tokens.replaced_by_id IS 'The token that replaced it on rotation; NULL if none.';
COMMENT ON COLUMN tenancy.refresh_tokens.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.refresh_tokens.updated_at IS 'When the row was last updated (kept by trigger).';

CREATE TABLE tenancy.password_reset_tokens (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES tenancy.users (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_tokens_user_id_idx ON tenancy.password_reset_tokens (user_id);
CREATE TRIGGER password_reset_tokens_touch_updated_at BEFORE UPDATE ON tenancy.password_reset_tokens
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.password_reset_tokens IS 'Single-use password reset tokens (hashes only). No policy: the application reaches it only through the reset functions.';
COMMENT ON COLUMN tenancy.password_reset_tokens.id IS 'Token id (uuid).';
COMMENT ON COLUMN tenancy.password_reset_tokens.user_id IS 'The user whose password it resets.';
COMMENT ON COLUMN tenancy.password_reset_tokens.token_hash IS 'tenancy.hash_token of the token (the token is never stored).';
COMMENT ON COLUMN tenancy.password_reset_tokens.expires_at IS 'When the token stops being valid.';
COMMENT ON COLUMN tenancy.password_reset_tokens.used_at IS 'When it was used; NULL while unused (single use).';
COMMENT ON COLUMN tenancy.password_reset_tokens.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.password_reset_tokens.updated_at IS 'When the row was last updated (kept by trigger).';

-- pg_dump keeps the rows of extension tables only when they are registered.
SELECT pg_catalog.pg_extension_config_dump('tenancy.user_profiles', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.subscription_plans', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.features', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.plan_features', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.subscriptions', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.projects', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.comments', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.invitations', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.refresh_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.password_reset_tokens', '');

-- Row level security. Tenant tables: the generator (MEMBER writes, ADMIN deletes unless noted).
SELECT tenancy.enable_rls('tenancy.subscriptions', write_role => 'OWNER', delete_role => 'OWNER');
SELECT tenancy.enable_rls('tenancy.projects', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.tasks', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.comments', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.invitations', write_role => 'ADMIN', delete_role => 'ADMIN');

-- Platform catalog: readable by every role. No write policy: FORCE applies the policies to the
-- table owner too, so only a superuser (the platform, or its SECURITY DEFINER functions) writes.
ALTER TABLE tenancy.subscription_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.subscription_plans FORCE ROW LEVEL SECURITY;
CREATE POLICY subscription_plans_read ON tenancy.subscription_plans FOR SELECT USING (true);
ALTER TABLE tenancy.features ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.features FORCE ROW LEVEL SECURITY;
CREATE POLICY features_read ON tenancy.features FOR SELECT USING (true);
ALTER TABLE tenancy.plan_features ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.plan_features FORCE ROW LEVEL SECURITY;
CREATE POLICY plan_features_read ON tenancy.plan_features FOR SELECT USING (true);

-- A profile is read and written by its own user. (To widen to "visible like users" once users
-- has its policies.)
ALTER TABLE tenancy.user_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.user_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY user_profiles_self_select ON tenancy.user_profiles FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id());
CREATE POLICY user_profiles_self_insert ON tenancy.user_profiles FOR INSERT
  WITH CHECK (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id());
CREATE POLICY user_profiles_self_update ON tenancy.user_profiles FOR UPDATE
  USING (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id())
  WITH CHECK (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id());
CREATE POLICY user_profiles_self_delete ON tenancy.user_profiles FOR DELETE
  USING (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id());

-- Tokens: RLS enabled and forced with no policy at all, so no role but a superuser (or a
-- SECURITY DEFINER function owned by one) reads or writes them.
ALTER TABLE tenancy.refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.refresh_tokens FORCE ROW LEVEL SECURITY;
ALTER TABLE tenancy.password_reset_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.password_reset_tokens FORCE ROW LEVEL SECURITY;
