-- Cross-organization dependencies (API.md section 6): add_dependency, dependency_closure,
-- dependency_path, dependency_cycles, dependency_order and dependency_graph on small
-- hand-checked graphs (chain, diamond, cycle, self-loop, disconnected parts, cross-organization
-- edges with and without a share), what each organization sees, every refusal with its
-- SQLSTATE, the per-backend cache and its invalidation, tenancy.graph_max_edges and
-- statement_timeout on a generated graph. Traversals run as the application role under a
-- tenant context, so the table's row level security decides what they see. Its orgs, users and
-- role are its own, removed at the end. Nodes are printed by tag ('A:api'), never by uuid,
-- except in one raw drawing (the uuids are md5 of fixed tags).

SET client_min_messages = warning;

-- The application role, granted as an application would be.
CREATE ROLE regress_graph_app NOLOGIN;
SELECT tenancy.grant_app_role('regress_graph_app');

-- Fixed ids: gr_id('A') is organization A, gr_id('A:api') an entity of A, and so on.
CREATE FUNCTION public.gr_id(tag text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT md5('graph:' || tag)::uuid $$;
-- The organization of a node tag: gr_org('A:api') = gr_id('A').
CREATE FUNCTION public.gr_org(tag text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT public.gr_id(split_part(tag, ':', 1)) $$;
-- Every tag the test prints.
CREATE TABLE public.gr_tags (tag text PRIMARY KEY, id uuid NOT NULL UNIQUE);
INSERT INTO public.gr_tags (tag, id)
SELECT t, public.gr_id(t) FROM unnest(ARRAY[
  'A', 'B', 'C', 'G',
  'A:c1', 'A:c2', 'A:c3', 'A:c4', 'A:c5', 'A:d1', 'A:d2', 'A:d3', 'A:d4', 'A:d5',
  'A:y1', 'A:y2', 'A:y3', 'A:y4', 'A:s1', 'A:s2', 'A:x1', 'A:x2', 'A:x3', 'A:x4',
  'A:p1', 'A:p2', 'A:p3', 'A:p4', 'A:web', 'A:api', 'A:nothing',
  'B:db', 'B:disk', 'B:cache', 'C:svc', 'C:lib', 'Z:thing',
  'G:hub', 'G:new', 'G:chain:0', 'G:chain:25000']) t;
GRANT SELECT ON public.gr_tags TO regress_graph_app;
-- The tag of a node; 'org/entity' (with '?' for an unknown part) when it is not a known node.
CREATE FUNCTION public.gr_name(org uuid, entity uuid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN e.tag LIKE o.tag || ':%' THEN e.tag ELSE coalesce(o.tag, '?') || '/' || coalesce(e.tag, '?') END
    FROM (SELECT (SELECT t.tag FROM public.gr_tags t WHERE t.id = org) AS tag) o,
         (SELECT (SELECT t.tag FROM public.gr_tags t WHERE t.id = entity) AS tag) e
$$;
-- A text with every known uuid replaced by its tag.
CREATE FUNCTION public.gr_show(input text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT t.tag, t.id FROM public.gr_tags t LOOP
    input := replace(input, r.id::text, r.tag);
  END LOOP;
  RETURN input;
END $$;
-- The lines of a text, one row each, in order.
CREATE FUNCTION public.gr_lines(input text) RETURNS TABLE (line text) LANGUAGE sql IMMUTABLE AS $$
  SELECT s.l FROM regexp_split_to_table(input, E'\n') WITH ORDINALITY AS s(l, n) ORDER BY s.n
$$;
-- Runs a statement and returns 'ok' or 'SQLSTATE: message' for a cancel (57014), which
-- outcome() cannot report: PL/pgSQL's WHEN OTHERS does not catch query_canceled.
CREATE FUNCTION public.gr_cancelled(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN query_canceled THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- Sets the context of a user in an organization for the session (as the superuser, before
-- SET ROLE): set_context(..., is_local => false). Returns the role in force.
CREATE FUNCTION public.gr_context(org_tag text, user_tag text) RETURNS tenancy.org_role
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tenancy.set_context(public.gr_id(org_tag), public.gr_id(user_tag), is_local => false);
  RETURN tenancy.current_org_role();
END $$;
-- add_dependency by tags: the context's organization's entity source depends on target.
CREATE FUNCTION public.gr_add(source text, target text, dependency_type text, description text DEFAULT NULL)
RETURNS uuid LANGUAGE sql AS $$
  SELECT tenancy.add_dependency(public.gr_id(source), public.gr_org(target), public.gr_id(target),
                                dependency_type, description)
$$;
-- dependency_closure by tags, ordered by depth and node; edge_visible: the BFS tree edge
-- (parent -> node downstream, node -> parent upstream) of that type is a row the caller can read.
CREATE FUNCTION public.gr_closure(start text, direction text DEFAULT 'downstream', max_depth int DEFAULT NULL,
                                  types text[] DEFAULT NULL)
RETURNS TABLE (node text, depth int, parent text, dependency_type text, edge_visible boolean) LANGUAGE sql AS $$
  SELECT public.gr_name(c.org_id, c.entity_id), c.depth, public.gr_name(c.parent_org_id, c.parent_entity_id),
         c.dependency_type,
         EXISTS (SELECT 1 FROM tenancy.dependencies d
                  WHERE d.dependency_type = c.dependency_type
                    AND CASE WHEN direction = 'downstream'
                             THEN (d.source_org_id, d.source_entity_id, d.target_org_id, d.target_entity_id)
                                = (c.parent_org_id, c.parent_entity_id, c.org_id, c.entity_id)
                             ELSE (d.source_org_id, d.source_entity_id, d.target_org_id, d.target_entity_id)
                                = (c.org_id, c.entity_id, c.parent_org_id, c.parent_entity_id) END)
    FROM tenancy.dependency_closure(public.gr_org(start), public.gr_id(start), direction, max_depth, types) c
   ORDER BY 2, 1
$$;
-- The closure in one line: 'node@depth ...' (for before/after comparisons).
CREATE FUNCTION public.gr_closure_text(start text, direction text DEFAULT 'downstream') RETURNS text
LANGUAGE sql AS $$
  SELECT coalesce(string_agg(c.node || '@' || c.depth, ' ' ORDER BY c.depth, c.node), '')
    FROM public.gr_closure(start, direction) c
$$;
-- dependency_path by tags.
CREATE FUNCTION public.gr_path(from_tag text, to_tag text, types text[] DEFAULT NULL)
RETURNS TABLE (step int, node text, dependency_type text) LANGUAGE sql AS $$
  SELECT p.step, public.gr_name(p.org_id, p.entity_id), p.dependency_type
    FROM tenancy.dependency_path(public.gr_org(from_tag), public.gr_id(from_tag), public.gr_org(to_tag),
                                 public.gr_id(to_tag), types) p
   ORDER BY p.step
$$;
-- dependency_cycles by tags, in the function's order (cycle, position).
CREATE FUNCTION public.gr_cycles(types text[] DEFAULT NULL)
RETURNS TABLE (cycle_id int, "position" int, node text) LANGUAGE sql AS $$
  SELECT c.cycle_id, c."position", public.gr_name(c.org_id, c.entity_id)
    FROM tenancy.dependency_cycles(types) c ORDER BY 1, 2
$$;
CREATE FUNCTION public.gr_cycles_text(types text[] DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(c.cycle_id || ':' || c.node, ' ' ORDER BY c.cycle_id, c."position"), '')
    FROM public.gr_cycles(types) c
$$;
-- dependency_order by tags.
CREATE FUNCTION public.gr_order(types text[] DEFAULT NULL)
RETURNS TABLE ("position" int, node text) LANGUAGE sql AS $$
  SELECT o."position", public.gr_name(o.org_id, o.entity_id) FROM tenancy.dependency_order(types) o ORDER BY 1
$$;
CREATE FUNCTION public.gr_order_text(types text[] DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(o.node, ' ' ORDER BY o."position"), '') FROM public.gr_order(types) o
$$;
-- Checks a dependency_order against the edges the caller can read (of the types): positions
-- 1..n, exactly the nodes of those edges, and for every edge the target placed before the source.
CREATE FUNCTION public.gr_order_check(types text[] DEFAULT NULL)
RETURNS TABLE (nodes bigint, edges bigint, positions_1_to_n boolean, same_nodes boolean, targets_first boolean)
LANGUAGE sql AS $$
  WITH o AS (SELECT * FROM tenancy.dependency_order(types)),
       e AS (SELECT * FROM tenancy.dependencies d WHERE types IS NULL OR d.dependency_type = ANY (types)),
       n AS (SELECT e.source_org_id AS org_id, e.source_entity_id AS entity_id FROM e
             UNION SELECT e.target_org_id, e.target_entity_id FROM e)
  SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM e),
         (SELECT count(DISTINCT o."position") = count(*) AND min(o."position") = 1 AND max(o."position") = count(*) FROM o),
         (SELECT count(*) FROM o) = (SELECT count(*) FROM n)
           AND NOT EXISTS (SELECT n.org_id, n.entity_id FROM n EXCEPT SELECT o.org_id, o.entity_id FROM o),
         (SELECT count(*) FILTER (WHERE t."position" < s."position") = (SELECT count(*) FROM e)
            FROM e JOIN o s ON s.org_id = e.source_org_id AND s.entity_id = e.source_entity_id
                   JOIN o t ON t.org_id = e.target_org_id AND t.entity_id = e.target_entity_id)
$$;
-- The 55000 of dependency_order: SQLSTATE, message, and the distinct nodes its DETAIL names.
CREATE FUNCTION public.gr_order_error(types text[] DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  detail text;
BEGIN
  PERFORM tenancy.dependency_order(types);
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ' / cycle through: ' ||
         (SELECT string_agg(DISTINCT public.gr_name(m[1]::uuid, m[2]::uuid), ', ')
            FROM regexp_matches(detail, '([0-9a-f-]{36})/([0-9a-f-]{36})', 'g') m);
END $$;
-- The edges the caller can read that leave or enter organization A (or all, for others).
CREATE FUNCTION public.gr_edges(only_cross_a boolean DEFAULT false)
RETURNS TABLE (source text, target text, dependency_type text) LANGUAGE sql AS $$
  SELECT public.gr_name(d.source_org_id, d.source_entity_id), public.gr_name(d.target_org_id, d.target_entity_id),
         d.dependency_type
    FROM tenancy.dependencies d
   WHERE NOT only_cross_a OR d.source_org_id <> public.gr_id('A') OR d.target_org_id <> public.gr_id('A')
   ORDER BY 1, 2, 3
$$;
-- A dependency type with every character the drawings must escape, and the acyclic types.
CREATE FUNCTION public.gr_weird() RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT 'say "hi" #1 <b> & c|d \ e'::text $$;
CREATE FUNCTION public.gr_dag() RETURNS text[] LANGUAGE sql IMMUTABLE
AS $$ SELECT ARRAY['build', 'runtime', 'data', public.gr_weird()] $$;

-- Organizations A, B, C (C shares its dependencies with A later) and G (the generated graph).
INSERT INTO tenancy.organizations (id, name, slug) VALUES
  (gr_id('A'), 'Graph A', 'graph-a'), (gr_id('B'), 'Graph B', 'graph-b'),
  (gr_id('C'), 'Graph C', 'graph-c'), (gr_id('G'), 'Graph G', 'graph-g');
INSERT INTO tenancy.users (id, email)
SELECT gr_id(u), u || '@graph.test'
  FROM unnest(ARRAY['a-admin', 'a-member', 'a-viewer', 'b-member', 'c-admin', 'g-member']) u;
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  (gr_id('A'), gr_id('a-admin'), 'OWNER'), (gr_id('A'), gr_id('a-member'), 'MEMBER'),
  (gr_id('A'), gr_id('a-viewer'), 'VIEWER'), (gr_id('B'), gr_id('b-member'), 'MEMBER'),
  (gr_id('C'), gr_id('c-admin'), 'OWNER'), (gr_id('G'), gr_id('g-member'), 'MEMBER');

---------------------------------------------------------------------------------------------
-- add_dependency: the fixtures, and every refusal
---------------------------------------------------------------------------------------------

-- A's MEMBER records A's graphs (every edge belongs to A, the context's organization):
--   chain     c1 -build-> c2 -build-> c3 -runtime-> c4
--   diamond   d1 -build-> d2 -build-> d4,  d1 -runtime-> d3 -runtime-> d4,  d4 -data-> d5
--   cycle     y1 -loop-> y2 -loop-> y3 -loop-> y1,  y3 -build-> y4
--   self-loop s1 -self-> s1,  s1 -build-> s2
--   apart     x1 -build-> x2,  x3 -build-> x4
--   paths     p1 -build-> p2 -build-> p3 -build-> p4,  p1 -data-> p4
--   cross     web -(weird type)-> api -runtime-> B:db
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT count(gr_add(s, t, y)) AS added FROM (VALUES
  ('A:c1', 'A:c2', 'build'), ('A:c2', 'A:c3', 'build'), ('A:c3', 'A:c4', 'runtime'),
  ('A:d1', 'A:d2', 'build'), ('A:d1', 'A:d3', 'runtime'), ('A:d2', 'A:d4', 'build'),
  ('A:d3', 'A:d4', 'runtime'), ('A:d4', 'A:d5', 'data'),
  ('A:y1', 'A:y2', 'loop'), ('A:y2', 'A:y3', 'loop'), ('A:y3', 'A:y1', 'loop'), ('A:y3', 'A:y4', 'build'),
  ('A:s1', 'A:s1', 'self'), ('A:s1', 'A:s2', 'build'),
  ('A:x1', 'A:x2', 'build'), ('A:x3', 'A:x4', 'build'),
  ('A:p1', 'A:p2', 'build'), ('A:p2', 'A:p3', 'build'), ('A:p3', 'A:p4', 'build'), ('A:p1', 'A:p4', 'data'),
  ('A:api', 'B:db', 'runtime')) AS v(s, t, y);
SELECT gr_add('A:web', 'A:api', gr_weird(), 'the web front end calls the API') AS web_edge \gset
RESET ROLE;
-- What was stored (as the superuser): the source organization is the context's, the edge id
-- the one returned, the description kept.
SELECT gr_name(source_org_id, source_entity_id) AS source, gr_name(target_org_id, target_entity_id) AS target,
       dependency_type, description, source_org_id = gr_id('A') AS owned_by_a
  FROM tenancy.dependencies WHERE id = :'web_edge';
SELECT count(*) AS a_edges, count(DISTINCT id) AS distinct_ids, count(description) AS described,
       bool_and(created_at = updated_at) AS untouched
  FROM tenancy.dependencies WHERE source_org_id = gr_id('A');

-- B's edges, written directly by the superuser: db -runtime-> disk (B only), cache -data-> A:api
-- (into A), db -build-> C:svc (into C).
INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES
  (gr_id('B'), gr_id('B:db'), gr_id('B'), gr_id('B:disk'), 'runtime'),
  (gr_id('B'), gr_id('B:cache'), gr_id('A'), gr_id('A:api'), 'data'),
  (gr_id('B'), gr_id('B:db'), gr_id('C'), gr_id('C:svc'), 'build');
-- C's private cycle, by C's OWNER: svc -build-> lib -runtime-> svc.
SELECT gr_context('C', 'c-admin') AS role;
SET ROLE regress_graph_app;
SELECT count(gr_add(s, t, y)) AS added FROM (VALUES ('C:svc', 'C:lib', 'build'), ('C:lib', 'C:svc', 'runtime')) AS v(s, t, y);
RESET ROLE;

-- Refusals, as A's MEMBER: bad types (22023: empty, 51 characters, surrounding spaces, NULL),
-- NULL ends (22023), the same edge again (23505), an organization that does not exist (23503).
SELECT count(*) AS edges_before FROM tenancy.dependencies \gset
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT gr_add('A:c1', 'A:c4', '')$$),
  ($$SELECT gr_add('A:c1', 'A:c4', repeat('x', 51))$$),
  ($$SELECT gr_add('A:c1', 'A:c4', ' build')$$),
  ($$SELECT gr_add('A:c1', 'A:c4', 'build ')$$),
  ($$SELECT gr_add('A:c1', 'A:c4', E'build\n')$$),
  ($$SELECT gr_add('A:c1', 'A:c4', E'\tbuild')$$),
  ($$SELECT gr_add('A:c1', 'A:c4', NULL)$$),
  ($$SELECT tenancy.add_dependency(NULL, gr_id('A'), gr_id('A:c4'), 'build')$$),
  ($$SELECT tenancy.add_dependency(gr_id('A:c1'), NULL, gr_id('A:c4'), 'build')$$),
  ($$SELECT tenancy.add_dependency(gr_id('A:c1'), gr_id('A'), NULL, 'build')$$),
  ($$SELECT gr_add('A:c1', 'A:c2', 'build')$$),
  ($$SELECT gr_add('A:c1', 'A:c2', 'build', 'a second description')$$),
  ($$SELECT gr_add('A:c1', 'Z:thing', 'build')$$)) AS t(s);
-- Accepted, then rolled back: 50 characters, inner spaces, the same ends with another type, an
-- edge into an organization that never shared anything (C), a direct INSERT for A itself.
BEGIN;
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT gr_add('A:c1', 'A:c4', repeat('x', 50))$$),
  ($$SELECT gr_add('A:c1', 'A:c4', 'build tool')$$),
  ($$SELECT gr_add('A:c1', 'A:c2', 'runtime')$$),
  ($$SELECT gr_add('A:c1', 'C:lib', 'build')$$),
  ($$INSERT INTO tenancy.dependencies (source_entity_id, target_org_id, target_entity_id, dependency_type)
    VALUES (gr_id('A:c1'), gr_id('A'), gr_id('A:c3'), 'build')$$)) AS t(s);
ROLLBACK;
-- Writes are the source organization's: a direct INSERT for another organization breaks the
-- insert policy (42501); B's edge into A is readable but neither updatable nor deletable by A;
-- a MEMBER cannot delete even A's own edges (ADMIN+).
SELECT statement, result FROM outcomes(
  $$INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type)
    VALUES (gr_id('B'), gr_id('B:db'), gr_id('A'), gr_id('A:c1'), 'build')$$,
  $$UPDATE tenancy.dependencies SET dependency_type = 'x' WHERE source_org_id = gr_id('B')$$,
  $$DELETE FROM tenancy.dependencies WHERE source_org_id = gr_id('B')$$,
  $$DELETE FROM tenancy.dependencies WHERE source_entity_id = gr_id('A:c1')$$);
SELECT count(*) AS b_edges_a_reads FROM tenancy.dependencies WHERE source_org_id = gr_id('B');
RESET ROLE;
-- A's VIEWER (42501 from the function, and from the policy for a direct INSERT), and no context.
SELECT gr_context('A', 'a-viewer') AS role;
SET ROLE regress_graph_app;
SELECT outcome($$SELECT gr_add('A:c1', 'A:c4', 'build')$$) AS viewer_adds,
       outcome($$INSERT INTO tenancy.dependencies (source_entity_id, target_org_id, target_entity_id, dependency_type)
                 VALUES (gr_id('A:c1'), gr_id('A'), gr_id('A:c4'), 'build')$$) AS viewer_inserts;
RESET ROLE;
SELECT tenancy.clear_context();
SET ROLE regress_graph_app;
SELECT outcome($$SELECT gr_add('A:c1', 'A:c4', 'build')$$) AS no_context_adds;
RESET ROLE;
SELECT count(*) = :edges_before AS nothing_added FROM tenancy.dependencies;

---------------------------------------------------------------------------------------------
-- What each organization reads: an edge is visible when either end is the reader's
---------------------------------------------------------------------------------------------

-- A: its own edges and B's edge into A; not B's db -> disk nor B's db -> C:svc, nor C's.
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT count(*) AS a_reads FROM tenancy.dependencies;
SELECT * FROM gr_edges(only_cross_a => true);
RESET ROLE;
-- B: its own three edges and A's api -> B:db; not A's internal edges nor C's.
SELECT gr_context('B', 'b-member') AS role;
SET ROLE regress_graph_app;
SELECT * FROM gr_edges();
RESET ROLE;
-- C: its two edges and B's db -> C:svc.
SELECT gr_context('C', 'c-admin') AS role;
SET ROLE regress_graph_app;
SELECT * FROM gr_edges();
RESET ROLE;

---------------------------------------------------------------------------------------------
-- dependency_closure (as A's MEMBER)
---------------------------------------------------------------------------------------------

SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
-- Chain, downstream: no limit, 0 (nothing), 1, 2, and a limit past the end.
SELECT * FROM gr_closure('A:c1');
SELECT * FROM gr_closure('A:c1', max_depth => 0);
SELECT * FROM gr_closure('A:c1', max_depth => 1);
SELECT * FROM gr_closure('A:c1', max_depth => 2);
SELECT gr_closure_text('A:c1') = (SELECT string_agg(node || '@' || depth, ' ' ORDER BY depth, node)
                                    FROM gr_closure('A:c1', max_depth => 10)) AS limit_past_end_same;
-- Chain, upstream (what depends on c4): no limit, 0, 1, 2.
SELECT * FROM gr_closure('A:c4', 'upstream');
SELECT * FROM gr_closure('A:c4', 'upstream', 0);
SELECT * FROM gr_closure('A:c4', 'upstream', 1);
SELECT * FROM gr_closure('A:c4', 'upstream', 2);
-- The end of the chain has nothing downstream, the start nothing upstream.
SELECT gr_closure_text('A:c4') AS c4_downstream, gr_closure_text('A:c1', 'upstream') AS c1_upstream;
-- Types: only build edges are followed (c3 -runtime-> c4 stops it); only runtime: c1 has no
-- runtime edge; both, in any order, duplicated: the whole chain; an empty list: nothing.
SELECT * FROM gr_closure('A:c1', types => ARRAY['build']);
SELECT * FROM gr_closure('A:c1', types => ARRAY['runtime']);
SELECT * FROM gr_closure('A:c1', types => ARRAY['runtime', 'build', 'runtime']);
SELECT * FROM gr_closure('A:c1', types => '{}');
SELECT * FROM gr_closure('A:c4', 'upstream', 5, ARRAY['runtime']);
-- Diamond: d4 is reached twice at depth 2 but listed once, under whichever parent came first
-- (d2 by build or d3 by runtime: both are shortest); d5 at depth 3.
SELECT node, depth, CASE WHEN node = 'A:d4' AND parent IN ('A:d2', 'A:d3') THEN 'A:d2 or A:d3' ELSE parent END AS parent,
       CASE WHEN node = 'A:d4' THEN '(its edge)' ELSE dependency_type END AS dependency_type, edge_visible
  FROM gr_closure('A:d1');
SELECT node, depth, CASE WHEN node = 'A:d1' AND parent IN ('A:d2', 'A:d3') THEN 'A:d2 or A:d3' ELSE parent END AS parent,
       CASE WHEN node = 'A:d1' THEN '(its edge)' ELSE dependency_type END AS dependency_type, edge_visible
  FROM gr_closure('A:d5', 'upstream');
-- Only build edges: d1 -> d2 -> d4, and d4 -data-> d5 is not followed.
SELECT * FROM gr_closure('A:d1', types => ARRAY['build']);
-- Cycle: every node once, the start not listed again (y3 -> y1 closes the loop).
SELECT * FROM gr_closure('A:y1');
SELECT * FROM gr_closure('A:y1', 'upstream');
-- Self-loop: s1 depends on itself; its closure lists s2 only, both ways round.
SELECT * FROM gr_closure('A:s1');
SELECT * FROM gr_closure('A:s1', 'upstream');
-- Disconnected: nothing of the other part.
SELECT gr_closure_text('A:x1') AS x1_down, gr_closure_text('A:x2', 'upstream') AS x2_up,
       gr_closure_text('A:x3') AS x3_down, gr_closure_text('A:x4', 'upstream') AS x4_up;
-- Cross-organization: A's web reaches B:db through A's own edge, and stops there (B's db ->
-- disk and db -> C:svc are not A's to read). Upstream of A:api: A's web and B's cache.
SELECT * FROM gr_closure('A:web');
SELECT * FROM gr_closure('A:api', 'upstream');
SELECT * FROM gr_closure('B:db', 'upstream');
RESET ROLE;
-- B, from its side: A's api -> B:db is visible at B's end, A's web -> api is not (neither end
-- is B's), so upstream of B:db is api and B's cache; downstream: disk and C:svc, but not C's
-- svc -> lib.
SELECT gr_context('B', 'b-member') AS role;
SET ROLE regress_graph_app;
SELECT * FROM gr_closure('B:db', 'upstream');
SELECT * FROM gr_closure('B:db');
SELECT * FROM gr_closure('A:web');
RESET ROLE;
-- C: its cycle, and B's db -> svc at C's end.
SELECT gr_context('C', 'c-admin') AS role;
SET ROLE regress_graph_app;
SELECT * FROM gr_closure('C:svc');
SELECT * FROM gr_closure('C:svc', 'upstream');
RESET ROLE;

---------------------------------------------------------------------------------------------
-- dependency_path (as A's MEMBER)
---------------------------------------------------------------------------------------------

SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
-- Along the chain: every step with the type of the edge taken (step 0 has none).
SELECT * FROM gr_path('A:c1', 'A:c4');
SELECT * FROM gr_path('A:c2', 'A:c3');
-- Shortest: p1 -data-> p4 directly rather than through p2 and p3; with only build edges, the
-- long way; with only runtime edges, none.
SELECT * FROM gr_path('A:p1', 'A:p4');
SELECT * FROM gr_path('A:p1', 'A:p4', ARRAY['build']);
SELECT * FROM gr_path('A:p1', 'A:p4', ARRAY['runtime']);
-- Across organizations, and around a cycle.
SELECT * FROM gr_path('A:web', 'B:db');
SELECT * FROM gr_path('A:y2', 'A:y1');
-- None: against the edges, between the disconnected parts, into what A cannot read.
SELECT count(*) AS c4_to_c1 FROM gr_path('A:c4', 'A:c1');
SELECT count(*) AS x1_to_x4 FROM gr_path('A:x1', 'A:x4');
SELECT count(*) AS web_to_disk FROM gr_path('A:web', 'B:disk');
SELECT count(*) AS web_to_svc FROM gr_path('A:web', 'C:svc');
-- From a node to itself: the node alone (also for a self-loop, and for a node with incoming
-- edges only).
SELECT * FROM gr_path('A:c1', 'A:c1');
SELECT * FROM gr_path('A:s1', 'A:s1');
SELECT * FROM gr_path('A:c4', 'A:c4');

---------------------------------------------------------------------------------------------
-- dependency_cycles and dependency_order (as A's MEMBER)
---------------------------------------------------------------------------------------------

-- A's cycle y1-y2-y3 and the self-loop s1; C's cycle is not A's to read. Cycles are numbered
-- by their first node, nodes in key order (uuid bytes).
SELECT * FROM gr_cycles();
SELECT * FROM gr_cycles(ARRAY['loop']);
SELECT * FROM gr_cycles(ARRAY['self', 'build']);
SELECT * FROM gr_cycles(gr_dag());
SELECT * FROM gr_cycles('{}');
-- dependency_order on all of A's edges: 55000 (a cycle), naming nodes of one of the two cycles.
SELECT outcome('SELECT tenancy.dependency_order()') AS order_all;
SELECT gr_order_error() ~ 'cycle through: (A:y1, A:y2, A:y3|A:s1)$' AS names_a_cycle;
SELECT gr_order_error(ARRAY['loop', 'build']) AS order_with_loop;
SELECT gr_order_error(ARRAY['self']) AS order_with_self;
-- Without the loop and self types the graph is acyclic: a topological order (dependencies
-- first; among ready nodes the smallest key first), checked against every edge A reads.
SELECT * FROM gr_order(gr_dag());
SELECT * FROM gr_order_check(gr_dag());
SELECT * FROM gr_order_check(ARRAY['build']);
SELECT * FROM gr_order(ARRAY['data']);
SELECT count(*) AS no_types FROM tenancy.dependency_order('{}');
RESET ROLE;
-- B's whole view is acyclic.
SELECT gr_context('B', 'b-member') AS role;
SET ROLE regress_graph_app;
SELECT * FROM gr_cycles();
SELECT * FROM gr_order();
SELECT * FROM gr_order_check();
RESET ROLE;
-- C's view: its cycle, so no order.
SELECT gr_context('C', 'c-admin') AS role;
SET ROLE regress_graph_app;
SELECT * FROM gr_cycles();
SELECT gr_order_error() AS c_order;
SELECT * FROM gr_order(ARRAY['build']);
RESET ROLE;

---------------------------------------------------------------------------------------------
-- dependency_graph: Mermaid and DOT (as A's MEMBER)
---------------------------------------------------------------------------------------------

-- A's web downstream: one box per organization (A, B), nodes named by their place in the
-- closure; the dependency type escaped (Mermaid entity codes for " # < > & |, DOT backslashes
-- for " and \). First raw, with the uuids, then with the uuids replaced by tags.
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT line AS mermaid_raw FROM gr_lines(tenancy.dependency_graph(gr_org('A:web'), gr_id('A:web')));
SELECT line AS mermaid FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:web'), gr_id('A:web'))));
SELECT line AS dot FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:web'), gr_id('A:web'), format => 'dot')));
-- Upstream of the chain's end: arrows still point from the dependent to its dependency; and
-- limited to depth 1.
SELECT line AS mermaid_upstream FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:c4'), gr_id('A:c4'), 'upstream')));
SELECT line AS dot_upstream FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:c4'), gr_id('A:c4'), 'upstream', 'dot', 1)));
-- A self-loop is not drawn (closure edges only); a chain with max_depth 1.
SELECT line AS mermaid_self FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:s1'), gr_id('A:s1'))));
SELECT line AS mermaid_depth_1 FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:c1'), gr_id('A:c1'), max_depth => 1)));
-- A visible node with nothing to draw in that direction, or with max_depth 0: the node alone.
SELECT line AS mermaid_alone FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:c4'), gr_id('A:c4'))));
SELECT line AS dot_depth_0 FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:c1'), gr_id('A:c1'), format => 'dot', max_depth => 0)));
RESET ROLE;

---------------------------------------------------------------------------------------------
-- A node that does not exist and one that A cannot read answer alike
---------------------------------------------------------------------------------------------

-- As A: C:svc (C's private edges), B:disk (B's private edge), an entity of A without edges,
-- an organization that does not exist: no closure either way, no path (not even to itself),
-- no drawing. Visible nodes with edges in one direction only, for contrast. Asked twice: with
-- the cache emptied (the traversal reads level by level) and with A's whole graph cached.
CREATE FUNCTION public.gr_probe() RETURNS TABLE (node text, downstream bigint, upstream bigint, path_to_itself bigint,
                                                 path_from_web bigint, drawing_down text, drawing_up text)
LANGUAGE sql AS $$
  SELECT v.tag,
         (SELECT count(*) FROM tenancy.dependency_closure(gr_org(v.tag), gr_id(v.tag))),
         (SELECT count(*) FROM tenancy.dependency_closure(gr_org(v.tag), gr_id(v.tag), 'upstream')),
         (SELECT count(*) FROM tenancy.dependency_path(gr_org(v.tag), gr_id(v.tag), gr_org(v.tag), gr_id(v.tag))),
         (SELECT count(*) FROM tenancy.dependency_path(gr_id('A'), gr_id('A:web'), gr_org(v.tag), gr_id(v.tag))),
         coalesce(left(tenancy.dependency_graph(gr_org(v.tag), gr_id(v.tag)), 12), 'NULL'),
         coalesce(left(tenancy.dependency_graph(gr_org(v.tag), gr_id(v.tag), 'upstream', 'dot'), 12), 'NULL')
    FROM (VALUES (1, 'C:svc'), (2, 'B:disk'), (3, 'A:nothing'), (4, 'Z:thing'),
                 (5, 'B:db'), (6, 'A:c4'), (7, 'A:web')) AS v(n, tag)
   ORDER BY v.n
$$;
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
-- Any statement on dependencies empties the backend's graph cache (statement trigger), even
-- one that changes no row.
DELETE FROM tenancy.dependencies WHERE false;
SELECT * FROM gr_probe();
SELECT count(*) AS a_cycles FROM tenancy.dependency_cycles();
SELECT * FROM gr_probe();
RESET ROLE;

---------------------------------------------------------------------------------------------
-- Sharing: C's private edges appear for A only while C shares 'dependencies' with A
---------------------------------------------------------------------------------------------

-- A's answers before the share (A's whole graph is left in the cache, so what follows also
-- shows that a share empties it).
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT gr_closure_text('A:web') AS web_before, gr_closure_text('B:db') AS db_before,
       gr_cycles_text() AS cycles_before, gr_order_text(gr_dag()) AS order_before,
       tenancy.dependency_graph(gr_org('A:web'), gr_id('A:web')) AS graph_before,
       (SELECT count(*) FROM tenancy.dependencies) AS edges_before \gset
SELECT count(*) AS a_cycles FROM tenancy.dependency_cycles();
RESET ROLE;
SELECT gr_context('C', 'c-admin') AS role;
SET ROLE regress_graph_app;
SELECT tenancy.share_with(gr_id('A'), 'dependencies') IS NOT NULL AS shared;
RESET ROLE;

-- A now reads C's edges and B's db -> C:svc (its C end is shared); still not B's db -> disk.
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT count(*) - :edges_before AS more_edges FROM tenancy.dependencies;
SELECT * FROM gr_edges(only_cross_a => true);
SELECT * FROM gr_closure('A:web');
SELECT * FROM gr_closure('B:db');
SELECT * FROM gr_closure('C:lib', 'upstream');
SELECT * FROM gr_path('A:web', 'C:lib');
SELECT * FROM gr_cycles();
SELECT gr_order_error(gr_dag()) AS order_dag;
SELECT * FROM gr_order(ARRAY['build']);
SELECT line AS mermaid_shared FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:web'), gr_id('A:web'))));
SELECT line AS dot_shared FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('A:web'), gr_id('A:web'), format => 'dot')));
SELECT line AS dot_upstream_shared FROM gr_lines(gr_show(tenancy.dependency_graph(gr_org('C:lib'), gr_id('C:lib'), 'upstream', 'dot', 3)));
SELECT * FROM gr_probe() WHERE node = 'C:svc';
RESET ROLE;
-- The share is for A alone: B still does not read C's svc -> lib.
SELECT gr_context('B', 'b-member') AS role;
SET ROLE regress_graph_app;
SELECT gr_closure_text('B:db') AS b_db_down, gr_cycles_text() AS b_cycles;
RESET ROLE;

-- A soft-deleted C shares nothing (visible_orgs skips it); restored, it shares again.
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT count(*) AS a_cycles FROM tenancy.dependency_cycles();
RESET ROLE;
UPDATE tenancy.organizations SET deleted_at = now() WHERE id = gr_id('C');
SET ROLE regress_graph_app;
SELECT gr_closure_text('A:web') = :'web_before' AS c_deleted_like_before, gr_cycles_text() = :'cycles_before' AS cycles_like_before;
RESET ROLE;
UPDATE tenancy.organizations SET deleted_at = NULL WHERE id = gr_id('C');
SET ROLE regress_graph_app;
SELECT gr_closure_text('A:web') AS c_restored;
RESET ROLE;

-- C revokes the share (A's graph with C's edges is in the cache when it does).
SELECT gr_context('C', 'c-admin') AS role;
SET ROLE regress_graph_app;
SELECT tenancy.unshare(gr_id('A'), 'dependencies');
RESET ROLE;
SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT gr_closure_text('A:web') = :'web_before' AS closure_as_before, gr_closure_text('B:db') = :'db_before' AS db_as_before,
       gr_cycles_text() = :'cycles_before' AS cycles_as_before, gr_order_text(gr_dag()) = :'order_before' AS order_as_before,
       tenancy.dependency_graph(gr_org('A:web'), gr_id('A:web')) = :'graph_before' AS graph_as_before,
       (SELECT count(*) FROM tenancy.dependencies) = :edges_before AS edges_as_before;
SELECT * FROM gr_probe() WHERE node = 'C:svc';
RESET ROLE;

---------------------------------------------------------------------------------------------
-- The backend cache follows every committed (or rolled back) change
---------------------------------------------------------------------------------------------

SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
-- Cached whole graph, then an edge added in this session: the next answers include it.
SELECT count(*) AS a_cycles FROM tenancy.dependency_cycles();
SELECT gr_closure_text('A:c1') AS c1_before;
SELECT gr_add('A:c4', 'A:c5', 'build') IS NOT NULL AS added;
SELECT gr_closure_text('A:c1') AS c1_after, gr_closure_text('A:c5', 'upstream') AS c5_upstream;
SELECT * FROM gr_path('A:c1', 'A:c5');
-- Inside a transaction the new edge is seen at once; after ROLLBACK it is gone again.
BEGIN;
SELECT gr_add('A:x2', 'A:x2', 'self') IS NOT NULL AS added;
SELECT gr_cycles_text() AS cycles_in_transaction;
ROLLBACK;
SELECT gr_cycles_text() AS cycles_after_rollback;
-- Likewise for a savepoint: x4 -> x3 closes a cycle x3-x4 until ROLLBACK TO.
BEGIN;
SELECT count(*) AS a_cycles FROM tenancy.dependency_cycles();
SAVEPOINT s;
SELECT gr_add('A:x4', 'A:x3', 'build') IS NOT NULL AS added;
SELECT gr_cycles_text() AS cycles_in_savepoint, gr_closure_text('A:x3', 'upstream') AS x3_upstream_in_savepoint;
ROLLBACK TO SAVEPOINT s;
SELECT gr_cycles_text() AS cycles_after_rollback_to, gr_closure_text('A:x3', 'upstream') AS x3_upstream_after_rollback_to;
COMMIT;
-- An edge deleted by A's ADMIN disappears from the next answer.
RESET ROLE;
SELECT gr_context('A', 'a-admin') AS role;
SET ROLE regress_graph_app;
SELECT count(*) AS a_cycles FROM tenancy.dependency_cycles();
DELETE FROM tenancy.dependencies WHERE source_entity_id = gr_id('A:c4') AND target_entity_id = gr_id('A:c5');
SELECT gr_closure_text('A:c1') AS c1_after_delete;
RESET ROLE;

---------------------------------------------------------------------------------------------
-- Bad input
---------------------------------------------------------------------------------------------

SELECT gr_context('A', 'a-member') AS role;
SET ROLE regress_graph_app;
SELECT statement, result FROM outcomes(
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'), 'sideways')$$,
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'), 'Downstream')$$,
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'), '')$$,
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'), NULL)$$,
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'), max_depth => -1)$$,
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'), max_depth => NULL)$$,
  $$SELECT * FROM tenancy.dependency_closure(NULL, gr_id('A:c1'))$$,
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), NULL)$$,
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'), types => ARRAY['build', NULL])$$,
  $$SELECT * FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'), types => NULL)$$,
  $$SELECT * FROM tenancy.dependency_path(NULL, gr_id('A:c1'), gr_id('A'), gr_id('A:c4'))$$,
  $$SELECT * FROM tenancy.dependency_path(gr_id('A'), NULL, gr_id('A'), gr_id('A:c4'))$$,
  $$SELECT * FROM tenancy.dependency_path(gr_id('A'), gr_id('A:c1'), NULL, gr_id('A:c4'))$$,
  $$SELECT * FROM tenancy.dependency_path(gr_id('A'), gr_id('A:c1'), gr_id('A'), NULL)$$,
  $$SELECT * FROM tenancy.dependency_path(gr_id('A'), gr_id('A:c1'), gr_id('A'), gr_id('A:c4'), ARRAY[NULL::text])$$,
  $$SELECT * FROM tenancy.dependency_cycles(ARRAY['loop', NULL])$$,
  $$SELECT * FROM tenancy.dependency_cycles(NULL)$$,
  $$SELECT * FROM tenancy.dependency_order(ARRAY[NULL::text])$$,
  $$SELECT tenancy.dependency_graph(gr_id('A'), gr_id('A:c1'), format => 'svg')$$,
  $$SELECT tenancy.dependency_graph(gr_id('A'), gr_id('A:c1'), format => 'DOT')$$,
  $$SELECT tenancy.dependency_graph(gr_id('A'), gr_id('A:c1'), format => NULL)$$,
  $$SELECT tenancy.dependency_graph(gr_id('A'), gr_id('A:c1'), 'both')$$,
  $$SELECT tenancy.dependency_graph(gr_id('A'), gr_id('A:c1'), NULL)$$,
  $$SELECT tenancy.dependency_graph(gr_id('A'), gr_id('A:c1'), max_depth => -2)$$,
  $$SELECT tenancy.dependency_graph(NULL, gr_id('A:c1'))$$,
  $$SELECT tenancy.dependency_graph(gr_id('A'), NULL)$$);
RESET ROLE;

---------------------------------------------------------------------------------------------
-- Without a tenant context nothing is visible
---------------------------------------------------------------------------------------------

SELECT tenancy.clear_context();
SET ROLE regress_graph_app;
SELECT (SELECT count(*) FROM tenancy.dependencies) AS edges,
       (SELECT count(*) FROM tenancy.dependency_closure(gr_id('A'), gr_id('A:c1'))) AS closure,
       (SELECT count(*) FROM tenancy.dependency_path(gr_id('A'), gr_id('A:c1'), gr_id('A'), gr_id('A:c4'))) AS path,
       (SELECT count(*) FROM tenancy.dependency_cycles()) AS cycles,
       (SELECT count(*) FROM tenancy.dependency_order()) AS "order",
       tenancy.dependency_graph(gr_id('A'), gr_id('A:c1')) IS NULL AS no_drawing;
RESET ROLE;

---------------------------------------------------------------------------------------------
-- A generated graph: statement_timeout, tenancy.graph_max_edges, the whole-graph cache
---------------------------------------------------------------------------------------------

-- G's graph, written directly by the superuser: a chain chain:0 -> ... -> chain:25000 and a
-- star hub -> leaf:1 .. leaf:20500 (past the 20000 edges a closure reads level by level
-- before it loads the whole graph).
INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type)
SELECT gr_id('G'), gr_id('G:chain:' || i), gr_id('G'), gr_id('G:chain:' || (i + 1)), 'build'
  FROM generate_series(0, 24999) i
