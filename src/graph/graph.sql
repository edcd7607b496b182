-- Cross-organization dependency functions (API.md section 6). Traversals run in C++ over the
-- edges visible to the caller (read through SPI, so the table's policy applies); the table is
-- in src/schema/graph.sql.

-- Records that the context organization's entity depends on an entity of target_org_id
-- (MEMBER+). A self-dependency is allowed as data (dependency_cycles reports it); the same
-- edge twice is 23505.
CREATE FUNCTION tenancy.add_dependency(source_entity_id uuid, target_org_id uuid,
                                       target_entity_id uuid, dependency_type text,
                                       description text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  new_id uuid;
BEGIN
  IF tenancy.current_org_id() IS NULL OR NOT tenancy.has_role('MEMBER') THEN
    RAISE EXCEPTION 'adding a dependency needs a tenant context with the MEMBER role or higher'
      USING ERRCODE = '42501';
  END IF;
  IF source_entity_id IS NULL OR target_org_id IS NULL OR target_entity_id IS NULL THEN
    RAISE EXCEPTION 'source_entity_id, target_org_id and target_entity_id must not be NULL'
      USING ERRCODE = '22023';
  END IF;
  IF dependency_type IS NULL OR length(dependency_type) NOT BETWEEN 1 AND 50
     OR dependency_type !~ '^\S(.*\S)?$' THEN
    RAISE EXCEPTION 'dependency_type must be 1 to 50 characters without surrounding white space'
      USING ERRCODE = '22023';
  END IF;
  BEGIN
    INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id,
                                      dependency_type, description)
    VALUES (tenancy.current_org_id(), source_entity_id, target_org_id, target_entity_id,
            dependency_type, description)
    RETURNING id INTO new_id;
  EXCEPTION
    WHEN unique_violation THEN
      RAISE EXCEPTION 'this dependency already exists' USING ERRCODE = '23505';
    WHEN foreign_key_violation THEN
      RAISE EXCEPTION 'target organization does not exist' USING ERRCODE = '23503';
  END;
  RETURN new_id;
END;
$$;
COMMENT ON FUNCTION tenancy.add_dependency(uuid, uuid, uuid, text, text) IS
  'Records that an entity of the context''s organization depends on an entity of target_org_id; returns the edge id.';

CREATE FUNCTION tenancy.dependency_closure(org_id uuid, entity_id uuid, direction text DEFAULT 'downstream',
                                           max_depth int DEFAULT NULL, types text[] DEFAULT NULL)
RETURNS TABLE (org_id uuid, entity_id uuid, depth int, parent_org_id uuid, parent_entity_id uuid,
               dependency_type text)
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_closure';
COMMENT ON FUNCTION tenancy.dependency_closure(uuid, uuid, text, int, text[]) IS
  'Every node reachable from a node (downstream: what it depends on; upstream: what depends on it), once, at its shortest depth, with its BFS parent.';

CREATE FUNCTION tenancy.dependency_path(from_org uuid, from_entity uuid, to_org uuid, to_entity uuid,
                                        types text[] DEFAULT NULL)
RETURNS TABLE (step int, org_id uuid, entity_id uuid, dependency_type text)
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_path';
COMMENT ON FUNCTION tenancy.dependency_path(uuid, uuid, uuid, uuid, text[]) IS
  'A shortest path of dependencies from one node to another (step 0 is the start); no rows when there is none.';

CREATE FUNCTION tenancy.dependency_cycles(types text[] DEFAULT NULL)
RETURNS TABLE (cycle_id int, "position" int, org_id uuid, entity_id uuid)
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_cycles';
COMMENT ON FUNCTION tenancy.dependency_cycles(text[]) IS
  'Every strongly connected component of more than one node, and every self-dependency, among the visible edges.';

CREATE FUNCTION tenancy.dependency_order(types text[] DEFAULT NULL)
RETURNS TABLE ("position" int, org_id uuid, entity_id uuid)
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_order';
COMMENT ON FUNCTION tenancy.dependency_order(text[]) IS
  'A topological order of the visible nodes, dependencies first; 55000 naming a cycle when there is one.';

CREATE FUNCTION tenancy.dependency_graph(org_id uuid, entity_id uuid, direction text DEFAULT 'downstream',
                                         format text DEFAULT 'mermaid', max_depth int DEFAULT NULL)
RETURNS text
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_graph';
COMMENT ON FUNCTION tenancy.dependency_graph(uuid, uuid, text, text, int) IS
  'The closure of a node drawn as Mermaid or DOT text, one box per organization; NULL when the node has no visible edges.';

-- The backend graph cache is emptied by any committed change to the edges or to what is visible
-- (shares; organizations already have the identity trigger). ENABLE ALWAYS: replication and
-- restores fire them too.
CREATE TRIGGER dependencies_graph_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenancy.dependencies
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.identity_changed();
CREATE TRIGGER org_shares_graph_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenancy.org_shares
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.identity_changed();
ALTER TABLE tenancy.dependencies ENABLE ALWAYS TRIGGER dependencies_graph_changed;
ALTER TABLE tenancy.org_shares ENABLE ALWAYS TRIGGER org_shares_graph_changed;
