-- The shared cost ledger (SCHEMA.md, seed 000; API.md section 5): append-only cost entries of
-- an organization, readable by the organizations it shared 'ledger' with, and the platform's
-- exchange rates.

CREATE TABLE tenancy.cost_ledger (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id uuid,
  description text,
  amount numeric(18,2) NOT NULL CHECK (amount <> 'NaN'),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  entry_date date NOT NULL,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  reverses_entry_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- Optional: not enforced while project_id is NULL (MATCH SIMPLE). A project with entries
  -- cannot be deleted (projects are soft-deleted).
  CONSTRAINT cost_ledger_project_fkey FOREIGN KEY (organization_id, project_id)
    REFERENCES tenancy.projects (organization_id, id) ON DELETE RESTRICT,
  -- A reversing entry names the entry it reverses, in the same organization; an entry is
  -- reversed at most once. Also the index of this foreign key.
  CONSTRAINT cost_ledger_reverses_entry_key UNIQUE (organization_id, reverses_entry_id),
  CONSTRAINT cost_ledger_reverses_entry_fkey FOREIGN KEY (organization_id, reverses_entry_id)
    REFERENCES tenancy.cost_ledger (organization_id, id) ON DELETE RESTRICT,
  CONSTRAINT cost_ledger_not_self_reversing CHECK (reverses_entry_id <> id)
);
CREATE INDEX cost_ledger_entry_date_idx ON tenancy.cost_ledger (organization_id, entry_date);
CREATE INDEX cost_ledger_project_idx ON tenancy.cost_ledger (organization_id, project_id, entry_date);
CREATE INDEX cost_ledger_created_by_id_idx ON tenancy.cost_ledger (created_by_id);
CREATE TRIGGER cost_ledger_append_only BEFORE UPDATE OR DELETE ON tenancy.cost_ledger
  FOR EACH ROW EXECUTE FUNCTION tenancy.refuse_change('append_only', 'created_by_id');
COMMENT ON TABLE tenancy.cost_ledger IS 'Cost entries of organizations. Append-only: UPDATE and DELETE raise 55000 (no updated_at); corrections are reversing entries. Readable by the organizations that the owner shared ''ledger'' with.';
COMMENT ON COLUMN tenancy.cost_ledger.organization_id IS 'The organization incurring the cost (tenant key).';
COMMENT ON COLUMN tenancy.cost_ledger.id IS 'Entry id (uuid).';
COMMENT ON COLUMN tenancy.cost_ledger.project_id IS 'Project the cost belongs to, in the same organization; NULL for organization-level costs.';
COMMENT ON COLUMN tenancy.cost_ledger.description IS 'Description of the cost.';
COMMENT ON COLUMN tenancy.cost_ledger.amount IS 'Amount in currency, exact to the cent (negative in reversing entries).';
COMMENT ON COLUMN tenancy.cost_ledger.currency IS 'ISO 4217 currency code (three upper-case letters).';
COMMENT ON COLUMN tenancy.cost_ledger.entry_date IS 'Date the cost was incurred.';
COMMENT ON COLUMN tenancy.cost_ledger.created_by_id IS 'User who recorded it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.cost_ledger.reverses_entry_id IS 'The entry this one reverses, in the same organization; NULL for an ordinary entry.';
COMMENT ON COLUMN tenancy.cost_ledger.created_at IS 'When the entry was recorded.';

CREATE TABLE tenancy.fx_rates (
  base char(3) NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  quote char(3) NOT NULL CHECK (quote ~ '^[A-Z]{3}$'),
  rate_date date NOT NULL,
  rate numeric NOT NULL CHECK (rate > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (base, quote, rate_date),
  CONSTRAINT fx_rates_distinct_currencies CHECK (base <> quote)
);
CREATE TRIGGER fx_rates_touch_updated_at BEFORE UPDATE ON tenancy.fx_rates
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.fx_rates IS 'Exchange rates by day (platform table: readable by all, written by the platform).';
COMMENT ON COLUMN tenancy.fx_rates.base IS 'Currency converted from (ISO 4217).';
COMMENT ON COLUMN tenancy.fx_rates.quote IS 'Currency converted to (ISO 4217), other than base.';
COMMENT ON COLUMN tenancy.fx_rates.rate_date IS 'Day the rate applies from (conversion uses the latest rate on or before the entry date).';
COMMENT ON COLUMN tenancy.fx_rates.rate IS 'Units of quote per unit of base (positive).';
COMMENT ON COLUMN tenancy.fx_rates.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.fx_rates.updated_at IS 'When the row was last updated (kept by trigger).';

SELECT pg_catalog.pg_extension_config_dump('tenancy.cost_ledger', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.fx_rates', '');

-- Reads: the current organization and those sharing 'ledger' with it. Writes: the current
-- organization, MEMBER+ (UPDATE and DELETE are refused by the trigger anyway).
SELECT tenancy.enable_rls('tenancy.cost_ledger', write_role => 'MEMBER', delete_role => 'ADMIN',
                          share_scope => 'ledger');

-- Readable by every role; no write policy, so only a superuser (the platform) writes.
ALTER TABLE tenancy.fx_rates ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.fx_rates FORCE ROW LEVEL SECURITY;
CREATE POLICY fx_rates_read ON tenancy.fx_rates FOR SELECT USING (true);