UNION ALL
SELECT gr_id('G'), gr_id('G:hub'), gr_id('G'), gr_id('G:leaf:' || i), 'runtime'
  FROM generate_series(1, 20500) i;
SELECT gr_context('G', 'g-member') AS role;
SET ROLE regress_graph_app;
-- The insert emptied the cache, so these traversals read the chain one level (one query) at a
-- time for 64 levels, then load G's whole graph (45500 edges): far longer than 10ms, so they
-- are cancelled with 57014 (and nothing is cached).
SET statement_timeout = '10ms';
SELECT gr_cancelled($$SELECT count(*) FROM tenancy.dependency_closure(gr_id('G'), gr_id('G:chain:0'))$$) AS closure;
SELECT gr_cancelled($$SELECT count(*) FROM tenancy.dependency_path(gr_id('G'), gr_id('G:chain:0'), gr_id('G'), gr_id('G:chain:25000'))$$) AS path;
SELECT gr_cancelled($$SELECT tenancy.dependency_graph(gr_id('G'), gr_id('G:chain:0'), format => 'dot')$$) AS drawing;
RESET statement_timeout;
-- The session goes on normally.
SELECT count(*) AS chain_head_3 FROM tenancy.dependency_closure(gr_id('G'), gr_id('G:chain:0'), max_depth => 3);

