-- Data pipelines (SCHEMA.md, seed 001): sources and their inferred schemas and sync runs, the
-- organization's warehouse and its tables, transformations with versions and runs, outputs,
-- and schedules. Every reference between them is a composite key within one organization.

-- sources ----------------------------------------------------------------------------------

CREATE TABLE tenancy.sources (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  source_type text NOT NULL CHECK (source_type IN ('google_sheets', 'csv', 'api', 'database')),
  config jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  warehouse_table_name text CHECK (length(warehouse_table_name) BETWEEN 1 AND 63),
  last_synced_at timestamptz,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id)
);
CREATE INDEX sources_created_by_id_idx ON tenancy.sources (created_by_id);
CREATE INDEX sources_live_idx ON tenancy.sources (organization_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER sources_touch_updated_at BEFORE UPDATE ON tenancy.sources
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.sources IS 'Data source configurations (Google Sheets, CSV, API, database). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.sources.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.sources.id IS 'Source id (uuid).';
COMMENT ON COLUMN tenancy.sources.name IS 'Display name.';
COMMENT ON COLUMN tenancy.sources.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.sources.source_type IS 'Kind of source: google_sheets, csv, api or database.';
COMMENT ON COLUMN tenancy.sources.config IS 'Connection settings of the source (JSON object).';
COMMENT ON COLUMN tenancy.sources.warehouse_table_name IS 'Warehouse table the source syncs into; NULL before the first sync.';
COMMENT ON COLUMN tenancy.sources.last_synced_at IS 'When the last successful sync completed; NULL if never.';
COMMENT ON COLUMN tenancy.sources.created_by_id IS 'User who created the source (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.sources.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.sources.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.sources.deleted_at IS 'When the source was soft-deleted; NULL while live.';

-- source_schemas ---------------------------------------------------------------------------

CREATE TABLE tenancy.source_schemas (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_id uuid NOT NULL,
  column_name text NOT NULL CHECK (length(column_name) BETWEEN 1 AND 200),
  column_type text NOT NULL CHECK (length(column_type) BETWEEN 1 AND 100),
  column_order integer NOT NULL CHECK (column_order >= 0),
  is_nullable boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT source_schemas_source_fkey FOREIGN KEY (organization_id, source_id)
    REFERENCES tenancy.sources (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX source_schemas_source_idx ON tenancy.source_schemas (organization_id, source_id, column_order);
CREATE UNIQUE INDEX source_schemas_live_column_key ON tenancy.source_schemas (organization_id, source_id, column_name)
  WHERE deleted_at IS NULL;
CREATE TRIGGER source_schemas_touch_updated_at BEFORE UPDATE ON tenancy.source_schemas
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.source_schemas IS 'Inferred columns of each source (one live row per column name). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.source_schemas.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.source_schemas.id IS 'Row id (uuid).';
COMMENT ON COLUMN tenancy.source_schemas.source_id IS 'The source, in the same organization.';
COMMENT ON COLUMN tenancy.source_schemas.column_name IS 'Column name, unique among the live columns of the source.';
COMMENT ON COLUMN tenancy.source_schemas.column_type IS 'Inferred column type.';
COMMENT ON COLUMN tenancy.source_schemas.column_order IS 'Position of the column, from 0.';
COMMENT ON COLUMN tenancy.source_schemas.is_nullable IS 'Whether the column may be empty.';
COMMENT ON COLUMN tenancy.source_schemas.metadata IS 'Further facts about the column (JSON object).';
COMMENT ON COLUMN tenancy.source_schemas.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.source_schemas.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.source_schemas.deleted_at IS 'When the column was soft-deleted; NULL while live.';

-- sync_runs --------------------------------------------------------------------------------

CREATE TABLE tenancy.sync_runs (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'canceled')),
  started_at timestamptz,
  completed_at timestamptz,
  rows_synced bigint CHECK (rows_synced >= 0),
  error_message text,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  triggered_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT sync_runs_source_fkey FOREIGN KEY (organization_id, source_id)
    REFERENCES tenancy.sources (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT sync_runs_time_order CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at)
);
CREATE INDEX sync_runs_source_idx ON tenancy.sync_runs (organization_id, source_id, created_at DESC);
CREATE INDEX sync_runs_triggered_by_id_idx ON tenancy.sync_runs (triggered_by_id);
CREATE TRIGGER sync_runs_touch_updated_at BEFORE UPDATE ON tenancy.sync_runs
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.sync_runs IS 'History of data sync operations of sources.';
COMMENT ON COLUMN tenancy.sync_runs.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.sync_runs.id IS 'Run id (uuid).';
COMMENT ON COLUMN tenancy.sync_runs.source_id IS 'The source synced, in the same organization.';
COMMENT ON COLUMN tenancy.sync_runs.status IS 'Status: pending, running, succeeded, failed or canceled.';
COMMENT ON COLUMN tenancy.sync_runs.started_at IS 'When the run started; NULL while pending.';
COMMENT ON COLUMN tenancy.sync_runs.completed_at IS 'When the run ended; NULL while pending or running. Not before started_at.';
COMMENT ON COLUMN tenancy.sync_runs.rows_synced IS 'Number of rows synced; NULL until known.';
COMMENT ON COLUMN tenancy.sync_runs.error_message IS 'Error message of a failed run.';
COMMENT ON COLUMN tenancy.sync_runs.details IS 'Further facts about the run (JSON object).';
COMMENT ON COLUMN tenancy.sync_runs.triggered_by_id IS 'User who started the run (defaults to the context user); NULL for scheduled runs or once that user is deleted.';
COMMENT ON COLUMN tenancy.sync_runs.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.sync_runs.updated_at IS 'When the row was last updated (kept by trigger).';

-- warehouse_connections --------------------------------------------------------------------

CREATE TABLE tenancy.warehouse_connections (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  database_name text NOT NULL CHECK (length(database_name) BETWEEN 1 AND 200),
  -- Only an encrypt_secret ciphertext fits: a plaintext token stored by mistake is refused.
  access_token_encrypted bytea CHECK (octet_length(access_token_encrypted) >= 41
                                      AND get_byte(access_token_encrypted, 0) = 1),
  is_connected boolean NOT NULL DEFAULT false,
  last_connected_at timestamptz,
  config jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT warehouse_connections_organization_key UNIQUE (organization_id)
);
CREATE TRIGGER warehouse_connections_touch_updated_at BEFORE UPDATE ON tenancy.warehouse_connections
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.warehouse_connections IS 'The data warehouse connection of an organization (at most one row per organization, soft-deleted or not). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.warehouse_connections.organization_id IS 'The owning organization (tenant key; unique).';
COMMENT ON COLUMN tenancy.warehouse_connections.id IS 'Connection id (uuid).';
COMMENT ON COLUMN tenancy.warehouse_connections.database_name IS 'Name of the warehouse database.';
COMMENT ON COLUMN tenancy.warehouse_connections.access_token_encrypted IS 'Access token encrypted with tenancy.encrypt_secret (bound to the organization); NULL when none.';
COMMENT ON COLUMN tenancy.warehouse_connections.is_connected IS 'Whether the last connection attempt succeeded.';
COMMENT ON COLUMN tenancy.warehouse_connections.last_connected_at IS 'When the warehouse was last reached; NULL if never.';
COMMENT ON COLUMN tenancy.warehouse_connections.config IS 'Connection settings (JSON object).';
COMMENT ON COLUMN tenancy.warehouse_connections.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.warehouse_connections.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.warehouse_connections.deleted_at IS 'When the connection was soft-deleted; NULL while live.';

-- transformations --------------------------------------------------------------------------

CREATE TABLE tenancy.transformations (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  recipe jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(recipe) IN ('object', 'array')),
  output_table_name text CHECK (length(output_table_name) BETWEEN 1 AND 63),
  current_version integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
  last_run_at timestamptz,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id)
);
CREATE INDEX transformations_created_by_id_idx ON tenancy.transformations (created_by_id);
CREATE INDEX transformations_live_idx ON tenancy.transformations (organization_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER transformations_touch_updated_at BEFORE UPDATE ON tenancy.transformations
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.transformations IS 'Transformation definitions (recipes). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.transformations.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.transformations.id IS 'Transformation id (uuid).';
COMMENT ON COLUMN tenancy.transformations.name IS 'Display name.';
COMMENT ON COLUMN tenancy.transformations.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.transformations.recipe IS 'The current recipe (JSON object or array of steps).';
COMMENT ON COLUMN tenancy.transformations.output_table_name IS 'Warehouse table it writes; NULL until set.';
COMMENT ON COLUMN tenancy.transformations.current_version IS 'Number of the current version (from 1).';
COMMENT ON COLUMN tenancy.transformations.last_run_at IS 'When it last ran; NULL if never.';
COMMENT ON COLUMN tenancy.transformations.created_by_id IS 'User who created it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.transformations.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.transformations.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.transformations.deleted_at IS 'When the transformation was soft-deleted; NULL while live.';

-- transformation_versions ------------------------------------------------------------------

CREATE TABLE tenancy.transformation_versions (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  transformation_id uuid NOT NULL,
  version_number integer NOT NULL CHECK (version_number >= 1),
  recipe jsonb NOT NULL CHECK (jsonb_typeof(recipe) IN ('object', 'array')),
  generated_sql text,
  change_description text,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- Also the index of the transformation foreign key.
  CONSTRAINT transformation_versions_number_key UNIQUE (organization_id, transformation_id, version_number),
  CONSTRAINT transformation_versions_transformation_fkey FOREIGN KEY (organization_id, transformation_id)
    REFERENCES tenancy.transformations (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX transformation_versions_created_by_id_idx ON tenancy.transformation_versions (created_by_id);
CREATE TRIGGER transformation_versions_immutable BEFORE UPDATE ON tenancy.transformation_versions
  FOR EACH ROW EXECUTE FUNCTION tenancy.refuse_change('immutable', 'created_by_id');
COMMENT ON TABLE tenancy.transformation_versions IS 'Version history of transformations. Immutable: UPDATE raises 55000 (no updated_at); versions go with their transformation.';
COMMENT ON COLUMN tenancy.transformation_versions.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.transformation_versions.id IS 'Version id (uuid).';
COMMENT ON COLUMN tenancy.transformation_versions.transformation_id IS 'The transformation, in the same organization.';
COMMENT ON COLUMN tenancy.transformation_versions.version_number IS 'Version number (from 1), unique per transformation.';
COMMENT ON COLUMN tenancy.transformation_versions.recipe IS 'The recipe of this version (JSON object or array of steps).';
COMMENT ON COLUMN tenancy.transformation_versions.generated_sql IS 'SQL generated from the recipe.';
COMMENT ON COLUMN tenancy.transformation_versions.change_description IS 'What changed in this version.';
COMMENT ON COLUMN tenancy.transformation_versions.created_by_id IS 'User who saved the version (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.transformation_versions.created_at IS 'When the version was saved.';

-- transformation_runs ----------------------------------------------------------------------

CREATE TABLE tenancy.transformation_runs (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  transformation_id uuid NOT NULL,
  version_number integer CHECK (version_number >= 1),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'canceled')),
  started_at timestamptz,
  completed_at timestamptz,
  executed_sql text,
  rows_affected bigint CHECK (rows_affected >= 0),
  error_message text,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  triggered_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT transformation_runs_transformation_fkey FOREIGN KEY (organization_id, transformation_id)
    REFERENCES tenancy.transformations (organization_id, id) ON DELETE CASCADE,
  -- Not enforced while version_number is NULL (MATCH SIMPLE).
  CONSTRAINT transformation_runs_version_fkey FOREIGN KEY (organization_id, transformation_id, version_number)
    REFERENCES tenancy.transformation_versions (organization_id, transformation_id, version_number) ON DELETE CASCADE,
  CONSTRAINT transformation_runs_time_order CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at)
);
-- The index of both foreign keys.
CREATE INDEX transformation_runs_version_idx ON tenancy.transformation_runs (organization_id, transformation_id, version_number);
CREATE INDEX transformation_runs_recent_idx ON tenancy.transformation_runs (organization_id, created_at DESC);
CREATE INDEX transformation_runs_triggered_by_id_idx ON tenancy.transformation_runs (triggered_by_id);
CREATE TRIGGER transformation_runs_touch_updated_at BEFORE UPDATE ON tenancy.transformation_runs
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.transformation_runs IS 'Execution history of transformations.';
COMMENT ON COLUMN tenancy.transformation_runs.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.transformation_runs.id IS 'Run id (uuid).';
COMMENT ON COLUMN tenancy.transformation_runs.transformation_id IS 'The transformation run, in the same organization.';
COMMENT ON COLUMN tenancy.transformation_runs.version_number IS 'The version run (an existing version of the transformation); NULL when not recorded.';
COMMENT ON COLUMN tenancy.transformation_runs.status IS 'Status: pending, running, succeeded, failed or canceled.';
COMMENT ON COLUMN tenancy.transformation_runs.started_at IS 'When the run started; NULL while pending.';
COMMENT ON COLUMN tenancy.transformation_runs.completed_at IS 'When the run ended; NULL while pending or running. Not before started_at.';
COMMENT ON COLUMN tenancy.transformation_runs.executed_sql IS 'The SQL that was executed.';
COMMENT ON COLUMN tenancy.transformation_runs.rows_affected IS 'Number of rows written; NULL until known.';
COMMENT ON COLUMN tenancy.transformation_runs.error_message IS 'Error message of a failed run.';
COMMENT ON COLUMN tenancy.transformation_runs.details IS 'Further facts about the run (JSON object).';
COMMENT ON COLUMN tenancy.transformation_runs.triggered_by_id IS 'User who started the run (defaults to the context user); NULL for scheduled runs or once that user is deleted.';
COMMENT ON COLUMN tenancy.transformation_runs.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.transformation_runs.updated_at IS 'When the row was last updated (kept by trigger).';

