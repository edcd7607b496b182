-- Telemetry (SCHEMA.md, seed 002): issues group the error events of a project by fingerprint;
-- events are immutable occurrences. tenancy.ingest_event keeps the issue counters true.

CREATE TABLE tenancy.issues (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL,
  fingerprint text NOT NULL CHECK (length(fingerprint) BETWEEN 1 AND 512),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 1000),
  status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'RESOLVED', 'IGNORED')),
  events_count bigint NOT NULL DEFAULT 0 CHECK (events_count >= 0),
  users_affected bigint NOT NULL DEFAULT 0 CHECK (users_affected >= 0),
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- Also the index of the project foreign key (it leads with organization_id, project_id).
  CONSTRAINT issues_fingerprint_key UNIQUE (organization_id, project_id, fingerprint),
  CONSTRAINT issues_project_fkey FOREIGN KEY (organization_id, project_id)
    REFERENCES tenancy.projects (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT issues_seen_order CHECK (last_seen_at >= first_seen_at)
);
CREATE INDEX issues_status_idx ON tenancy.issues (organization_id, project_id, status, last_seen_at DESC);
CREATE TRIGGER issues_touch_updated_at BEFORE UPDATE ON tenancy.issues
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.issues IS 'Groups of similar error events of a project (deduplicated by fingerprint), with their counters.';
COMMENT ON COLUMN tenancy.issues.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.issues.id IS 'Issue id (uuid).';
COMMENT ON COLUMN tenancy.issues.project_id IS 'The project, in the same organization.';
COMMENT ON COLUMN tenancy.issues.fingerprint IS 'Hash of the stack trace that groups events; unique within the project.';
COMMENT ON COLUMN tenancy.issues.title IS 'Title (typically the error message).';
COMMENT ON COLUMN tenancy.issues.status IS 'Status: OPEN, RESOLVED or IGNORED.';
COMMENT ON COLUMN tenancy.issues.events_count IS 'Number of events of the issue (never negative).';
COMMENT ON COLUMN tenancy.issues.users_affected IS 'Number of distinct users affected (never negative).';
COMMENT ON COLUMN tenancy.issues.first_seen_at IS 'When the first event occurred.';
COMMENT ON COLUMN tenancy.issues.last_seen_at IS 'When the latest event occurred (not before first_seen_at).';
COMMENT ON COLUMN tenancy.issues.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.issues.updated_at IS 'When the row was last updated (kept by trigger).';

CREATE TABLE tenancy.events (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL,
  issue_id uuid NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  user_identifier text CHECK (length(user_identifier) BETWEEN 1 AND 500),
  payload jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT events_project_fkey FOREIGN KEY (organization_id, project_id)
    REFERENCES tenancy.projects (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT events_issue_fkey FOREIGN KEY (organization_id, issue_id)
    REFERENCES tenancy.issues (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX events_project_idx ON tenancy.events (organization_id, project_id, occurred_at DESC);
CREATE INDEX events_issue_idx ON tenancy.events (organization_id, issue_id, occurred_at DESC);
CREATE TRIGGER events_immutable BEFORE UPDATE ON tenancy.events
  FOR EACH ROW EXECUTE FUNCTION tenancy.refuse_change('immutable');
COMMENT ON TABLE tenancy.events IS 'Single occurrences of errors. Immutable: UPDATE raises 55000 (no updated_at); rows go with their issue or project.';
COMMENT ON COLUMN tenancy.events.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.events.id IS 'Event id (uuid).';
COMMENT ON COLUMN tenancy.events.project_id IS 'The project that reported it, in the same organization.';
COMMENT ON COLUMN tenancy.events.issue_id IS 'The issue it belongs to, in the same organization.';
COMMENT ON COLUMN tenancy.events.occurred_at IS 'When the error occurred (as reported).';
COMMENT ON COLUMN tenancy.events.user_identifier IS 'Identifier of the affected end user, as reported; NULL when unknown.';
COMMENT ON COLUMN tenancy.events.payload IS 'The reported event (JSON object).';
COMMENT ON COLUMN tenancy.events.created_at IS 'When the event was ingested.';

SELECT pg_catalog.pg_extension_config_dump('tenancy.issues', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.events', '');

SELECT tenancy.enable_rls('tenancy.issues', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.events', write_role => 'MEMBER', delete_role => 'ADMIN');