-- tenancy.graph_max_edges: only the superuser sets it. At 1000, whatever would load more
-- visible edges fails with 54000 (the whole graph, the star's single level); a traversal that
-- reads fewer still works.
SELECT outcome('SET tenancy.graph_max_edges = 1000') AS app_sets_limit;
RESET ROLE;
SET tenancy.graph_max_edges = 1000;
SET ROLE regress_graph_app;
SELECT outcome($$SELECT count(*) FROM tenancy.dependency_cycles()$$) AS cycles;
SELECT outcome($$SELECT count(*) FROM tenancy.dependency_order()$$) AS "order";
SELECT outcome($$SELECT count(*) FROM tenancy.dependency_closure(gr_id('G'), gr_id('G:hub'))$$) AS hub_closure;
SELECT outcome($$SELECT tenancy.dependency_graph(gr_id('G'), gr_id('G:hub'))$$) AS hub_drawing;
SELECT count(*) AS hub_upstream FROM tenancy.dependency_closure(gr_id('G'), gr_id('G:leaf:7'), 'upstream');
SELECT count(*) AS chain_head_3 FROM tenancy.dependency_closure(gr_id('G'), gr_id('G:chain:0'), max_depth => 3);
RESET ROLE;
RESET tenancy.graph_max_edges;
SET ROLE regress_graph_app;
-- Back to the default: the star's closure reads more than 20000 edges in its first level, so
-- it loads (and caches) G's whole graph; the cycles come from the same cached graph.
SELECT count(*) AS hub_closure, min(depth) AS min_depth, max(depth) AS max_depth
  FROM tenancy.dependency_closure(gr_id('G'), gr_id('G:hub'));
SELECT count(*) AS g_cycles FROM tenancy.dependency_cycles();
-- An edge added in this session reaches the next whole-graph answer.
SELECT gr_add('G:hub', 'G:new', 'runtime') IS NOT NULL AS added;
SELECT count(*) AS hub_closure, count(*) FILTER (WHERE entity_id = gr_id('G:new') AND depth = 1) AS new_leaf
  FROM tenancy.dependency_closure(gr_id('G'), gr_id('G:hub'));
RESET ROLE;
-- The superuser closes the chain into a cycle of 25001 nodes: found, and the order refuses.
INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type)
VALUES (gr_id('G'), gr_id('G:chain:25000'), gr_id('G'), gr_id('G:chain:0'), 'build');
SET ROLE regress_graph_app;
SELECT count(DISTINCT cycle_id) AS cycles, count(*) AS nodes, min(position) AS first, max(position) AS last
  FROM tenancy.dependency_cycles();