-- warehouse_tables -------------------------------------------------------------------------

CREATE TABLE tenancy.warehouse_tables (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  warehouse_connection_id uuid NOT NULL,
  table_name text NOT NULL CHECK (length(table_name) BETWEEN 1 AND 63),
  source_id uuid,
  transformation_id uuid,
  row_count bigint CHECK (row_count >= 0),
  size_bytes bigint CHECK (size_bytes >= 0),
  last_updated_at timestamptz,
  schema_info jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(schema_info) IN ('object', 'array')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT warehouse_tables_connection_fkey FOREIGN KEY (organization_id, warehouse_connection_id)
    REFERENCES tenancy.warehouse_connections (organization_id, id) ON DELETE CASCADE,
  -- Optional references: not enforced while NULL (MATCH SIMPLE); the source or transformation
  -- cannot be deleted while a table records it (they are soft-deleted instead).
  CONSTRAINT warehouse_tables_source_fkey FOREIGN KEY (organization_id, source_id)
    REFERENCES tenancy.sources (organization_id, id) ON DELETE RESTRICT,
  CONSTRAINT warehouse_tables_transformation_fkey FOREIGN KEY (organization_id, transformation_id)
    REFERENCES tenancy.transformations (organization_id, id) ON DELETE RESTRICT
);
CREATE INDEX warehouse_tables_connection_idx ON tenancy.warehouse_tables (organization_id, warehouse_connection_id);
CREATE INDEX warehouse_tables_source_idx ON tenancy.warehouse_tables (organization_id, source_id);
CREATE INDEX warehouse_tables_transformation_idx ON tenancy.warehouse_tables (organization_id, transformation_id);
CREATE UNIQUE INDEX warehouse_tables_live_name_key ON tenancy.warehouse_tables (organization_id, warehouse_connection_id, table_name)
  WHERE deleted_at IS NULL;
