// Dependency graph functions (API.md section 6): edges are read through SPI (so the caller's
// row-level security applies, with the type filter in the query), turned into a CSR graph, and
// handed to the pure algorithms. Closures are read level by level through the indexes until
// they pass a quarter of the table's estimated rows (frontier_edge_budget); past that, and for
// whole-graph questions, every visible edge is read in one pass. The backend keeps one graph,
// keyed by the role, the tenant context and the type filter: the whole graph, or the subgraph a
// complete level-by-level closure read, until a change to dependencies, org_shares or
// organizations invalidates it.
extern "C" {
#include "postgres.h"

#include "catalog/namespace.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/uuid.h"
}

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "context/context_state.hpp"
#include "core/error.hpp"
#include "core/uuid.hpp"
#include "graph/graph.hpp"
#include "graph/graph_settings.hpp"
#include "graph/render.hpp"
#include "graph/traversal.hpp"
#include "pg/clock.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/spi_stream.hpp"
#include "pg/srf.hpp"

namespace {

using tenancy::Direction;
using tenancy::Error;
using tenancy::Graph;
using tenancy::GraphBuilder;
using tenancy::NodeId;
using tenancy::NodeKey;
using tenancy::Uuid;
namespace sqlstate = tenancy::sqlstate;
namespace tpg = tenancy::pg;

constexpr char kProgramLimitExceeded[] = "54000";
// Edges a level-by-level traversal may read before it switches to loading the whole graph.
constexpr size_t kFrontierEdgeBudget = 20000;
// Levels a level-by-level traversal may read before it switches (deep chains: one query each).
constexpr int kFrontierLevelBudget = 64;
// Frontier nodes per level query.
constexpr size_t kFrontierBatch = 1000;

int graph_max_edges = 10000000;

// The interrupt check handed to the pure algorithms.
void check_interrupts() { tpg::check_for_interrupts(); }

// The type filter of a call: nullopt for all types, else the sorted distinct names.
using TypeFilter = std::optional<std::vector<std::string>>;

// What a cached graph was read under.
struct CacheKey {
  Oid role = InvalidOid;
  bool has_org = false;
  Uuid org;
  TypeFilter types;
  bool operator==(const CacheKey &other) const {
    return role == other.role && has_org == other.has_org && (!has_org || org == other.org) &&
           types == other.types;
  }
};

// The backend's graph cache, for the key it was read under: the whole graph, or the subgraph a
// complete level-by-level closure explored. That subgraph holds every edge (of the types)
// leaving each of its nodes in its direction, so it answers a closure in that direction from
// any of its nodes.
struct GraphCache {
  bool valid = false;
  CacheKey key;
  bool whole = true;
  Direction direction = Direction::kDownstream;  // of a subgraph
  std::unique_ptr<Graph> graph;
};
GraphCache cache;
bool callback_registered = false;
Oid watched[3] = {InvalidOid, InvalidOid, InvalidOid};
// Invalidations of the watched tables seen so far. A graph is cached only when none arrived
// between the start of its call and the end of its read: one that did may have been read under
// a snapshot that misses the change.
uint64_t invalidations = 0;

// Relcache callback: a change to one of the watched tables (rows, through the statement
// triggers, or definition) invalidates the cache. The graph itself is freed at the next call's
// sync, never here: the callback can run in the middle of a call that is reading the graph
// (any lock or catalog access accepts invalidations, a tuplestore spilling to disk included).
void invalidate_graph_cache(Datum, Oid relation) {
  for (const Oid oid : watched) {
    if (relation == InvalidOid || (oid != InvalidOid && relation == oid)) {
      ++invalidations;
      cache.valid = false;
      return;
    }
  }
}

// Registers the callback and resolves the watched tables' OIDs; PostgreSQL calls only.
void watch_tables() {
  if (!callback_registered) {
    CacheRegisterRelcacheCallback(invalidate_graph_cache, Datum(0));
    callback_registered = true;
  }
  const Oid schema = get_namespace_oid("tenancy", false);
  watched[0] = get_relname_relid("dependencies", schema);
  watched[1] = get_relname_relid("org_shares", schema);
  watched[2] = get_relname_relid("organizations", schema);
}

// Applies pending invalidations (another session's committed changes empty the cache here)
// and makes sure the watched tables are known.
void sync_cache_with_changes() {
  tpg::pg_call([] {
    AcceptInvalidationMessages();
    watch_tables();
  });
  if (!cache.valid) cache.graph.reset();
}

// The key of this call: the current role, the tenant context's organization, the types.
CacheKey current_key(const TypeFilter &types) {
  CacheKey key;
  key.role = GetUserId();
  const auto context = tenancy::current_tenant_context(tpg::statement_unix_microseconds());
  key.has_org = context.org_id != nullptr;
  if (key.has_org) key.org = tenancy::uuid_from_bytes(context.org_id);
  key.types = types;
  return key;
}

// The types argument n: NULL means all types; an array of names (NULL elements refused).
TypeFilter types_arg(FunctionCallInfo fcinfo, int n) {
  if (PG_ARGISNULL(n)) return std::nullopt;
  ArrayType *array = tpg::pg_call([&] { return PG_GETARG_ARRAYTYPE_P(n); });
  Datum *elements = nullptr;
  bool *nulls = nullptr;
  int count = 0;
  tpg::pg_call([&] {
    deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
  });
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    if (nulls[i]) throw Error(sqlstate::kInvalidParameterValue, "types must not contain NULL");
    names.push_back(tpg::text_from_datum(elements[i]));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// The types as a text[] Datum for a query (NULL when unfiltered).
Datum types_datum(const TypeFilter &types, bool *is_null) {
  *is_null = !types.has_value();
  if (!types) return Datum(0);
  std::vector<Datum> elements;
  for (const std::string &name : *types) elements.push_back(tpg::text_datum(name));
  return tpg::pg_call([&] {
    return PointerGetDatum(construct_array(elements.data(), static_cast<int>(elements.size()),
                                           TEXTOID, -1, false, TYPALIGN_INT));
  });
}

// A uuid column value.
Uuid uuid_value(Datum value) { return tenancy::uuid_from_bytes(DatumGetUUIDP(value)->data); }

// Refuses a graph beyond tenancy.graph_max_edges (54000) before it can exhaust memory.
void check_edge_limit(size_t edges) {
  if (edges > static_cast<size_t>(graph_max_edges)) {
    throw Error(kProgramLimitExceeded,
                "the dependency graph has more than tenancy.graph_max_edges (" +
                    std::to_string(graph_max_edges) + ") visible edges",
                "The traversal was stopped before loading more. A loaded graph holds about 16 "
                "bytes of backend memory per edge and 150 per node (about 40 per edge while it "
                "is built); reading level by level takes a few hundred per edge while it lasts.",
                "Narrow it with types, or raise tenancy.graph_max_edges.");
  }
}

// Adds one fetched edge row (source org, source entity, target org, target entity, type).
void add_row(GraphBuilder &builder, const tpg::SpiRow &row) {
  const NodeKey source{uuid_value(row.values[0]), uuid_value(row.values[1])};
  const NodeKey target{uuid_value(row.values[2]), uuid_value(row.values[3])};
  builder.add_edge(source, target, tpg::text_view(row.values[4]));
  check_edge_limit(builder.edge_count());
}

const std::vector<Oid> kEdgeColumns = {UUIDOID, UUIDOID, UUIDOID, UUIDOID, TEXTOID};

// True when the cache holds a graph for key within tenancy.graph_max_edges. A cached graph over
// a since-lowered limit is dropped, so that answers never depend on what was cached: the next
// load fails as it would have without the cache.
bool cached_graph_usable(const CacheKey &key) {
  if (!cache.valid || !(cache.key == key)) return false;
  if (cache.graph->edge_count() <= static_cast<size_t>(graph_max_edges)) return true;
  cache.valid = false;
  cache.graph.reset();
  return false;
}

// True when the cache holds the whole graph for key.
bool cached_whole_graph_usable(const CacheKey &key) {
  return cached_graph_usable(key) && cache.whole;
}

// True when the cache can answer a closure from start in direction for key.
bool cached_closure_usable(const CacheKey &key, const NodeKey &start, Direction direction) {
  if (!cached_graph_usable(key)) return false;
  return cache.whole ||
         (cache.direction == direction && cache.graph->find(start) != tenancy::kNoNode);
}

// Replaces the cache with graph, read under key (whole, or a subgraph closed in direction),
// and returns it. It counts as cached only when no invalidation arrived since generation (the
// count at the start of the call) and the transaction's snapshot is not fixed (under REPEATABLE
// READ the read may miss changes committed since, whose invalidations were already consumed).
const Graph &cache_graph(const CacheKey &key, std::unique_ptr<Graph> graph, bool whole,
                         Direction direction, uint64_t generation) {
  cache.valid = false;
  cache.graph = std::move(graph);
  cache.key = key;
  cache.whole = whole;
  cache.direction = direction;
  cache.valid = invalidations == generation && !IsolationUsesXactSnapshot();
  return *cache.graph;
}

// Reads every visible edge (of the types) in one pass.
Graph load_whole_graph(const TypeFilter &types) {
  static tpg::SpiStatement statement(
      "SELECT d.source_org_id, d.source_entity_id, d.target_org_id, d.target_entity_id, "
      "d.dependency_type::pg_catalog.text FROM tenancy.dependencies d "
      "WHERE $1 IS NULL OR d.dependency_type OPERATOR(pg_catalog.=) ANY ($1)",
      {TEXTARRAYOID});
  GraphBuilder builder;
  tpg::SpiConnection connection;
  bool types_null = false;
  Datum argument = types_datum(types, &types_null);
  const char nulls[] = {types_null ? 'n' : ' ', '\0'};
  tpg::stream_rows(statement, &argument, nulls, kEdgeColumns,
                   [&](const tpg::SpiRow &row) { add_row(builder, row); });
  connection.finish();
  return builder.build();
}

// The whole graph for this call's key, from the cache or freshly read (and then cached unless
// an invalidation arrived since generation, the count when the call began: a caller that has
// already read level by level passes its own, since its statement's snapshot is older than
// anything consumed meanwhile).
const Graph &whole_graph(const TypeFilter &types, uint64_t generation) {
  sync_cache_with_changes();
  const CacheKey key = current_key(types);
  if (cached_whole_graph_usable(key)) return *cache.graph;
  cache.valid = false;
  cache.graph.reset();
  return cache_graph(key, std::make_unique<Graph>(load_whole_graph(types)), true,
                     Direction::kDownstream, generation);
}

// The whole graph, for a call that starts with it.
const Graph &whole_graph(const TypeFilter &types) { return whole_graph(types, invalidations); }

// Reads the edges out of the given nodes (direction: source side for downstream, target side
// for upstream) into builder, and their far ends into far_ends; returns how many rows were read.
size_t read_level(const std::vector<NodeKey> &nodes, Direction direction, const TypeFilter &types,
                  GraphBuilder &builder, std::vector<NodeKey> &far_ends) {
  static tpg::SpiStatement downstream(
      "SELECT d.source_org_id, d.source_entity_id, d.target_org_id, d.target_entity_id, "
      "d.dependency_type::pg_catalog.text FROM tenancy.dependencies d "
      "JOIN ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]), "
      "pg_catalog.unnest($2::pg_catalog.uuid[])) AS f(o, e) "
      "ON d.source_org_id OPERATOR(pg_catalog.=) f.o AND d.source_entity_id OPERATOR(pg_catalog.=) "
      "f.e "
      "WHERE $3 IS NULL OR d.dependency_type OPERATOR(pg_catalog.=) ANY ($3)",
      {UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID});
  static tpg::SpiStatement upstream(
      "SELECT d.source_org_id, d.source_entity_id, d.target_org_id, d.target_entity_id, "
      "d.dependency_type::pg_catalog.text FROM tenancy.dependencies d "
      "JOIN ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]), "
      "pg_catalog.unnest($2::pg_catalog.uuid[])) AS f(o, e) "
      "ON d.target_org_id OPERATOR(pg_catalog.=) f.o AND d.target_entity_id OPERATOR(pg_catalog.=) "
      "f.e "
      "WHERE $3 IS NULL OR d.dependency_type OPERATOR(pg_catalog.=) ANY ($3)",
      {UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID});
  std::vector<Datum> orgs, entities;
  for (const NodeKey &node : nodes) {
    orgs.push_back(tpg::uuid_view_datum(node.org));
    entities.push_back(tpg::uuid_view_datum(node.entity));
  }
  Datum arguments[3];
  tpg::pg_call([&] {
    arguments[0] = PointerGetDatum(construct_array(orgs.data(), static_cast<int>(orgs.size()),
                                                   UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
    arguments[1] =
        PointerGetDatum(construct_array(entities.data(), static_cast<int>(entities.size()), UUIDOID,
                                        UUID_LEN, false, TYPALIGN_CHAR));
  });
  bool types_null = false;
  arguments[2] = types_datum(types, &types_null);
  const char nulls[] = {' ', ' ', types_null ? 'n' : ' ', '\0'};
  const int far_org = direction == Direction::kDownstream ? 2 : 0;
  return tpg::stream_rows(direction == Direction::kDownstream ? downstream : upstream, arguments,
                          nulls, kEdgeColumns, [&](const tpg::SpiRow &row) {
                            add_row(builder, row);
                            far_ends.push_back(NodeKey{uuid_value(row.values[far_org]),
                                                       uuid_value(row.values[far_org + 1])});
                          });
}

// True when node is an end of a visible edge (of the types).
bool is_visible_node(const NodeKey &node, const TypeFilter &types) {
  static tpg::SpiStatement statement(
      "SELECT EXISTS (SELECT 1 FROM tenancy.dependencies d "
      "WHERE ((d.source_org_id OPERATOR(pg_catalog.=) $1 AND d.source_entity_id "
      "OPERATOR(pg_catalog.=) $2) "
      "OR (d.target_org_id OPERATOR(pg_catalog.=) $1 AND d.target_entity_id OPERATOR(pg_catalog.=) "
      "$2)) "
      "AND ($3 IS NULL OR d.dependency_type OPERATOR(pg_catalog.=) ANY ($3)))",
      {UUIDOID, UUIDOID, TEXTARRAYOID});
  bool types_null = false;
  Datum arguments[3] = {tpg::uuid_datum(node.org), tpg::uuid_datum(node.entity),
                        types_datum(types, &types_null)};
  const char nulls[] = {' ', ' ', types_null ? 'n' : ' ', '\0'};
  bool visible = false;
  tpg::SpiCursorReader reader(statement, arguments, nulls, {BOOLOID}, 1);
  reader.for_each([&](const tpg::SpiRow &row) { visible = DatumGetBool(row.values[0]); });
  return visible;
}

// Edges a level-by-level traversal may read before it switches to loading the whole graph.
// Reading through the index costs a few times more per edge than the one-pass scan, so it pays
// while the closure is a small part of the table: up to a quarter of the table's estimated rows
// (pg_class.reltuples; unknown before the first ANALYZE), and never fewer than
// kFrontierEdgeBudget edges.
size_t frontier_edge_budget() {
  float4 estimated_rows = -1;
  tpg::pg_call([&] {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(watched[0]));
    if (HeapTupleIsValid(tuple)) {
      estimated_rows = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->reltuples;
      ReleaseSysCache(tuple);
    }
  });
  const size_t quarter = estimated_rows > 0 ? static_cast<size_t>(estimated_rows / 4) : 0;
  return std::max(kFrontierEdgeBudget, quarter);
}

// The graph a closure from start needs: the cached graph when it can answer; otherwise the
// edges read level by level from start (to max_depth), unless more than the budget is read, in
// which case the whole graph is loaded (and cached). A level-by-level read that reached every
// node (not cut by max_depth) is cached, so that a repeated closure costs no query; one cut by
// max_depth is returned in local.
const Graph &graph_for_closure(const NodeKey &start, Direction direction, int max_depth,
                               const TypeFilter &types, std::unique_ptr<Graph> &local) {
  const uint64_t generation = invalidations;
  sync_cache_with_changes();
  const CacheKey key = current_key(types);
  if (cached_closure_usable(key, start, direction)) return *cache.graph;
  const size_t edge_budget = frontier_edge_budget();
  GraphBuilder builder;
  tenancy::NodeIndex visited;
  visited.insert(start, 0);
  std::vector<NodeKey> frontier{start};
  size_t read = 0;
  bool over_budget = false;
  {
    tpg::SpiConnection connection;
    int depth = 0;
    for (; !frontier.empty() && (max_depth < 0 || depth < max_depth) && read <= edge_budget &&
           depth <= kFrontierLevelBudget;
         ++depth) {
      std::vector<NodeKey> far_ends;
      for (size_t begin = 0; begin < frontier.size() && read <= edge_budget;
           begin += kFrontierBatch) {
        tpg::check_for_interrupts();
        const size_t end = std::min(frontier.size(), begin + kFrontierBatch);
        read += read_level(std::vector<NodeKey>(frontier.begin() + begin, frontier.begin() + end),
                           direction, types, builder, far_ends);
      }
      std::vector<NodeKey> next;
      for (const NodeKey &node : far_ends) {
        if (visited.insert(node, 0).second) next.push_back(node);
      }
      // In index order, so that each level's probes walk the index forwards.
      std::sort(next.begin(), next.end(), tenancy::key_less);
      frontier = std::move(next);
    }
    over_budget = read > edge_budget || depth > kFrontierLevelBudget;
    // A visible node with no edge in this direction (or max_depth 0) is still a node: the
    // answer must not depend on whether the whole graph happens to be cached.
    if (!over_budget && is_visible_node(start, types)) builder.intern(start);
    connection.finish();
  }
  if (over_budget) return whole_graph(types, generation);
  auto graph = std::make_unique<Graph>(builder.build());
  // A complete subgraph is cached, unless it is empty or would evict a whole graph (which
  // answers every question; a subgraph answers closures in one direction only).
  const bool keeps_whole_graph = cache.valid && cache.whole;
  if (frontier.empty() && graph->edge_count() > 0 && !keeps_whole_graph) {
    return cache_graph(key, std::move(graph), false, direction, generation);
  }
  local = std::move(graph);
  return *local;
}

// The dependency type names of a graph as text Datums, each made once per call (a closure's
// rows share a few types).
class TypeNameDatums {
 public:
  explicit TypeNameDatums(const Graph &graph) : graph_(graph) {}
  // The text Datum of type (palloc'd in the current memory context on first use).
  Datum datum(uint32_t type) {
    if (type >= datums_.size()) datums_.resize(type + 1, Datum(0));
    if (datums_[type] == Datum(0)) datums_[type] = tpg::text_datum(graph_.type_name(type));
    return datums_[type];
  }

 private:
  const Graph &graph_;
  std::vector<Datum> datums_;
};

// 22023 unless the text is one of the two directions.
Direction direction_arg(FunctionCallInfo fcinfo, int n) {
  tpg::require_argument(fcinfo, n, "direction");
  const std::string text = tpg::text_arg(fcinfo, n);
  if (text == "downstream") return Direction::kDownstream;
  if (text == "upstream") return Direction::kUpstream;
  throw Error(sqlstate::kInvalidParameterValue, "direction must be downstream or upstream");
}

// -1 for NULL (unlimited); 22023 for a negative depth.
int max_depth_arg(FunctionCallInfo fcinfo, int n) {
  if (PG_ARGISNULL(n)) return -1;
  const int depth = PG_GETARG_INT32(n);
  if (depth < 0) throw Error(sqlstate::kInvalidParameterValue, "max_depth must not be negative");
  return depth;
}

// A node argument pair (org, entity), both required.
NodeKey node_arg(FunctionCallInfo fcinfo, int org, int entity, const char *org_name,
                 const char *entity_name) {
  tpg::require_argument(fcinfo, org, org_name);
  tpg::require_argument(fcinfo, entity, entity_name);
  return NodeKey{tpg::uuid_arg(fcinfo, org), tpg::uuid_arg(fcinfo, entity)};
}

}  // namespace

namespace tenancy {

// The setting.
void define_graph_settings() {
  DefineCustomIntVariable(
      "tenancy.graph_max_edges", "Most visible edges a dependency traversal may load into memory.",
      "A larger graph fails with 54000 instead of exhausting memory.", &graph_max_edges,
      graph_max_edges, 1, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

}  // namespace tenancy

// dependency_closure(org_id, entity_id, direction, max_depth, types) RETURNS TABLE(org_id,
// entity_id, depth, parent_org_id, parent_entity_id, dependency_type)
TENANCY_FUNCTION(tenancy_dependency_closure) {
  const NodeKey start = node_arg(fcinfo, 0, 1, "org_id", "entity_id");
  const Direction direction = direction_arg(fcinfo, 2);
  const int max_depth = max_depth_arg(fcinfo, 3);
  const TypeFilter types = types_arg(fcinfo, 4);
  tpg::MaterializedRows rows(fcinfo);
  std::unique_ptr<Graph> local;
  const Graph &graph = graph_for_closure(start, direction, max_depth, types, local);
  const NodeId root = graph.find(start);
  const auto entries = tenancy::closure(graph, root, direction, max_depth, check_interrupts);
  TypeNameDatums type_names(graph);
  for (const tenancy::ClosureEntry &entry : entries) {
    tpg::check_for_interrupts();
    const NodeKey &node = graph.key(entry.node);
    const NodeKey &parent = graph.key(entry.parent);
    Datum values[6] = {tpg::uuid_view_datum(node.org),      tpg::uuid_view_datum(node.entity),
                       Int32GetDatum(entry.depth),          tpg::uuid_view_datum(parent.org),
                       tpg::uuid_view_datum(parent.entity), type_names.datum(entry.type)};
    const bool nulls[6] = {false, false, false, false, false, false};
    rows.add_row(values, nulls);
  }
  return Datum(0);
}

// dependency_path(from_org, from_entity, to_org, to_entity, types) RETURNS TABLE(step, org_id,
// entity_id, dependency_type): a shortest downstream path, or no rows.
TENANCY_FUNCTION(tenancy_dependency_path) {
  const NodeKey from = node_arg(fcinfo, 0, 1, "from_org", "from_entity");
  const NodeKey to = node_arg(fcinfo, 2, 3, "to_org", "to_entity");
  const TypeFilter types = types_arg(fcinfo, 4);
  tpg::MaterializedRows rows(fcinfo);
  std::unique_ptr<Graph> local;
  const Graph &graph = graph_for_closure(from, Direction::kDownstream, -1, types, local);
  const NodeId source = graph.find(from);
  const NodeId target = graph.find(to);
  if (source == tenancy::kNoNode || target == tenancy::kNoNode) return Datum(0);
  const auto path = tenancy::shortest_path(graph, source, target, check_interrupts);
  for (size_t i = 0; i < path.size(); ++i) {
    const NodeKey &node = graph.key(path[i].node);
    const bool first = path[i].type == tenancy::kNoType;
    Datum values[4] = {Int32GetDatum(static_cast<int32>(i)), tpg::uuid_view_datum(node.org),
                       tpg::uuid_view_datum(node.entity),
                       first ? Datum(0) : tpg::text_datum(graph.type_name(path[i].type))};
    const bool nulls[4] = {false, false, false, first};
    rows.add_row(values, nulls);
  }
  return Datum(0);
}

// dependency_cycles(types) RETURNS TABLE(cycle_id, position, org_id, entity_id)
TENANCY_FUNCTION(tenancy_dependency_cycles) {
  const TypeFilter types = types_arg(fcinfo, 0);
  tpg::MaterializedRows rows(fcinfo);
  const Graph &graph = whole_graph(types);
  const auto components = tenancy::cycles(graph, check_interrupts);
  for (size_t c = 0; c < components.size(); ++c) {
    for (size_t p = 0; p < components[c].size(); ++p) {
      const NodeKey &node = graph.key(components[c][p]);
      Datum values[4] = {Int32GetDatum(static_cast<int32>(c + 1)),
                         Int32GetDatum(static_cast<int32>(p + 1)), tpg::uuid_view_datum(node.org),
                         tpg::uuid_view_datum(node.entity)};
      const bool nulls[4] = {false, false, false, false};
      rows.add_row(values, nulls);
    }
  }
  return Datum(0);
}

// dependency_order(types) RETURNS TABLE(position, org_id, entity_id); 55000 naming a cycle.
TENANCY_FUNCTION(tenancy_dependency_order) {
  const TypeFilter types = types_arg(fcinfo, 0);
  tpg::MaterializedRows rows(fcinfo);
  const Graph &graph = whole_graph(types);
  const auto result = tenancy::topological_order(graph, check_interrupts);
  if (!result.cycle.empty()) {
    std::string names;
    for (const NodeId node : result.cycle) {
      names += tenancy::format_uuid(graph.key(node).org) + "/" +
               tenancy::format_uuid(graph.key(node).entity) + " -> ";
    }
    names += tenancy::format_uuid(graph.key(result.cycle[0]).org) + "/" +
             tenancy::format_uuid(graph.key(result.cycle[0]).entity);
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "the dependency graph has a cycle, so it has no topological order",
                "Cycle: " + names, "tenancy.dependency_cycles() lists every cycle.");
  }
  for (size_t i = 0; i < result.order.size(); ++i) {
    const NodeKey &node = graph.key(result.order[i]);
    Datum values[3] = {Int32GetDatum(static_cast<int32>(i + 1)), tpg::uuid_view_datum(node.org),
                       tpg::uuid_view_datum(node.entity)};
    const bool nulls[3] = {false, false, false};
    rows.add_row(values, nulls);
  }
  return Datum(0);
}

// dependency_graph(org_id, entity_id, direction, format, max_depth) RETURNS text
TENANCY_FUNCTION(tenancy_dependency_graph) {
  const NodeKey start = node_arg(fcinfo, 0, 1, "org_id", "entity_id");
  const Direction direction = direction_arg(fcinfo, 2);
  tpg::require_argument(fcinfo, 3, "format");
  const std::string format_text = tpg::text_arg(fcinfo, 3);
  tenancy::GraphFormat format;
  if (format_text == "mermaid") {
    format = tenancy::GraphFormat::kMermaid;
  } else if (format_text == "dot") {
    format = tenancy::GraphFormat::kDot;
  } else {
    throw Error(sqlstate::kInvalidParameterValue, "format must be mermaid or dot");
  }
  const int max_depth = max_depth_arg(fcinfo, 4);
  std::unique_ptr<Graph> local;
  const Graph &graph = graph_for_closure(start, direction, max_depth, std::nullopt, local);
  const NodeId root = graph.find(start);
  if (root == tenancy::kNoNode) PG_RETURN_NULL();
  const auto entries = tenancy::closure(graph, root, direction, max_depth, check_interrupts);
  return tpg::text_datum(tenancy::render_closure(graph, root, entries, direction, format));
}