SELECT outcome('SELECT tenancy.dependency_order()') AS "order";
SELECT count(*) AS acyclic_part FROM tenancy.dependency_order(ARRAY['runtime']);
RESET ROLE;
-- Clean up the generated graph.
DELETE FROM tenancy.dependencies WHERE source_org_id = gr_id('G');

---------------------------------------------------------------------------------------------
-- Declarations
---------------------------------------------------------------------------------------------

SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel, p.proisstrict, p.prosecdef,
       pg_get_function_result(p.oid) AS result,
       has_function_privilege('regress_graph_app', p.oid, 'EXECUTE') AS app_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND p.proname IN ('add_dependency', 'dependency_closure', 'dependency_path', 'dependency_cycles',
                     'dependency_order', 'dependency_graph')
 ORDER BY p.proname;
SELECT name, setting, context, vartype, min_val, max_val FROM pg_settings WHERE name = 'tenancy.graph_max_edges';
SELECT tgname, tgrelid::regclass AS "table", tgenabled FROM pg_trigger
 WHERE tgname IN ('dependencies_graph_changed', 'org_shares_graph_changed') ORDER BY 1;

---------------------------------------------------------------------------------------------
-- Clean up
---------------------------------------------------------------------------------------------

SELECT tenancy.clear_context();
DELETE FROM tenancy.organizations WHERE id IN (gr_id('A'), gr_id('B'), gr_id('C'), gr_id('G'));
SELECT count(*) AS edges_left FROM tenancy.dependencies
 WHERE source_org_id IN (gr_id('A'), gr_id('B'), gr_id('C'), gr_id('G'))
    OR target_org_id IN (gr_id('A'), gr_id('B'), gr_id('C'), gr_id('G'));
DELETE FROM tenancy.users WHERE email LIKE '%@graph.test';
DROP TABLE public.gr_tags;
SELECT tenancy.revoke_app_role('regress_graph_app');
DROP ROLE regress_graph_app;
DROP FUNCTION public.gr_probe(), public.gr_edges(boolean), public.gr_order_error(text[]), public.gr_order_check(text[]),
  public.gr_order_text(text[]), public.gr_order(text[]), public.gr_cycles_text(text[]), public.gr_cycles(text[]),
  public.gr_path(text, text, text[]), public.gr_closure_text(text, text), public.gr_closure(text, text, int, text[]),
  public.gr_add(text, text, text, text), public.gr_context(text, text), public.gr_lines(text), public.gr_show(text),
  public.gr_cancelled(text), public.gr_name(uuid, uuid), public.gr_dag(), public.gr_weird(), public.gr_org(text),
  public.gr_id(text);
RESET client_min_messages;