CREATE TRIGGER warehouse_tables_touch_updated_at BEFORE UPDATE ON tenancy.warehouse_tables
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.warehouse_tables IS 'Registry of the tables in the organization''s warehouse (one live row per table name). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.warehouse_tables.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.warehouse_tables.id IS 'Row id (uuid).';
COMMENT ON COLUMN tenancy.warehouse_tables.warehouse_connection_id IS 'The warehouse connection, in the same organization.';
COMMENT ON COLUMN tenancy.warehouse_tables.table_name IS 'Name of the table in the warehouse.';
COMMENT ON COLUMN tenancy.warehouse_tables.source_id IS 'Source that created the table, in the same organization; NULL if none.';
COMMENT ON COLUMN tenancy.warehouse_tables.transformation_id IS 'Transformation that created the table, in the same organization; NULL if none.';
COMMENT ON COLUMN tenancy.warehouse_tables.row_count IS 'Number of rows; NULL until known.';
COMMENT ON COLUMN tenancy.warehouse_tables.size_bytes IS 'Size in bytes; NULL until known.';
COMMENT ON COLUMN tenancy.warehouse_tables.last_updated_at IS 'When the table''s data last changed; NULL until known.';
COMMENT ON COLUMN tenancy.warehouse_tables.schema_info IS 'Column information of the table (JSON object or array).';
COMMENT ON COLUMN tenancy.warehouse_tables.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.warehouse_tables.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.warehouse_tables.deleted_at IS 'When the row was soft-deleted; NULL while live.';

