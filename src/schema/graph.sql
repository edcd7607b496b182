-- Cross-organization dependencies (SCHEMA.md, seed 000; API.md section 6): edges between
-- entities (org_id, entity_id) of any organizations. An edge belongs to its source
-- organization (key and distribution column source_org_id) and is visible at both ends.

CREATE TABLE tenancy.dependencies (
  source_org_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_entity_id uuid NOT NULL,
  target_org_id uuid NOT NULL REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  target_entity_id uuid NOT NULL,
  dependency_type text NOT NULL
    CHECK (length(dependency_type) BETWEEN 1 AND 50 AND dependency_type ~ '^\S(.*\S)?$'),
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_org_id, id),
  CONSTRAINT dependencies_edge_key
    UNIQUE (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type)
);
-- Upstream traversal and the target_org_id foreign key.
CREATE INDEX dependencies_target_idx ON tenancy.dependencies (target_org_id, target_entity_id);
CREATE TRIGGER dependencies_touch_updated_at BEFORE UPDATE ON tenancy.dependencies
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.dependencies IS 'Edges "source depends on target" between entities of any organizations. Readable when either end is the current organization or shares ''dependencies'' with it; written by the source organization.';
COMMENT ON COLUMN tenancy.dependencies.source_org_id IS 'Organization of the dependent entity; owns the edge (key and distribution column).';
COMMENT ON COLUMN tenancy.dependencies.id IS 'Edge id (uuid).';
COMMENT ON COLUMN tenancy.dependencies.source_entity_id IS 'The entity that depends (a project, service or other component).';
COMMENT ON COLUMN tenancy.dependencies.target_org_id IS 'Organization of the entity depended upon.';
COMMENT ON COLUMN tenancy.dependencies.target_entity_id IS 'The entity depended upon.';
COMMENT ON COLUMN tenancy.dependencies.dependency_type IS 'Kind of dependency, such as build, runtime or data (1 to 50 characters, no surrounding white space).';
COMMENT ON COLUMN tenancy.dependencies.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.dependencies.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.dependencies.updated_at IS 'When the row was last updated (kept by trigger).';

SELECT pg_catalog.pg_extension_config_dump('tenancy.dependencies', '');

-- Hand-written tenancy_* policies (the generator knows one tenant column). Reads: either end
-- in visible_orgs('dependencies') (the InitPlan form keeps the indexes usable). Writes: the
-- source organization, MEMBER+; deletes ADMIN+, as the generator's defaults.
ALTER TABLE tenancy.dependencies ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.dependencies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenancy_select ON tenancy.dependencies FOR SELECT
  USING (source_org_id OPERATOR(pg_catalog.=) ANY ((SELECT tenancy.visible_orgs('dependencies'))::uuid[])
         OR target_org_id OPERATOR(pg_catalog.=) ANY ((SELECT tenancy.visible_orgs('dependencies'))::uuid[]));
CREATE POLICY tenancy_insert ON tenancy.dependencies FOR INSERT
  WITH CHECK (source_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('MEMBER'));
CREATE POLICY tenancy_update ON tenancy.dependencies FOR UPDATE
  USING (source_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('MEMBER'))
  WITH CHECK (source_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('MEMBER'));
CREATE POLICY tenancy_delete ON tenancy.dependencies FOR DELETE
  USING (source_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('ADMIN'));
