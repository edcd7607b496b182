#!/usr/bin/env bash
# Dependency-graph benchmark: what does tenancy.dependency_closure cost against the plain SQL an
# application would otherwise write, and against pgRouting, on the same edges?
#
# Graphs, one at a time in tenancy.dependencies (TRUNCATE between them), inserted by the
# superuser with INSERT ... SELECT (session_replication_role = replica skips the foreign-key
# triggers; every org exists). Node i of graph g is (org, entity) with org = organization
# 1 + i % BENCH_ORGS and entity = md5('g:' || i)::uuid (deterministic, random-looking like
# gen_random_uuid ids); the root is node 0 (org 1). Edges are inserted in source order.
#   dag      random DAG: BENCH_DAG_NODES (100,000) nodes, BENCH_DAG_EDGES (1,000,000) edges i -> j
#            with i < j, from hashint8extended of a counter (the same graph in every run; no
#            duplicates: the first draw of each pair is kept), type depends_on
#   chain    BENCH_CHAIN_NODES (1,000,000) nodes, edges i -> i + 1
#   lattice  BENCH_LATTICE_LAYERS (20) layers of BENCH_LATTICE_WIDTH (50) nodes, every node of a
#            layer -> every node of the next (19 x 2,500 = 47,500 edges; 50^19 paths)
# Closure of the root, downstream, by four answers:
#   tenancy  SELECT ... FROM tenancy.dependency_closure(root_org, root_entity, 'downstream'):
#            every reachable node once, with its minimum depth, BFS parent and edge type
#   peer 1   WITH RECURSIVE over tenancy.dependencies enumerating paths (UNION ALL, depth, the
#            CYCLE clause as cycle guard), then GROUP BY node taking min(depth): the same
#            (node, depth) rows as tenancy; under statement_timeout BENCH_RECURSIVE_TIMEOUT (60 s;
#            BENCH_DAG_RECURSIVE_TIMEOUT, 120 s, for the DAG) and temp_file_limit
#            BENCH_TEMP_FILE_LIMIT (10GB): not finishing is a result, not a failure
#   peer 2   the fastest plain SQL: reachability only, no depth, no parent:
#              WITH RECURSIVE r(org, entity) AS (VALUES (root) UNION
#                SELECT d.target_org_id, d.target_entity_id FROM r JOIN tenancy.dependencies d
#                  ON d.source_org_id = r.org AND d.source_entity_id = r.entity)
#            (informational: the same as the superuser, i.e. without row-level security; so
#            is tenancy's first call, which shows what RLS adds to each)
#   peer 3   pgRouting: SELECT * FROM pgr_breadthFirstSearch('SELECT id, source, target, cost
#            FROM bench_edges', root_id), over bench_nodes (node -> bigint id) and bench_edges
#            (id, source, target, cost 1), built from tenancy.dependencies untimed
# tenancy and peers 1 and 2 run as bench_app (a plain role given tenancy.grant_app_role) after
# the superuser's tenancy.set_context(org 1, its OWNER, is_local => false) and SET ROLE
# bench_app, so under the table's row-level security; the 99 other organizations share
# 'dependencies' with org 1 (org_shares rows), so org 1 sees every edge (checked). pgRouting
# runs in the same kind of session over bench_edges (no RLS). Checked before timing, as
# bench_app: peer 1 gives the same (node, depth) rows as tenancy (to depth BENCH_VERIFY_DEPTH,
# 3, since the full enumeration does not finish; and fully when it does), peers 2 and 3 the
# same node set (pgRouting's depths are compared too).
# Timing: a PL/pgSQL function takes clock_timestamp() around EXECUTE 'SELECT count(*) FROM
# (query)' (the answer is computed in full; no EXPLAIN instrumentation, no client round trip or
# result transfer: the least noisy of the three, and the same wrapper for every answer). Every
# timed run is in a new session: tenancy's (a) first call there, cache empty, so it reads the
# edges through SPI (level by level from the root, then the whole graph once past 20,000 edges
# or 64 levels), and (b) the second call in the same session, answered from the backend's
# graph cache. BENCH_REPS (3) rounds, each timing tenancy (a, b), peer 2, peer 2 as superuser
# and peer 3; medians reported. Peer 1 runs once. jit is off (BENCH_JIT). All tables and
# indexes are prewarmed into shared buffers after a VACUUM ANALYZE and a CHECKPOINT.
# Split of the first call (what dominates it), medians of BENCH_REPS new sessions: the
# whole-graph load alone = tenancy.dependency_cycles()'s first call - its second (it loads the
# whole graph directly, without the level-by-level start; the second call is only its SCC pass
# over the cached graph); the closure from that cached graph; the rest of (a) is the
# level-by-level start (and the session's first SPI planning). Also the loader's SELECT alone,
# counted, serial (a cursor is), as bench_app under RLS and as the superuser without.
# DAG only: cache invalidation: in a session holding the cached graph, another session
# (\! psql) inserts an edge root -> new node and commits; the next call must read the edges
# again (time of the order of (a)) and list the new node at depth 1 under the root. And the
# backend's memory per edge, from /proc/<pg_backend_pid()>/status in a new session before and
# after the first closure call: VmHWM (peak resident set, which also counts shared buffers and
# library pages the backend touches: the heap's pages are touched before, by a serial count of
# a column in no index, the library by a warm-up call on a node with no edges), the peak
# private memory (VmHWM - RssShmem - RssFile after, - RssAnon before) and RssAnon held after
# the call (the cached graph, plus freed memory malloc keeps).
# Targets printed: on the DAG tenancy's first call at least 2x faster than peer 2 and than
# pgRouting (while also returning depths and parents); on the lattice tenancy's first call
# within 2x of pgRouting; the cached call <= 0.1 of the first. Nothing here passes or fails on
# time: it prints what it measures and exits 0 (it exits 1 only if an answer differs or a step
# fails).
#
# Run as root (it installs postgresql-15-pgrouting with apt-get when pgrouting is missing),
# with the extension installed:
#   bash test/bench/graph.sh
# Takes about 9 minutes at the defaults on 2 cores (4 of them peer 1 not finishing).
# Knobs: BENCH_DAG_NODES (100000), BENCH_DAG_EDGES (1000000), BENCH_CHAIN_NODES (1000000),
#        BENCH_LATTICE_LAYERS (20), BENCH_LATTICE_WIDTH (50), BENCH_ORGS (100), BENCH_GRAPHS
#        ("dag lattice chain": which graphs, in this order), BENCH_REPS (3),
#        BENCH_RECURSIVE_TIMEOUT (60), BENCH_DAG_RECURSIVE_TIMEOUT (120), BENCH_TEMP_FILE_LIMIT
#        (10GB), BENCH_VERIFY_DEPTH (3), BENCH_JIT (off), BENCH_SHARED_BUFFERS (2GB),
#        BENCH_WORK_MEM (256MB), BENCH_PG_VERSION (15), PGPORT (default: a free port is picked).
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t` (with
# tenancy.create_key_file = on), on a free port so that it can run beside other clusters; if the
# cluster does not come up (a port taken meanwhile) it retries on another port.
set -euo pipefail
# shellcheck source=test/bench/lib.sh
source "$(dirname "$0")/lib.sh"

PG_VERSION="${BENCH_PG_VERSION:-15}"
SHARED_BUFFERS="${BENCH_SHARED_BUFFERS:-2GB}"
WORK_MEM="${BENCH_WORK_MEM:-256MB}"

# shellcheck source=test/lib/free_port.sh
source "$(dirname "$0")/../lib/free_port.sh"

# Installs pgRouting (pgr_breadthFirstSearch) for this PostgreSQL version unless it is there.
ensure_pgrouting() {
  local package="postgresql-$PG_VERSION-pgrouting"
  [[ -e "/usr/share/postgresql/$PG_VERSION/extension/pgrouting.control" ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "graph bench: pgRouting is not installed and installing $package needs root" >&2
    exit 1
  fi
  echo "== installing $package (for pgr_breadthFirstSearch)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "$package" >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q "$package" >/dev/null
  fi
}

if [[ -z "${TENANCY_BENCH_IN_VIRTUALENV:-}" ]]; then
  export TENANCY_BENCH_IN_VIRTUALENV=1
  ensure_pgrouting
  # The marker the inner run creates: without it a failed pg_virtualenv never got a cluster.
  TENANCY_BENCH_STARTED=$(mktemp -u -t tenancy_graph_bench.XXXXXX)
  export TENANCY_BENCH_STARTED
  fixed_port=${PGPORT:-}
  for attempt in 1 2 3 4 5; do
    if [[ -n $fixed_port ]]; then
      PGPORT=$fixed_port
    else
      PGPORT=$(free_port) || { echo "graph bench: no free port found" >&2; exit 1; }
    fi
    export PGPORT
    # The graph tables with their indexes (~600 MB for the largest graph) fit in shared buffers
    # and are prewarmed; work_mem keeps the recursive queries' hash tables and the results in
    # memory. Large max_wal_size and checkpoint_timeout: no checkpoint during the timing.
    rc=0
    pg_virtualenv -t -v "$PG_VERSION" -o "shared_buffers=$SHARED_BUFFERS" -o "work_mem=$WORK_MEM" \
      -o tenancy.create_key_file=on -o maintenance_work_mem=1GB -o max_wal_size=8GB \
      -o checkpoint_timeout=1h bash "$0" "$@" || rc=$?
    if [[ -e $TENANCY_BENCH_STARTED || -n $fixed_port ]]; then
      rm -f "$TENANCY_BENCH_STARTED"
      exit "$rc"
    fi
    echo "graph bench: the cluster did not come up on port $PGPORT (attempt $attempt), retrying" >&2
  done
  exit 1
fi
[[ -n ${TENANCY_BENCH_STARTED:-} ]] && : >"$TENANCY_BENCH_STARTED"

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
export PGDATABASE=tenancy_bench
DAG_NODES="${BENCH_DAG_NODES:-100000}"
DAG_EDGES="${BENCH_DAG_EDGES:-1000000}"
CHAIN_NODES="${BENCH_CHAIN_NODES:-1000000}"
LATTICE_LAYERS="${BENCH_LATTICE_LAYERS:-20}"
LATTICE_WIDTH="${BENCH_LATTICE_WIDTH:-50}"
ORGS="${BENCH_ORGS:-100}"
read -r -a GRAPHS <<<"${BENCH_GRAPHS:-dag lattice chain}"
REPS="${BENCH_REPS:-3}"
RECURSIVE_TIMEOUT="${BENCH_RECURSIVE_TIMEOUT:-60}"
DAG_RECURSIVE_TIMEOUT="${BENCH_DAG_RECURSIVE_TIMEOUT:-120}"
TEMP_FILE_LIMIT="${BENCH_TEMP_FILE_LIMIT:-10GB}"
VERIFY_DEPTH="${BENCH_VERIFY_DEPTH:-3}"
JIT="${BENCH_JIT:-off}"
APP_ROLE=bench_app
ORG1="'00000000-0000-4000-8000-000000000001'::uuid"
USER1="'00000000-0000-4000-9000-000000000001'::uuid"
# Guard for the other answers (they all finish well within it at the defaults).
GUARD_TIMEOUT=600

ANSWERS=(tenancy_first tenancy_cached tenancy_norls peer1 peer2 peer2_norls peer3)
declare -A LABEL=([tenancy_first]="tenancy first call (a)" [tenancy_cached]="tenancy cached call (b)"
                  [tenancy_norls]="tenancy first, superuser (no RLS)"
                  [peer1]="peer 1 recursive paths+min" [peer2]="peer 2 recursive reachability"
                  [peer2_norls]="peer 2 as superuser (no RLS)" [peer3]="peer 3 pgr_breadthFirstSearch")
declare -A RUNS=() MEDIAN=() INFO=() PEER1=() CHECKS=()
FAILED=0

# Runs SQL from stdin in the bench database as the superuser, stopping at the first error.
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Prints one value (unaligned, tuples only) from the query given as $1.
sql_value() { psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"; }

# The statements that make a new session run as bench_app with org 1's context (psql input).
APP_PRELUDE="\\o /dev/null
SET jit = $JIT;
SELECT tenancy.set_context($ORG1, $USER1, is_local => false);
SET ROLE $APP_ROLE;
\\o"

# Prints the psql line timing query $1 with bench_time, output "label|ms|count" ($2 = label).
timed() { echo "SELECT '$2' || '|' || round(ms::numeric, 2) || '|' || result FROM bench_time(\$bq\$$1\$bq\$);"; }

# Creates the extension, pgRouting, the organizations, shares, user, bench_app and helpers.
setup_database() {
  createdb "$PGDATABASE"
  sql <<SQL
\\o /dev/null
SET client_min_messages = warning;
CREATE EXTENSION tenancy;
CREATE EXTENSION pg_prewarm;
CREATE EXTENSION pgrouting CASCADE;
-- Organization k and node i's organization and entity (node i of graph g).
CREATE FUNCTION bench_org_uuid(k bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS \$\$ SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid \$\$;
CREATE FUNCTION bench_org(i bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS \$\$ SELECT bench_org_uuid(1 + i % $ORGS) \$\$;
CREATE FUNCTION bench_entity(g text, i bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS \$\$ SELECT md5(g || ':' || i)::uuid \$\$;
INSERT INTO tenancy.organizations (id, name, slug)
  SELECT bench_org_uuid(k), 'Bench org ' || k, 'bench-org-' || k FROM generate_series(1, $ORGS) k;
INSERT INTO tenancy.users (id, email, full_name)
  VALUES ($USER1, 'bench-owner@example.test', 'Bench owner');
INSERT INTO tenancy.organization_members (organization_id, user_id, role)
  VALUES ($ORG1, $USER1, 'OWNER');
-- Every other organization shares its dependencies with org 1, so org 1 sees every edge.
INSERT INTO tenancy.org_shares (organization_id, grantee_org_id, scope)
  SELECT bench_org_uuid(k), $ORG1, 'dependencies' FROM generate_series(2, $ORGS) k;
VACUUM ANALYZE tenancy.organizations;
VACUUM ANALYZE tenancy.org_shares;

-- Elapsed milliseconds of one execution of query (one row, one column) and its result.
CREATE FUNCTION bench_time(query text, OUT ms double precision, OUT result text)
LANGUAGE plpgsql AS \$\$
DECLARE
  started timestamptz;
BEGIN
  started := clock_timestamp();
  EXECUTE 'SELECT count(*)::text FROM (' || query || ') s' INTO result;
  ms := extract(epoch FROM clock_timestamp() - started) * 1000;
END
\$\$;

CREATE ROLE $APP_ROLE;
SELECT tenancy.grant_app_role('$APP_ROLE');
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO $APP_ROLE;
SQL
  if [[ -z $(sql_value "SELECT to_regprocedure('pgr_breadthfirstsearch(text, bigint, bigint, boolean)')") ]]; then
    echo "graph bench: pgr_breadthFirstSearch(text, bigint, ...) is not in pgRouting $(sql_value "SELECT extversion FROM pg_extension WHERE extname = 'pgrouting'")" >&2
    exit 1
  fi
}

# Prints the INSERT ... SELECT of graph $1's edges (columns i, j: node numbers).
edges_sql() {
  case $1 in
    dag)
      # Draw pairs {a, b} from a counter k (hash, so the same graph every run), orient them
      # i < j, keep the first draw of each pair and the first DAG_EDGES pairs.
      cat <<SQL
SELECT i, j FROM (
  SELECT i, j FROM (
    SELECT least(a, b) AS i, greatest(a, b) AS j, min(k) AS k
      FROM (SELECT k, (hashint8extended(k, 11) & 9223372036854775807) % $DAG_NODES AS a,
                      (hashint8extended(k, 22) & 9223372036854775807) % $DAG_NODES AS b
              FROM generate_series(1, $DAG_EDGES + $DAG_EDGES / 20 + 1000) k) draws
     WHERE a <> b GROUP BY 1, 2) pairs
   ORDER BY k LIMIT $DAG_EDGES) e
SQL
      ;;
    chain) echo "SELECT i, i + 1 AS j FROM generate_series(0, $CHAIN_NODES - 2) i" ;;
    lattice)
      echo "SELECT l * $LATTICE_WIDTH + p AS i, (l + 1) * $LATTICE_WIDTH + q AS j
              FROM generate_series(0, $LATTICE_LAYERS - 2) l, generate_series(0, $LATTICE_WIDTH - 1) p,
                   generate_series(0, $LATTICE_WIDTH - 1) q" ;;
  esac
}

# Replaces the edges with graph $1's, builds bench_nodes / bench_edges for pgRouting, vacuums,
# checkpoints and prewarms; prints the seconds of each step.
load_graph() {
  local g=$1 step=$SECONDS
  sql <<SQL
\\o /dev/null
SET client_min_messages = warning;
TRUNCATE tenancy.dependencies;
DROP TABLE IF EXISTS bench_nodes, bench_edges;
SET session_replication_role = replica;
INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id,
                                  dependency_type)
  SELECT bench_org(i), bench_entity('$g', i), bench_org(j), bench_entity('$g', j), 'depends_on'
    FROM ($(edges_sql "$g")) e ORDER BY i, j;
SQL
  printf '  %s edges inserted in %d s' "$g" $((SECONDS - step))
  step=$SECONDS
  sql <<SQL
\\o /dev/null
VACUUM ANALYZE tenancy.dependencies;
-- pgRouting needs integer vertex ids: one per node of an edge, and the edges over them.
CREATE TABLE bench_nodes AS
  SELECT row_number() OVER (ORDER BY org, entity) AS id, org, entity
    FROM (SELECT source_org_id AS org, source_entity_id AS entity FROM tenancy.dependencies
          UNION SELECT target_org_id, target_entity_id FROM tenancy.dependencies) n;
ALTER TABLE bench_nodes ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX bench_nodes_key ON bench_nodes (org, entity);
CREATE TABLE bench_edges AS
  SELECT row_number() OVER () AS id, s.id AS source, t.id AS target, 1.0::float8 AS cost
    FROM tenancy.dependencies d
    JOIN bench_nodes s ON s.org = d.source_org_id AND s.entity = d.source_entity_id
    JOIN bench_nodes t ON t.org = d.target_org_id AND t.entity = d.target_entity_id;
VACUUM ANALYZE bench_nodes;
VACUUM ANALYZE bench_edges;
CHECKPOINT;
SELECT sum(pg_prewarm(c.oid)) FROM pg_class c
 WHERE c.oid IN ('tenancy.dependencies'::regclass, 'bench_nodes'::regclass, 'bench_edges'::regclass)
    OR c.oid IN (SELECT indexrelid FROM pg_index
                  WHERE indrelid IN ('tenancy.dependencies'::regclass, 'bench_nodes'::regclass));
SQL
  printf ', vacuum, pgRouting tables, checkpoint and prewarm %d s\n' $((SECONDS - step))
}

# Sets the root and the query texts of graph $1 (ROOT_ORG, ROOT_ENT literals, ROOT_ID, Q_*).
define_queries() {
  local g=$1
  ROOT_ORG="'$(sql_value "SELECT bench_org(0)")'::uuid"
  ROOT_ENT="'$(sql_value "SELECT bench_entity('$g', 0)")'::uuid"
  ROOT_ID=$(sql_value "SELECT id FROM bench_nodes WHERE org = $ROOT_ORG AND entity = $ROOT_ENT")
  Q_TENANCY="SELECT org_id, entity_id, depth, parent_org_id, parent_entity_id, dependency_type
               FROM tenancy.dependency_closure($ROOT_ORG, $ROOT_ENT, 'downstream')"
  Q_PEER2="WITH RECURSIVE r(org, entity) AS (
             VALUES ($ROOT_ORG, $ROOT_ENT)
             UNION
             SELECT d.target_org_id, d.target_entity_id
               FROM r JOIN tenancy.dependencies d
                 ON d.source_org_id = r.org AND d.source_entity_id = r.entity)
           SELECT org, entity FROM r WHERE NOT (org = $ROOT_ORG AND entity = $ROOT_ENT)"
  Q_PEER3="SELECT * FROM pgr_breadthFirstSearch('SELECT id, source, target, cost FROM bench_edges', $ROOT_ID)"
}

# Prints peer 1's query; $1 = a depth limit (empty: none).
peer1_sql() {
  local limit=""
  [[ -n ${1:-} ]] && limit="WHERE w.depth < $1"
  echo "WITH RECURSIVE walk(org, entity, depth) AS (
          SELECT d.target_org_id, d.target_entity_id, 1
            FROM tenancy.dependencies d
           WHERE d.source_org_id = $ROOT_ORG AND d.source_entity_id = $ROOT_ENT
          UNION ALL
          SELECT d.target_org_id, d.target_entity_id, w.depth + 1
            FROM walk w JOIN tenancy.dependencies d
              ON d.source_org_id = w.org AND d.source_entity_id = w.entity
           $limit
        ) CYCLE org, entity SET is_cycle USING path
        SELECT org, entity, min(depth) AS depth FROM walk
         WHERE NOT is_cycle AND NOT (org = $ROOT_ORG AND entity = $ROOT_ENT)
         GROUP BY org, entity"
}

# Prints the fingerprint query (row count and md5 of the sorted rows) of query $1 with columns
# org, entity[, depth] ($2 = with_depth or nodes).
fingerprint_sql() {
  local row="s.org::text || '/' || s.entity::text"
  [[ $2 == with_depth ]] && row="$row || ':' || s.depth"
  echo "SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg($row, ',' ORDER BY s.org, s.entity)), '-')
          FROM ($1) s"
}

# The closure of tenancy as (org, entity, depth); $1 = max_depth (empty: none).
tenancy_rows() {
  echo "SELECT org_id AS org, entity_id AS entity, depth
          FROM tenancy.dependency_closure($ROOT_ORG, $ROOT_ENT, 'downstream', ${1:-NULL})"
}

# pgRouting's answer as (org, entity, depth), the root left out.
peer3_rows() {
  echo "SELECT n.org, n.entity, b.depth FROM ($Q_PEER3) b JOIN bench_nodes n ON n.id = b.node
         WHERE b.node <> $ROOT_ID"
}

# Records check $2 of graph $1: "yes" when fingerprints $3 and $4 are equal; prints the line.
compare() {
  local g=$1 what=$2 a=$3 b=$4 same=yes
  [[ $a == "$b" ]] || { same=NO; FAILED=1; }
  CHECKS[$g]+="$what: $same; "
  printf '  %-62s %s\n' "$what" "$same ($b)"
  [[ $same == yes ]] || printf '  %-62s %s\n' "  tenancy had" "$a"
}

# Checks the answers of graph $1 against tenancy's, as bench_app; describes the graph.
verify() {
  local g=$1 out
  out=$({
    echo "$APP_PRELUDE"
    echo "SELECT 'visible|' || count(*) FROM tenancy.dependencies;"
    echo "SELECT 'shape|' || count(*) || '|' || max(depth) FROM tenancy.dependency_closure($ROOT_ORG, $ROOT_ENT, 'downstream');"
    echo "SELECT 'reached|' || count(*) FROM tenancy.dependencies d
           WHERE (d.source_org_id, d.source_entity_id) IN
                 (SELECT org_id, entity_id FROM tenancy.dependency_closure($ROOT_ORG, $ROOT_ENT, 'downstream')
                  UNION ALL SELECT $ROOT_ORG, $ROOT_ENT);"
    echo "SELECT 't_depth|' || ($(fingerprint_sql "$(tenancy_rows)" with_depth));"
    echo "SELECT 't_nodes|' || ($(fingerprint_sql "$(tenancy_rows)" nodes));"
    echo "SELECT 't_limited|' || ($(fingerprint_sql "$(tenancy_rows "$VERIFY_DEPTH")" with_depth));"
    echo "SET statement_timeout = '${GUARD_TIMEOUT}s';"
    echo "SELECT 'p1_limited|' || ($(fingerprint_sql "$(peer1_sql "$VERIFY_DEPTH")" with_depth));"
    echo "SELECT 'p2|' || ($(fingerprint_sql "$Q_PEER2" nodes));"
    echo "SELECT 'p3_nodes|' || ($(fingerprint_sql "$(peer3_rows)" nodes));"
    echo "SELECT 'p3_depth|' || ($(fingerprint_sql "$(peer3_rows)" with_depth));"
  } | sql -At) || { echo "the check session of $g failed" >&2; exit 1; }
  declare -A F=()
  local key value
  while IFS='|' read -r key value; do F[$key]=$value; done <<<"$out"
  local total
  total=$(sql_value "SELECT count(*) FROM tenancy.dependencies")
  INFO[$g/edges]=$total
  INFO[$g/nodes]=$(sql_value "SELECT count(*) FROM bench_nodes")
  INFO[$g/closure]=${F[shape]%%|*}
  INFO[$g/depth]=${F[shape]#*|}
  INFO[$g/reached]=${F[reached]}
  printf '  %s edges (%s visible to %s under org 1), %s nodes; closure of the root: %s nodes, max depth %s;\n' \
    "$total" "${F[visible]}" "$APP_ROLE" "${INFO[$g/nodes]}" "${INFO[$g/closure]}" "${INFO[$g/depth]}"
  printf '  %s edges leave the root or a node of its closure (what a traversal from the root reads)\n' "${F[reached]}"
  printf '  tenancy.dependencies %s heap + %s indexes; bench_edges %s\n' \
    "$(sql_value "SELECT pg_size_pretty(pg_relation_size('tenancy.dependencies'))")" \
    "$(sql_value "SELECT pg_size_pretty(pg_indexes_size('tenancy.dependencies'))")" \
    "$(sql_value "SELECT pg_size_pretty(pg_relation_size('bench_edges'))")"
  [[ ${F[visible]} == "$total" ]] || { echo "  org 1 does not see every edge" >&2; FAILED=1; }
  compare "$g" "peer 1 = tenancy (node, depth), to depth $VERIFY_DEPTH" "${F[t_limited]}" "${F[p1_limited]}"
  compare "$g" "peer 2 = tenancy (node set)" "${F[t_nodes]}" "${F[p2]}"
  compare "$g" "peer 3 = tenancy (node set)" "${F[t_nodes]}" "${F[p3_nodes]}"
  compare "$g" "peer 3 = tenancy (node, depth)" "${F[t_depth]}" "${F[p3_depth]}"
  T_DEPTH_FP=${F[t_depth]}
}

# Shows the plan shape of peer 2 (EXPLAIN, costs off) as bench_app.
show_peer2_plan() {
  local plan
  plan=$({ echo "$APP_PRELUDE"; echo "EXPLAIN (COSTS OFF) $Q_PEER2;"; } | sql -At |
         grep -v '^ *\(Index Cond\|Filter\|Hash Cond\|Join Filter\|SubPlan\|InitPlan\|Recheck Cond\|One-Time Filter\):' |
         sed 's/^ *\(-> *\)\{0,1\}//; s/ on .*//; s/ using .*//' | paste -sd'|' | sed 's/|/ -> /g')
  echo "  peer 2 plan (bench_app): $plan"
}

# Runs one timing session: psql input from stdin, as bench_app unless $1 = superuser; prints
# the "label|ms|count" lines.
timing_session() {
  local role=${1:-app}
  {
    # The superuser's session loads the library untimed too (the app's does in set_context).
    if [[ $role == app ]]; then echo "$APP_PRELUDE"; else echo "\\o /dev/null"; echo "SET jit = $JIT;"; echo "SELECT tenancy.current_org_id();"; echo "\\o"; fi
    echo "SET statement_timeout = '${GUARD_TIMEOUT}s';"
    cat
  } | sql -At
}

# Adds a timed run (ms, count) of answer $2 on graph $1; checks the row count.
record() {
  local g=$1 answer=$2 ms=$3 count=$4 expected=${INFO[$1/closure]}
  [[ $answer == peer3 ]] && expected=$((expected + 1)) # pgRouting lists the root (depth 0)
  RUNS[$g/$answer]="${RUNS[$g/$answer]:-} $ms"
  if [[ $count != "$expected" ]]; then
    echo "  $answer returned $count rows, expected $expected" >&2
    FAILED=1
  fi
}

# Times the answers of graph $1: BENCH_REPS rounds, each answer in a new session.
time_answers() {
  local g=$1 rep label ms count line n
  for ((rep = 1; rep <= REPS; rep++)); do
    line="  round $rep:" n=0
    while IFS='|' read -r label ms count; do
      record "$g" "$label" "$ms" "$count"
      line+=" $label $ms ms;" n=$((n + 1))
    done < <(
      { timed "$Q_TENANCY" tenancy_first; timed "$Q_TENANCY" tenancy_cached; } | timing_session app
      timed "$Q_PEER2" peer2 | timing_session app
      { timed "$Q_TENANCY" tenancy_norls; timed "$Q_PEER2" peer2_norls; } | timing_session superuser
      {
        # Loads pgRouting's library and plans its SQL functions once (untimed).
        echo "\\o /dev/null"
        echo "SELECT count(*) FROM pgr_breadthFirstSearch('SELECT 1::bigint AS id, 1::bigint AS source, 2::bigint AS target, 1.0::float8 AS cost', 1);"
        echo "\\o"
        timed "$Q_PEER3" peer3
      } | timing_session app)
    echo "$line"
    if [[ $n != 6 ]]; then
      echo "a timing session of $g failed (round $rep: $n of 6 timings)" >&2
      exit 1
    fi
  done
  for label in "${ANSWERS[@]}"; do
    # shellcheck disable=SC2086  # RUNS holds space-separated numbers
    [[ $label == peer1 ]] || MEDIAN[$g/$label]=$(median ${RUNS[$g/$label]})
  done
}

# Runs peer 1 once on graph $1 under statement_timeout $2 seconds; when it finishes, checks its
# full answer against tenancy's.
time_peer1() {
  local g=$1 timeout=$2 out started=$SECONDS label ms count
  out=$({
    echo "\\o /dev/null"
    echo "SET temp_file_limit = '$TEMP_FILE_LIMIT';"
    echo "\\o"
    echo "$APP_PRELUDE"
    echo "SET statement_timeout = '${timeout}s';"
    timed "$(peer1_sql)" peer1
  } | psql -X -q -At 2>&1) || true
  if IFS='|' read -r label ms count <<<"$(grep '^peer1|' <<<"$out")" && [[ -n ${ms:-} ]]; then
    record "$g" peer1 "$ms" "$count"
    PEER1[$g]=$(printf '%.1f ms' "$ms")
    local full
    full=$({
      echo "\\o /dev/null"
      echo "SET temp_file_limit = '$TEMP_FILE_LIMIT';"
      echo "\\o"
      echo "$APP_PRELUDE"
      echo "SET statement_timeout = '$((timeout * 2))s';"
      echo "$(fingerprint_sql "$(peer1_sql)" with_depth);"
    } | sql -At) || full="(the check run failed)"
    echo "  peer 1 finished in $ms ms"
    compare "$g" "peer 1 = tenancy (node, depth), full" "$T_DEPTH_FP" "$full"
  elif grep -q 'statement timeout' <<<"$out"; then
    PEER1[$g]="did not finish in $timeout s"
    echo "  peer 1 did not finish in $timeout s (statement_timeout)"
  elif grep -q 'temp_file_limit' <<<"$out"; then
    # Its working tables spill to temporary files; the limit may stop it before the timeout.
    local elapsed=$((SECONDS - started))
    if ((elapsed >= timeout)); then
      PEER1[$g]="did not finish in $timeout s (stopped by temp_file_limit $TEMP_FILE_LIMIT)"
    else
      PEER1[$g]="did not finish: stopped by temp_file_limit $TEMP_FILE_LIMIT after ~$elapsed s"
    fi
    echo "  peer 1 ${PEER1[$g]}"
  else
    echo "  peer 1 failed:" >&2
    tail -n 5 <<<"$out" >&2
    PEER1[$g]="failed"
    FAILED=1
  fi
}

# DAG only: in one session (a) first call, (b) cached call, another session inserts an edge from
# the root to a new node, (c) the next call (reloads), (d) cached again; then checks that the
# new node is listed at depth 1 from the root, and deletes the edge.
invalidation() {
  local g=$1 new_org new_ent label ms count line="" found
  new_org="'$(sql_value "SELECT bench_org(1)")'::uuid"
  new_ent="'$(sql_value "SELECT bench_entity('$g', -1)")'::uuid"
  local insert="INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES ($ROOT_ORG, $ROOT_ENT, $new_org, $new_ent, 'depends_on')"
  declare -A T=() C=()
  while IFS='|' read -r label ms count; do
    T[$label]=$ms C[$label]=$count
  done < <({
    timed "$Q_TENANCY" a
    timed "$Q_TENANCY" b
    # Another session (the superuser), committed before the next call.
    echo "\\! psql -X -q -v ON_ERROR_STOP=1 -c \"$insert\""
    timed "$Q_TENANCY" c
    timed "$Q_TENANCY" d
    echo "SELECT 'found|0|' || count(*) FROM tenancy.dependency_closure($ROOT_ORG, $ROOT_ENT, 'downstream')
           WHERE org_id = $new_org AND entity_id = $new_ent AND depth = 1
             AND parent_org_id = $ROOT_ORG AND parent_entity_id = $ROOT_ENT;"
  } | timing_session app)
  sql_value "DELETE FROM tenancy.dependencies WHERE source_org_id = $ROOT_ORG AND target_entity_id = $new_ent" >/dev/null
  INFO[$g/inv_a]=${T[a]} INFO[$g/inv_b]=${T[b]} INFO[$g/inv_c]=${T[c]} INFO[$g/inv_d]=${T[d]}
  found=${C[found]}
  printf '  (a) first %s ms, %s rows; (b) cached %s ms; INSERT root -> new node in another session;\n' \
    "${T[a]}" "${C[a]}" "${T[b]}"
  printf '  (c) next call %s ms, %s rows (c/a %s, c/b %s); (d) again %s ms; new node listed at depth 1 under the root: %s\n' \
    "${T[c]}" "${C[c]}" "$(ratio "${T[c]}" "${T[a]}")" "$(ratio "${T[c]}" "${T[b]}")" "${T[d]}" \
    "$([[ $found == 1 && ${C[c]} == $((C[a] + 1)) ]] && echo yes || echo NO)"
  if [[ $found != 1 || ${C[c]} != $((C[a] + 1)) ]]; then FAILED=1; fi
  CHECKS[$g]+="invalidation: $([[ $found == 1 ]] && echo yes || echo NO); "
}

# DAG only: the backend's memory around the first closure call in a new session, per edge:
# VmHWM (peak resident set: private memory, but also the shared buffers and library pages the
# backend touches; the heap's pages are touched before, by a serial count over a column in no
# index, and the library is loaded by a warm-up call on a node with no edges), and the peak
# private memory estimated as VmHWM - RssShmem - RssFile after the call (shared and file pages
# stay mapped, so those are their highest values) - RssAnon before; RssAnon after the call is
# what stays (the cached graph, and freed memory malloc keeps).
memory() {
  local g=$1 out status_sed
  status_sed="sed -n 's/^\\(VmHWM\\|RssAnon\\|RssFile\\|RssShmem\\):[[:space:]]*\\([0-9]*\\) kB/PHASE_\\1|\\2/p' /proc/\$BENCH_PID/status"
  out=$(sql -At <<SQL
\\o /dev/null
SELECT pg_backend_pid() AS pid \\gset
\\setenv BENCH_PID :pid
SET max_parallel_workers_per_gather = 0;
SELECT count(created_at) FROM tenancy.dependencies;
SET jit = $JIT;
SELECT tenancy.set_context($ORG1, $USER1, is_local => false);
SET ROLE $APP_ROLE;
SELECT count(*) FROM tenancy.dependency_closure($ORG1, $ORG1, 'downstream');
\\! ${status_sed//PHASE/before}
SELECT count(*) FROM tenancy.dependency_closure($ROOT_ORG, $ROOT_ENT, 'downstream');
\\! ${status_sed//PHASE/after}
SQL
  )
  declare -A M=()
  local key value
  while IFS='|' read -r key value; do M[$key]=$value; done <<<"$out"
  local edges=${INFO[$g/edges]}
  per_edge() { awk -v kb="$1" -v e="$edges" 'BEGIN {printf "%.0f", kb * 1024 / e}'; }
  INFO[$g/hwm_per_edge]=$(per_edge $((M[after_VmHWM] - M[before_VmHWM])))
  INFO[$g/peak_private_per_edge]=$(per_edge $((M[after_VmHWM] - M[after_RssShmem] - M[after_RssFile] - M[before_RssAnon])))
  INFO[$g/anon_per_edge]=$(per_edge $((M[after_RssAnon] - M[before_RssAnon])))
  printf '  kB before -> after: VmHWM %s -> %s, RssAnon %s -> %s, RssShmem %s -> %s, RssFile %s -> %s\n' \
    "${M[before_VmHWM]}" "${M[after_VmHWM]}" "${M[before_RssAnon]}" "${M[after_RssAnon]}" \
    "${M[before_RssShmem]}" "${M[after_RssShmem]}" "${M[before_RssFile]}" "${M[after_RssFile]}"
  printf '  per edge: VmHWM +%s bytes; peak private memory +%s bytes; RssAnon held after the call +%s bytes\n' \
    "${INFO[$g/hwm_per_edge]}" "${INFO[$g/peak_private_per_edge]}" "${INFO[$g/anon_per_edge]}"
}

# Splits tenancy's first call on graph $1 (median of BENCH_REPS each): the whole-graph load
# alone = tenancy.dependency_cycles() first call - second call in a new session (it loads the
# whole graph directly, no level-by-level start; its second call is the SCC pass over the
# cached graph); the closure from that cached graph (no reading); and the loader's SELECT of
# every edge alone, counted, serial as a cursor is, as bench_app under RLS and as the
# superuser without. Level-by-level start ~= first call - load - closure from the cache.
split() {
  local g=$1 rep label ms count
  local scan="SELECT d.source_org_id, d.source_entity_id, d.target_org_id, d.target_entity_id, d.dependency_type::text FROM tenancy.dependencies d"
  declare -A R=()
  for ((rep = 1; rep <= REPS; rep++)); do
    while IFS='|' read -r label ms count; do R[$label]+=" $ms"; done < <(
      {
        timed "SELECT * FROM tenancy.dependency_cycles()" cycles_first
        timed "SELECT * FROM tenancy.dependency_cycles()" cycles_cached
        timed "$Q_TENANCY" closure_cached
      } | timing_session app
      { echo "SET max_parallel_workers_per_gather = 0;"; timed "$scan" scan_app; } | timing_session app
      { echo "SET max_parallel_workers_per_gather = 0;"; timed "$scan" scan_superuser; } | timing_session superuser)
  done
  # shellcheck disable=SC2086  # space-separated numbers
  for label in cycles_first cycles_cached closure_cached scan_app scan_superuser; do
    INFO[$g/$label]=$(median ${R[$label]})
  done
  INFO[$g/load]=$(awk -v a="${INFO[$g/cycles_first]}" -v b="${INFO[$g/cycles_cached]}" 'BEGIN {printf "%.1f", a - b}')
  # Measured in other sessions than the rounds: a small negative rest is noise.
  INFO[$g/levels]=$(awk -v f="${MEDIAN[$g/tenancy_first]}" -v l="${INFO[$g/load]}" -v c="${INFO[$g/closure_cached]}" \
                      'BEGIN {r = f - l - c; printf (r < 0) ? "~0 (%.1f: noise)" : "~%.1f", r}')
  printf '  dependency_cycles() first call %s ms, second (cached) %s ms (runs%s /%s): whole-graph load ~%s ms
' \
    "${INFO[$g/cycles_first]}" "${INFO[$g/cycles_cached]}" "${R[cycles_first]}" "${R[cycles_cached]}" "${INFO[$g/load]}"
  printf '  closure from that cached graph %s ms; the loader'"'"'s SELECT alone: %s ms under RLS (bench_app), %s ms without (superuser)
' \
    "${INFO[$g/closure_cached]}" "${INFO[$g/scan_app]}" "${INFO[$g/scan_superuser]}"
  printf '  so of the first call'"'"'s %s ms (median of the rounds): load %s, closure and result %s, the level-by-level start and the rest %s\n' \
    "${MEDIAN[$g/tenancy_first]}" "${INFO[$g/load]}" "${INFO[$g/closure_cached]}" "${INFO[$g/levels]}"
}

# Prints the table of graph $1 and sets MEDIAN[g/answer].
report_graph() {
  local g=$1 answer
  printf '\n%s: %s nodes, %s edges (%s of them out of the root and its closure); closure %s nodes, max depth %s (median of %s runs, ms)\n' \
    "$g" "${INFO[$g/nodes]}" "${INFO[$g/edges]}" "${INFO[$g/reached]}" "${INFO[$g/closure]}" "${INFO[$g/depth]}" "$REPS"
  printf '  %-34s %12s %14s   %s\n' "answer" "median ms" "vs tenancy (a)" "runs (ms)"
  for answer in "${ANSWERS[@]}"; do
    if [[ $answer == peer1 ]]; then
      printf '  %-34s %s\n' "${LABEL[$answer]}" "${PEER1[$g]}"
      continue
    fi
    # shellcheck disable=SC2086  # RUNS holds space-separated numbers
    MEDIAN[$g/$answer]=$(median ${RUNS[$g/$answer]})
    printf '  %-34s %12.1f %14s  %s\n' "${LABEL[$answer]}" "${MEDIAN[$g/$answer]}" \
      "$(ratio "${MEDIAN[$g/$answer]}" "${MEDIAN[$g/tenancy_first]}")" "${RUNS[$g/$answer]}"
  done
}

# Prints "met" or "NOT met": $1 compared ($2: ge or le) with $3.
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == "ge") ? v >= t : v <= t; print ok ? "met" : "NOT met"}'; }

# Prints the targets and the other ratios.
report_targets() {
  local g r
  echo
  echo "targets:"
  if [[ -n ${MEDIAN[dag/tenancy_first]:-} ]]; then
    r=$(ratio "${MEDIAN[dag/peer2]}" "${MEDIAN[dag/tenancy_first]}")
    echo "  dag: peer 2 / tenancy first call = $r (target >= 2: $(verdict "$r" ge 2))"
    r=$(ratio "${MEDIAN[dag/peer3]}" "${MEDIAN[dag/tenancy_first]}")
    echo "  dag: pgRouting / tenancy first call = $r (target >= 2: $(verdict "$r" ge 2))"
  fi
  if [[ -n ${MEDIAN[lattice/tenancy_first]:-} ]]; then
    r=$(ratio "${MEDIAN[lattice/tenancy_first]}" "${MEDIAN[lattice/peer3]}")
    echo "  lattice: tenancy first call / pgRouting = $r (target <= 2: $(verdict "$r" le 2))"
  fi
  for g in "${GRAPHS[@]}"; do
    r=$(ratio "${MEDIAN[$g/tenancy_cached]}" "${MEDIAN[$g/tenancy_first]}")
    echo "  $g: cached call / first call = $r (target <= 0.1: $(verdict "$r" le 0.1))"
  done
  echo
  echo "other ratios (answer / tenancy first call; > 1: tenancy faster):"
  for g in "${GRAPHS[@]}"; do
    printf '  %-8s peer 2 %s, peer 2 without RLS %s, pgRouting %s; tenancy cached: peer 2 / cached %s, pgRouting / cached %s; peer 1: %s\n' "$g" \
      "$(ratio "${MEDIAN[$g/peer2]}" "${MEDIAN[$g/tenancy_first]}")" \
      "$(ratio "${MEDIAN[$g/peer2_norls]}" "${MEDIAN[$g/tenancy_first]}")" \
      "$(ratio "${MEDIAN[$g/peer3]}" "${MEDIAN[$g/tenancy_first]}")" \
      "$(ratio "${MEDIAN[$g/peer2]}" "${MEDIAN[$g/tenancy_cached]}")" \
      "$(ratio "${MEDIAN[$g/peer3]}" "${MEDIAN[$g/tenancy_cached]}")" "${PEER1[$g]}"
  done
  echo "without RLS (both as superuser; what RLS adds is the same filter on every edge read):"
  for g in "${GRAPHS[@]}"; do
    printf '  %-8s peer 2 / tenancy first call = %s (with RLS %s); RLS adds %s ms to tenancy, %s ms to peer 2\n' "$g" \
      "$(ratio "${MEDIAN[$g/peer2_norls]}" "${MEDIAN[$g/tenancy_norls]}")" \
      "$(ratio "${MEDIAN[$g/peer2]}" "${MEDIAN[$g/tenancy_first]}")" \
      "$(awk -v a="${MEDIAN[$g/tenancy_first]}" -v b="${MEDIAN[$g/tenancy_norls]}" 'BEGIN {printf "%.0f", a - b}')" \
      "$(awk -v a="${MEDIAN[$g/peer2]}" -v b="${MEDIAN[$g/peer2_norls]}" 'BEGIN {printf "%.0f", a - b}')"
  done
  echo
  echo "split of tenancy's first call (ms; load = whole-graph read through SPI and build, from dependency_cycles):"
  for g in "${GRAPHS[@]}"; do
    printf '  %-8s first %s = load %s + closure and result %s + level-by-level start and rest %s; the SELECT alone %s under RLS, %s without\n' \
      "$g" "${MEDIAN[$g/tenancy_first]}" "${INFO[$g/load]}" "${INFO[$g/closure_cached]}" "${INFO[$g/levels]}" \
      "${INFO[$g/scan_app]}" "${INFO[$g/scan_superuser]}"
  done
  if [[ -n ${INFO[dag/inv_a]:-} ]]; then
    echo "dag: cache invalidation: reload after another session's INSERT ${INFO[dag/inv_c]} ms vs first call" \
         "${INFO[dag/inv_a]} ms, cached ${INFO[dag/inv_b]} ms"
    echo "dag: backend memory per edge: VmHWM +${INFO[dag/hwm_per_edge]} bytes, peak private" \
         "+${INFO[dag/peak_private_per_edge]} bytes, held afterwards (RssAnon) +${INFO[dag/anon_per_edge]} bytes"
  fi
}

main() {
  local started=$SECONDS g timeout ticks all_ticks
  all_ticks=$(cpu_ticks)
  echo "== tenancy dependency-graph benchmark (PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version'), $(nproc) CPUs)"
  echo "   graphs: ${GRAPHS[*]}; dag $DAG_NODES nodes / $DAG_EDGES edges, chain $CHAIN_NODES nodes," \
       "lattice $LATTICE_LAYERS x $LATTICE_WIDTH; $ORGS orgs; $REPS rounds; shared_buffers $SHARED_BUFFERS," \
       "work_mem $WORK_MEM, jit $JIT"
  echo "== setup"
  setup_database
  echo "  pgRouting $(sql_value "SELECT extversion FROM pg_extension WHERE extname = 'pgrouting'")," \
       "tenancy.graph_max_edges $(sql_value "LOAD 'tenancy'; SHOW tenancy.graph_max_edges")"
  for g in "${GRAPHS[@]}"; do
    echo "== $g"
    load_graph "$g"
    define_queries "$g"
    verify "$g"
    show_peer2_plan
    ticks=$(cpu_ticks)
    time_answers "$g"
    echo "  CPU steal while timing $g: $(steal_since "$ticks") of the machine's CPU time"
    split "$g"
    if [[ $g == dag ]]; then
      invalidation "$g"
      memory "$g"
    fi
    # Last: it may write up to BENCH_TEMP_FILE_LIMIT of temporary files.
    timeout=$RECURSIVE_TIMEOUT
    [[ $g == dag ]] && timeout=$DAG_RECURSIVE_TIMEOUT
    time_peer1 "$g" "$timeout"
  done
  for g in "${GRAPHS[@]}"; do report_graph "$g"; done
  report_targets
  echo
  echo "checks: $(for g in "${GRAPHS[@]}"; do printf '%s: %s' "$g" "${CHECKS[$g]}"; done)"
  echo "total time $((SECONDS - started)) s; CPU steal (time the host gave to other guests) during" \
       "the run: $(steal_since "$all_ticks"); timings taken under high steal are unreliable"
  if [[ $FAILED != 0 ]]; then
    echo "an answer differed or a step failed (see above)" >&2
    exit 1
  fi
}

main