-- outputs ----------------------------------------------------------------------------------

CREATE TABLE tenancy.outputs (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  transformation_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  destination_config jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(destination_config) = 'object'),
  last_refreshed_at timestamptz,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT outputs_transformation_fkey FOREIGN KEY (organization_id, transformation_id)
    REFERENCES tenancy.transformations (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX outputs_transformation_idx ON tenancy.outputs (organization_id, transformation_id);
CREATE INDEX outputs_created_by_id_idx ON tenancy.outputs (created_by_id);
CREATE INDEX outputs_live_idx ON tenancy.outputs (organization_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER outputs_touch_updated_at BEFORE UPDATE ON tenancy.outputs
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.outputs IS 'Materialized outputs of transformations and where they are delivered. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.outputs.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.outputs.id IS 'Output id (uuid).';
COMMENT ON COLUMN tenancy.outputs.transformation_id IS 'The transformation it materializes, in the same organization.';
COMMENT ON COLUMN tenancy.outputs.name IS 'Display name.';
COMMENT ON COLUMN tenancy.outputs.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.outputs.destination_config IS 'Where and how the output is delivered (JSON object).';
COMMENT ON COLUMN tenancy.outputs.last_refreshed_at IS 'When it was last refreshed; NULL if never.';
COMMENT ON COLUMN tenancy.outputs.created_by_id IS 'User who created it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.outputs.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.outputs.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.outputs.deleted_at IS 'When the output was soft-deleted; NULL while live.';

-- schedules --------------------------------------------------------------------------------

CREATE TABLE tenancy.schedules (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_id uuid,
  output_id uuid,
  frequency text NOT NULL CHECK (frequency IN ('hourly', 'daily', 'weekly', 'monthly')),
  run_at_time time,
  run_at_day integer CONSTRAINT schedules_run_at_day_check
    CHECK (run_at_day IS NULL
           OR (frequency = 'weekly' AND run_at_day BETWEEN 1 AND 7)
           OR (frequency = 'monthly' AND run_at_day BETWEEN 1 AND 31)),
  timezone text NOT NULL DEFAULT 'UTC',
  is_active boolean NOT NULL DEFAULT true,
  last_run_at timestamptz,
  next_run_at timestamptz,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT schedules_one_target CHECK (num_nonnulls(source_id, output_id) = 1),
  -- At most one schedule per source and per output; also the indexes of the foreign keys.
  CONSTRAINT schedules_source_key UNIQUE (organization_id, source_id),
  CONSTRAINT schedules_output_key UNIQUE (organization_id, output_id),
  CONSTRAINT schedules_source_fkey FOREIGN KEY (organization_id, source_id)
    REFERENCES tenancy.sources (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT schedules_output_fkey FOREIGN KEY (organization_id, output_id)
    REFERENCES tenancy.outputs (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX schedules_created_by_id_idx ON tenancy.schedules (created_by_id);
-- The scheduler's question, across organizations: which active schedules are due.
CREATE INDEX schedules_due_idx ON tenancy.schedules (next_run_at) WHERE is_active;
CREATE TRIGGER schedules_touch_updated_at BEFORE UPDATE ON tenancy.schedules
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
CREATE TRIGGER schedules_check_timezone BEFORE INSERT OR UPDATE OF timezone ON tenancy.schedules
  FOR EACH ROW EXECUTE FUNCTION tenancy.check_timezone('timezone');
COMMENT ON TABLE tenancy.schedules IS 'When sources are synced and outputs refreshed: exactly one of source_id and output_id.';
COMMENT ON COLUMN tenancy.schedules.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.schedules.id IS 'Schedule id (uuid).';
COMMENT ON COLUMN tenancy.schedules.source_id IS 'The source to sync, in the same organization (or NULL when output_id is set).';
COMMENT ON COLUMN tenancy.schedules.output_id IS 'The output to refresh, in the same organization (or NULL when source_id is set).';
COMMENT ON COLUMN tenancy.schedules.frequency IS 'How often: hourly, daily, weekly or monthly.';
COMMENT ON COLUMN tenancy.schedules.run_at_time IS 'Local time of day to run (minute past the hour for hourly); NULL for the default.';
COMMENT ON COLUMN tenancy.schedules.run_at_day IS 'Day to run: ISO day of week 1 (Monday) to 7 for weekly, day of month 1 to 31 for monthly; NULL otherwise.';
COMMENT ON COLUMN tenancy.schedules.timezone IS 'Time zone of run_at_time and run_at_day: a tz database name (checked by trigger, 22023).';
COMMENT ON COLUMN tenancy.schedules.is_active IS 'False while the schedule is paused.';
COMMENT ON COLUMN tenancy.schedules.last_run_at IS 'When it last ran; NULL if never.';
COMMENT ON COLUMN tenancy.schedules.next_run_at IS 'When it runs next (computed by tenancy.next_run_at); NULL when unknown.';
COMMENT ON COLUMN tenancy.schedules.created_by_id IS 'User who created it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.schedules.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.schedules.updated_at IS 'When the row was last updated (kept by trigger).';

SELECT pg_catalog.pg_extension_config_dump('tenancy.sources', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.source_schemas', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.sync_runs', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.warehouse_connections', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.transformations', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.transformation_versions', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.transformation_runs', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.warehouse_tables', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.outputs', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.schedules', '');

-- Row level security: MEMBER writes, ADMIN deletes.
SELECT tenancy.enable_rls('tenancy.sources', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.source_schemas', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.sync_runs', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.warehouse_connections', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.transformations', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.transformation_versions', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.transformation_runs', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.warehouse_tables', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.outputs', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.schedules', write_role => 'MEMBER', delete_role => 'ADMIN');
