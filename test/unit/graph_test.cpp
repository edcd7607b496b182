// Tests of the dependency-graph core in graph/: the CSR graph, the traversals (closure, shortest
// path, cycles, topological order) against naive references on generated graphs, million-node
// chains and rings (the code is iterative, so no stack overflow), and the Mermaid/DOT drawing.
#include "graph/graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/uuid.hpp"
#include "graph/render.hpp"
#include "graph/traversal.hpp"

namespace {

using tenancy::Arc;
using tenancy::ClosureEntry;
using tenancy::Direction;
using tenancy::escape_dot;
using tenancy::escape_mermaid;
using tenancy::format_uuid;
using tenancy::Graph;
using tenancy::GraphBuilder;
using tenancy::GraphFormat;
using tenancy::key_less;
using tenancy::kNoNode;
using tenancy::kNoType;
using tenancy::NodeId;
using tenancy::NodeKey;
using tenancy::NodeKeyHash;
using tenancy::parse_uuid;
using tenancy::PathStep;
using tenancy::Uuid;

// Short names for the two directions.
constexpr Direction kDown = Direction::kDownstream;
constexpr Direction kUp = Direction::kUpstream;

// ---------------------------------------------------------------------------------------------
// Keys from integers.

// A uuid whose first four bytes are value, big-endian, so uuids order as their values do.
Uuid numbered_uuid(uint32_t value, uint8_t tag) {
  Uuid uuid;
  for (int i = 0; i < 4; ++i) uuid.bytes[i] = static_cast<uint8_t>(value >> (24 - 8 * i));
  uuid.bytes[6] = 0x40;
  uuid.bytes[8] = 0x80;
  uuid.bytes[15] = tag;
  return uuid;
}

// The key of node number i among orgs organizations: organization i % orgs, entity i.
NodeKey node_key(int i, int orgs) {
  return NodeKey{numbered_uuid(static_cast<uint32_t>(i % orgs), 0x0a),
                 numbered_uuid(static_cast<uint32_t>(i), 0x0e)};
}

// ---------------------------------------------------------------------------------------------
// Interrupt checks (plain function pointers, so they count in globals).

// Calls of the interrupt check so far, and the call on which throwing_check throws (0: never).
long g_checks = 0;
long g_throw_on = 0;

// What throwing_check throws, as PostgreSQL's query cancel would.
struct Interrupted {};

// An interrupt check that only counts its calls.
void counting_check() { ++g_checks; }

// An interrupt check that counts its calls and throws on call number g_throw_on.
void throwing_check() {
  if (++g_checks == g_throw_on) throw Interrupted{};
}

// Resets the call count; throwing_check will throw on call throw_on (0: never).
void reset_checks(long throw_on = 0) {
  g_checks = 0;
  g_throw_on = throw_on;
}

// ---------------------------------------------------------------------------------------------
// Generated graphs, kept by node number next to the Graph built from them.

// An edge between node numbers: source depends on target.
struct TestEdge {
  int source;
  int target;
  std::string type;
};

// A generated graph: its edges by node number, the Graph built from them, and the mapping
// between node numbers and node ids.
struct TestGraph {
  std::string name;
  int nodes = 0;
  int orgs = 1;
  std::vector<TestEdge> edges;
  Graph graph;
  std::vector<NodeId> id;                                   // by node number
  std::vector<int> number;                                  // by node id
  std::set<std::tuple<int, int, std::string>> typed_edges;  // (source, target, type)
  std::vector<std::set<int>> out;                           // targets by source
  std::set<std::string> types;

  // True when an edge source -> target of the type exists.
  bool has_edge(int source, int target, const std::string &type) const {
    return typed_edges.count({source, target, type}) != 0;
  }
  // The node number of a node id (-1 when the id is out of range).
  int num(NodeId node) const { return node < number.size() ? number[node] : -1; }
};

// Builds a test graph: every node is interned (so isolated nodes exist) in an order shuffled by
// seed, and the edges are added in a shuffled order, so node ids and arc order differ from the
// numbers.
TestGraph make_graph(const std::string &name, int nodes, int orgs, std::vector<TestEdge> edges,
                     uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int> order(nodes);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  GraphBuilder builder;
  for (const int i : order) builder.intern(node_key(i, orgs));
  std::vector<TestEdge> shuffled = edges;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (const TestEdge &edge : shuffled) {
    builder.add_edge(node_key(edge.source, orgs), node_key(edge.target, orgs), edge.type);
  }
  TestGraph g;
  g.name = name;
  g.nodes = nodes;
  g.orgs = orgs;
  g.graph = builder.build();
  g.id.resize(nodes);
  g.number.assign(g.graph.node_count(), -1);
  g.out.resize(nodes);
  for (int i = 0; i < nodes; ++i) {
    g.id[i] = g.graph.find(node_key(i, orgs));
    if (g.id[i] < g.number.size()) g.number[g.id[i]] = i;
  }
  for (const TestEdge &edge : edges) {
    g.typed_edges.emplace(edge.source, edge.target, edge.type);
    g.out[edge.source].insert(edge.target);
    g.types.insert(edge.type);
  }
  g.edges = std::move(edges);
  return g;
}

// The dependency types generated edges get.
const char *const kTypes[] = {"uses", "calls", "owns"};

// A random type name.
std::string random_type(std::mt19937 &rng) {
  return kTypes[std::uniform_int_distribution<int>(0, 2)(rng)];
}

// count random edges among nodes; self-loops only when allowed (duplicates may occur).
std::vector<TestEdge> random_edges(int nodes, int count, bool self_loops, std::mt19937 &rng) {
  std::uniform_int_distribution<int> pick(0, nodes - 1);
  std::vector<TestEdge> edges;
  while (static_cast<int>(edges.size()) < count) {
    const int source = pick(rng);
    const int target = pick(rng);
    if (source == target && !self_loops) continue;
    edges.push_back(TestEdge{source, target, random_type(rng)});
  }
  return edges;
}

// count random edges of a DAG: each from a higher to a lower rank of a random ranking.
std::vector<TestEdge> random_dag_edges(int nodes, int count, std::mt19937 &rng) {
  std::vector<int> rank(nodes);
  std::iota(rank.begin(), rank.end(), 0);
  std::shuffle(rank.begin(), rank.end(), rng);
  std::uniform_int_distribution<int> pick(0, nodes - 1);
  std::vector<TestEdge> edges;
  while (static_cast<int>(edges.size()) < count) {
    const int a = pick(rng);
    const int b = pick(rng);
    if (a == b) continue;
    if (rank[a] > rank[b]) {
      edges.push_back(TestEdge{a, b, random_type(rng)});
    } else {
      edges.push_back(TestEdge{b, a, random_type(rng)});
    }
  }
  return edges;
}

// A stack of diamonds over 3 * diamonds + 1 nodes: top -> left, top -> right, left -> bottom,
// right -> bottom, each bottom the next top.
std::vector<TestEdge> diamond_edges(int diamonds) {
  std::vector<TestEdge> edges;
  for (int d = 0; d < diamonds; ++d) {
    const int top = 3 * d;
    edges.push_back(TestEdge{top, top + 1, "left"});
    edges.push_back(TestEdge{top, top + 2, "right"});
    edges.push_back(TestEdge{top + 1, top + 3, "left"});
    edges.push_back(TestEdge{top + 2, top + 3, "right"});
  }
  return edges;
}

// Each edge once more with a different type (and, for every third edge, a third time with the
// same type as the original).
std::vector<TestEdge> with_duplicates(std::vector<TestEdge> edges) {
  const size_t original = edges.size();
  for (size_t i = 0; i < original; ++i) {
    const TestEdge edge = edges[i];
    edges.push_back(TestEdge{edge.source, edge.target, edge.type + "-again"});
    if (i % 3 == 0) edges.push_back(edge);
  }
  return edges;
}

// The edges of other, with every node number shifted by offset.
void append_shifted(std::vector<TestEdge> &edges, const std::vector<TestEdge> &other, int offset) {
  for (const TestEdge &edge : other) {
    edges.push_back(TestEdge{edge.source + offset, edge.target + offset, edge.type});
  }
}

// The generated graphs every algorithm is compared on (fixed seeds), built once.
const std::vector<TestGraph> &generated_graphs() {
  static const std::vector<TestGraph> graphs = [] {
    std::vector<TestGraph> list;
    std::mt19937 rng(20240601);
    list.push_back(make_graph("sparse random", 200, 3, random_edges(200, 240, true, rng), 1));
    list.push_back(
        make_graph("sparse random, no self-loops", 150, 1, random_edges(150, 200, false, rng), 2));
    list.push_back(make_graph("dense random", 60, 2, random_edges(60, 1200, true, rng), 3));
    list.push_back(make_graph("sparse random DAG", 200, 4, random_dag_edges(200, 320, rng), 4));
    list.push_back(make_graph("dense random DAG", 80, 3, random_dag_edges(80, 1500, rng), 5));
    list.push_back(make_graph("diamonds", 61, 2, diamond_edges(20), 6));
    // One out-edge per node: disjoint cycles (self-loops among them) with trees hanging on.
    std::vector<TestEdge> functional;
    std::uniform_int_distribution<int> pick(0, 119);
    for (int i = 0; i < 120; ++i) functional.push_back(TestEdge{i, pick(rng), random_type(rng)});
    list.push_back(make_graph("functional", 120, 5, functional, 7));
    // A chain with self-loops on some nodes and a two-node cycle at its end.
    std::vector<TestEdge> loops;
    for (int i = 0; i + 1 < 40; ++i) loops.push_back(TestEdge{i, i + 1, "next"});
    for (int i = 0; i < 40; i += 7) loops.push_back(TestEdge{i, i, "self"});
    loops.push_back(TestEdge{39, 38, "back"});
    list.push_back(make_graph("self-loops", 40, 2, loops, 8));
    // Two random parts, a DAG part and isolated nodes, not joined.
    std::vector<TestEdge> parts;
    append_shifted(parts, random_edges(70, 110, true, rng), 0);
    append_shifted(parts, random_edges(70, 90, false, rng), 70);
    append_shifted(parts, random_dag_edges(50, 120, rng), 140);
    list.push_back(make_graph("disconnected", 210, 3, parts, 9));
    list.push_back(make_graph("duplicate edges", 120, 2,
                              with_duplicates(random_edges(120, 160, true, rng)), 10));
    list.push_back(make_graph("duplicate edges DAG", 120, 3,
                              with_duplicates(random_dag_edges(120, 200, rng)), 11));
    // A ring with chords: one big strongly connected component.
    std::vector<TestEdge> ring;
    for (int i = 0; i < 90; ++i) ring.push_back(TestEdge{i, (i + 1) % 90, "ring"});
    for (const TestEdge &chord : random_edges(90, 30, false, rng)) ring.push_back(chord);
    list.push_back(make_graph("ring with chords", 90, 4, ring, 12));
    list.push_back(make_graph("no edges", 12, 3, {}, 13));
    // Many small graphs, random or acyclic, from a single node up, for the corner cases.
    for (uint32_t k = 0; k < 60; ++k) {
      const int nodes = 1 + static_cast<int>(k % 25);
      const int orgs = 1 + static_cast<int>(k % 4);
      const int count = std::uniform_int_distribution<int>(0, 3 * nodes)(rng);
      const bool dag = k % 2 == 1 && nodes > 1;
      list.push_back(make_graph(
          "small " + std::string(dag ? "DAG " : "random ") + std::to_string(k), nodes, orgs,
          dag ? random_dag_edges(nodes, count, rng) : random_edges(nodes, count, true, rng),
          100 + k));
    }
    return list;
  }();
  return graphs;
}

// The generated graph of a name.
const TestGraph &generated(const std::string &name) {
  for (const TestGraph &g : generated_graphs()) {
    if (g.name == name) return g;
  }
  throw std::invalid_argument("no generated graph named " + name);
}

// ---------------------------------------------------------------------------------------------
// Naive references, independent of the code tested.

// The depth of an unreachable node.
constexpr int kUnreached = INT_MAX;

// Distances from root by relaxing every edge until nothing changes (Bellman-Ford with unit
// weights), edges followed forwards (downstream) or backwards (upstream).
std::vector<int> reference_depths(const TestGraph &g, int root, Direction direction) {
  std::vector<int> depth(g.nodes, kUnreached);
  depth[root] = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (const TestEdge &edge : g.edges) {
      const int from = direction == kDown ? edge.source : edge.target;
      const int to = direction == kDown ? edge.target : edge.source;
      if (depth[from] != kUnreached && depth[from] + 1 < depth[to]) {
        depth[to] = depth[from] + 1;
        changed = true;
      }
    }
  }
  return depth;
}

// reach[u][v]: v is reachable from u by zero or more edges (a worklist over the set adjacency).
std::vector<std::vector<bool>> reachability(const TestGraph &g) {
  std::vector<std::vector<bool>> reach(g.nodes, std::vector<bool>(g.nodes, false));
  for (int u = 0; u < g.nodes; ++u) {
    std::vector<int> work{u};
    reach[u][u] = true;
    while (!work.empty()) {
      const int node = work.back();
      work.pop_back();
      for (const int next : g.out[node]) {
        if (reach[u][next]) continue;
        reach[u][next] = true;
        work.push_back(next);
      }
    }
  }
  return reach;
}

// The reference cycles: u and v share a component iff each reaches the other; kept are the
// components of more than one node and single nodes with an edge to themselves.
std::set<std::set<int>> reference_cycles(const TestGraph &g) {
  const auto reach = reachability(g);
  std::set<std::set<int>> components;
  for (int u = 0; u < g.nodes; ++u) {
    std::set<int> component;
    for (int v = 0; v < g.nodes; ++v) {
      if (reach[u][v] && reach[v][u]) component.insert(v);
    }
    if (component.size() > 1 || g.out[u].count(u) != 0) components.insert(component);
  }
  return components;
}

// The order a key-tie-broken Kahn's algorithm must give, found naively: repeatedly the
// smallest-key unplaced node whose targets are all placed; empty when stuck on a cycle.
std::vector<int> reference_topological_order(const TestGraph &g) {
  std::vector<bool> placed(g.nodes, false);
  std::vector<int> order;
  for (int step = 0; step < g.nodes; ++step) {
    int best = -1;
    for (int v = 0; v < g.nodes; ++v) {
      if (placed[v]) continue;
      const bool ready =
          std::all_of(g.out[v].begin(), g.out[v].end(), [&](int target) { return placed[target]; });
      if (!ready) continue;
      if (best < 0 || key_less(node_key(v, g.orgs), node_key(best, g.orgs))) best = v;
    }
    if (best < 0) return {};
    placed[best] = true;
    order.push_back(best);
  }
  return order;
}

// ---------------------------------------------------------------------------------------------
// Checks against the references.

// Checks closure(root, direction, max_depth) against the reference depths: the same nodes at
// the same depths, the root not listed, BFS order, and each parent one level up and joined to
// its node by an edge of the entry's type (parent -> node downstream, node -> parent upstream).
void check_closure(const TestGraph &g, int root, Direction direction, int max_depth) {
  SCOPED_TRACE("root " + std::to_string(root) + (direction == kDown ? " down" : " up") +
               " max_depth " + std::to_string(max_depth));
  reset_checks();
  const std::vector<ClosureEntry> entries =
      tenancy::closure(g.graph, g.id[root], direction, max_depth, counting_check);
  EXPECT_GE(g_checks, static_cast<long>(entries.size()));
  const std::vector<int> depth = reference_depths(g, root, direction);
  std::map<int, int> expected;
  for (int v = 0; v < g.nodes; ++v) {
    if (v == root || depth[v] == kUnreached) continue;
    if (max_depth < 0 || depth[v] <= max_depth) expected[v] = depth[v];
  }
  std::map<int, int> listed{{root, 0}};
  int previous_depth = 1;
  for (const ClosureEntry &entry : entries) {
    const int node = g.num(entry.node);
    const int parent = g.num(entry.parent);
    ASSERT_GE(node, 0) << "node id out of range: " << entry.node;
    ASSERT_GE(parent, 0) << "parent id out of range: " << entry.parent;
    EXPECT_GE(entry.depth, previous_depth) << "not in BFS order at node " << node;
    previous_depth = entry.depth;
    const auto parent_entry = listed.find(parent);
    ASSERT_NE(parent_entry, listed.end()) << "parent " << parent << " not listed before " << node;
    EXPECT_EQ(parent_entry->second, entry.depth - 1) << "parent of " << node;
    ASSERT_LT(entry.type, g.types.size()) << "type index out of range";
    const std::string &type = g.graph.type_name(entry.type);
    if (direction == kDown) {
      EXPECT_TRUE(g.has_edge(parent, node, type)) << parent << " -> " << node << " " << type;
    } else {
      EXPECT_TRUE(g.has_edge(node, parent, type)) << node << " -> " << parent << " " << type;
    }
    EXPECT_TRUE(listed.emplace(node, entry.depth).second) << "listed twice: " << node;
  }
  listed.erase(root);
  EXPECT_EQ(listed, expected);
}

// Checks shortest_path(from, to) against the reference distance from from (depth): empty when
// unreachable, one step when from == to, else distance + 1 steps from from to to, each reached
// by an edge of its reported type.
void check_path(const TestGraph &g, int from, int to, const std::vector<int> &depth) {
  SCOPED_TRACE("path " + std::to_string(from) + " -> " + std::to_string(to));
  reset_checks();
  const std::vector<PathStep> path =
      tenancy::shortest_path(g.graph, g.id[from], g.id[to], counting_check);
  if (depth[to] == kUnreached) {
    EXPECT_TRUE(path.empty());
    return;
  }
  ASSERT_EQ(path.size(), static_cast<size_t>(depth[to]) + 1);
  EXPECT_EQ(path.front().node, g.id[from]);
  EXPECT_EQ(path.front().type, kNoType);
  EXPECT_EQ(path.back().node, g.id[to]);
  for (size_t i = 1; i < path.size(); ++i) {
    ASSERT_LT(path[i].type, g.types.size()) << "step " << i;
    const int a = g.num(path[i - 1].node);
    const int b = g.num(path[i].node);
    EXPECT_TRUE(g.has_edge(a, b, g.graph.type_name(path[i].type)))
        << "step " << i << ": " << a << " -> " << b << " " << g.graph.type_name(path[i].type);
  }
}

// The cycles() components as sets of node numbers, after checking that each is sorted by key
// and the components are ordered by their first keys.
std::set<std::set<int>> checked_cycles(const TestGraph &g,
                                       const std::vector<std::vector<NodeId>> &components) {
  std::set<std::set<int>> result;
  for (size_t c = 0; c < components.size(); ++c) {
    const std::vector<NodeId> &component = components[c];
    EXPECT_FALSE(component.empty()) << "component " << c;
    if (component.empty()) continue;
    for (size_t i = 1; i < component.size(); ++i) {
      EXPECT_TRUE(key_less(g.graph.key(component[i - 1]), g.graph.key(component[i])))
          << "component " << c << " not sorted by key at " << i;
    }
    if (c > 0 && !components[c - 1].empty()) {
      EXPECT_TRUE(key_less(g.graph.key(components[c - 1][0]), g.graph.key(component[0])))
          << "components " << c - 1 << " and " << c << " not ordered by first key";
    }
    std::set<int> numbers;
    for (const NodeId node : component) numbers.insert(g.num(node));
    EXPECT_EQ(numbers.size(), component.size()) << "component " << c << " repeats a node";
    result.insert(numbers);
  }
  return result;
}

// Checks that order lists every node once and, for every edge u -> v, v before u.
void expect_valid_order(const TestGraph &g, const std::vector<NodeId> &order) {
  ASSERT_EQ(order.size(), static_cast<size_t>(g.nodes));
  std::vector<int> position(g.nodes, -1);
  for (size_t i = 0; i < order.size(); ++i) {
    const int node = g.num(order[i]);
    ASSERT_GE(node, 0) << "node id out of range at " << i;
    EXPECT_EQ(position[node], -1) << "listed twice: " << node;
    position[node] = static_cast<int>(i);
  }
  for (const TestEdge &edge : g.edges) {
    EXPECT_LT(position[edge.target], position[edge.source])
        << edge.source << " depends on " << edge.target << " but comes first";
  }
}

// Checks that cycle is a real cycle: non-empty, no node twice, and an edge from each node to
// the next and from the last to the first.
void expect_real_cycle(const TestGraph &g, const std::vector<NodeId> &cycle) {
  ASSERT_FALSE(cycle.empty());
  std::set<int> seen;
  for (size_t i = 0; i < cycle.size(); ++i) {
    const int a = g.num(cycle[i]);
    const int b = g.num(cycle[(i + 1) % cycle.size()]);
    ASSERT_GE(a, 0) << "node id out of range at " << i;
    ASSERT_GE(b, 0) << "node id out of range after " << i;
    EXPECT_TRUE(seen.insert(a).second) << "cycle repeats " << a;
    EXPECT_EQ(g.out[a].count(b), 1u) << "no edge " << a << " -> " << b;
  }
}

// Node numbers of a few roots of a graph: the first, middle and last number and some random.
std::vector<int> some_roots(const TestGraph &g, uint32_t seed) {
  std::vector<int> roots{0, g.nodes / 2, g.nodes - 1};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, g.nodes - 1);
  for (int i = 0; i < 5; ++i) roots.push_back(pick(rng));
  return roots;
}

// ---------------------------------------------------------------------------------------------
// Graph: interning and the CSR arrays.

// Interning gives dense ids, the same id for the same key, and add_edge interns both ends.
TEST(Graph, InternsEachKeyOnce) {
  GraphBuilder builder;
  EXPECT_EQ(builder.intern(node_key(5, 2)), 0u);
  EXPECT_EQ(builder.intern(node_key(9, 2)), 1u);
  EXPECT_EQ(builder.intern(node_key(5, 2)), 0u);
  builder.add_edge(node_key(9, 2), node_key(3, 2), "uses");
  EXPECT_EQ(builder.intern(node_key(3, 2)), 2u);
  EXPECT_EQ(builder.edge_count(), 1u);
  const Graph graph = builder.build();
  EXPECT_EQ(graph.node_count(), 3u);
  EXPECT_EQ(graph.edge_count(), 1u);
  EXPECT_EQ(graph.find(node_key(5, 2)), 0u);
  EXPECT_EQ(graph.find(node_key(9, 2)), 1u);
  EXPECT_EQ(graph.find(node_key(3, 2)), 2u);
  EXPECT_EQ(graph.key(1), node_key(9, 2));
}

// A key the graph lacks is kNoNode; the same entity under another organization is another node.
TEST(Graph, FindsOnlyExactKeys) {
  GraphBuilder builder;
  const NodeKey a{numbered_uuid(1, 0x0a), numbered_uuid(7, 0x0e)};
  const NodeKey b{numbered_uuid(2, 0x0a), numbered_uuid(7, 0x0e)};
  builder.add_edge(a, b, "uses");
  const Graph graph = builder.build();
  EXPECT_EQ(graph.node_count(), 2u);
  EXPECT_NE(graph.find(a), graph.find(b));
  EXPECT_EQ(graph.find(NodeKey{numbered_uuid(3, 0x0a), numbered_uuid(7, 0x0e)}), kNoNode);
  EXPECT_EQ(graph.find(NodeKey{numbered_uuid(1, 0x0a), numbered_uuid(8, 0x0e)}), kNoNode);
  EXPECT_EQ(graph.find(NodeKey{}), kNoNode);
}

// NodeIndex against std::map on random keys: every insert answers like the reference (new or
// the earlier id), every find too, across many growths, with keys that share their first bytes.
TEST(NodeIndex, MatchesAReferenceMap) {
  std::mt19937_64 rng(7);
  tenancy::NodeIndex index;
  std::map<std::pair<std::string, std::string>, NodeId> reference;
  std::vector<NodeKey> seen;
  const auto text = [](const Uuid &uuid) {
    return std::string(uuid.bytes.begin(), uuid.bytes.end());
  };
  for (int i = 0; i < 20000; ++i) {
    NodeKey key;
    if (!seen.empty() && rng() % 3 == 0) {
      key = seen[rng() % seen.size()];
    } else {
      key = node_key(static_cast<int>(rng() % 50000), 1 + static_cast<int>(rng() % 7));
    }
    const auto name = std::make_pair(text(key.org), text(key.entity));
    const auto found = reference.find(name);
    const NodeId candidate = static_cast<NodeId>(reference.size());
    const auto [id, added] = index.insert(key, candidate);
    if (found == reference.end()) {
      EXPECT_TRUE(added);
      EXPECT_EQ(id, candidate);
      reference.emplace(name, candidate);
      seen.push_back(key);
    } else {
      EXPECT_FALSE(added);
      EXPECT_EQ(id, found->second);
    }
  }
  EXPECT_EQ(index.size(), reference.size());
  for (const NodeKey &key : seen) {
    EXPECT_EQ(index.find(key), reference.at(std::make_pair(text(key.org), text(key.entity))));
  }
  EXPECT_EQ(index.find(node_key(60000, 3)), kNoNode);
  EXPECT_GE(index.memory_bytes(), 2 * index.size() * sizeof(NodeKey));
}

// Entity ids that differ only in their last two bytes (an attacker chooses entity ids) still
// spread over the table: no long probe run.
TEST(NodeIndex, IdsDifferingInTheirLastBytesSpread) {
  tenancy::NodeIndex index;
  const NodeKey base = node_key(77, 3);
  for (uint32_t i = 0; i < 65536; ++i) {
    NodeKey key = base;
    key.entity.bytes[14] = static_cast<uint8_t>(i >> 8);
    key.entity.bytes[15] = static_cast<uint8_t>(i);
    index.insert(key, i);
  }
  EXPECT_EQ(index.size(), 65536u);
  EXPECT_LT(index.longest_probe(), 64u);
}

// An empty index finds nothing (and has no table yet).
TEST(NodeIndex, EmptyFindsNothing) {
  const tenancy::NodeIndex index;
  EXPECT_EQ(index.find(node_key(1, 1)), kNoNode);
  EXPECT_EQ(index.size(), 0u);
}

// Keys differing in a single byte anywhere in the 32 are different keys.
TEST(NodeIndex, EveryByteCounts) {
  tenancy::NodeIndex index;
  const NodeKey base = node_key(12345, 3);
  index.insert(base, 0);
  for (int byte = 0; byte < 32; ++byte) {
    NodeKey other = base;
    uint8_t &target = byte < 16 ? other.org.bytes[byte] : other.entity.bytes[byte - 16];
    target ^= 0x01;
    EXPECT_FALSE(other == base) << byte;
    EXPECT_EQ(index.find(other), kNoNode) << byte;
    EXPECT_TRUE(index.insert(other, static_cast<NodeId>(byte + 1)).second) << byte;
  }
  EXPECT_EQ(index.find(base), 0u);
  EXPECT_EQ(index.size(), 33u);
}

// Edges with alternating sources and types: the builder's shortcuts for a repeated source and
// type never attach an edge to the wrong source or type.
TEST(Graph, RepeatedAndAlternatingSourcesAndTypes) {
  GraphBuilder builder;
  const NodeKey a = node_key(1, 2), b = node_key(2, 2), c = node_key(3, 2);
  builder.add_edge(a, b, "uses");
  builder.add_edge(a, c, "uses");
  builder.add_edge(b, c, "reads");
  builder.add_edge(a, c, "reads");
  builder.add_edge(b, a, "uses");
  const Graph graph = builder.build();
  std::multiset<std::tuple<NodeId, NodeId, std::string>> edges;
  for (NodeId node = 0; node < graph.node_count(); ++node) {
    for (const Arc *arc = graph.arcs_begin(node, Direction::kDownstream);
         arc != graph.arcs_end(node, Direction::kDownstream); ++arc) {
      edges.emplace(node, arc->node, graph.type_name(arc->type));
    }
  }
  const NodeId ia = graph.find(a), ib = graph.find(b), ic = graph.find(c);
  const std::multiset<std::tuple<NodeId, NodeId, std::string>> expected = {
      {ia, ib, "uses"}, {ia, ic, "uses"}, {ib, ic, "reads"}, {ia, ic, "reads"}, {ib, ia, "uses"}};
  EXPECT_EQ(edges, expected);
}

// The builder interns edge ends in batches: ids still follow the order of first sight, with
// intern() calls between the edges, over many batch boundaries (1,000 edges, batches of 32),
// and every edge keeps its ends, its type and its place among its source's arcs.
TEST(Graph, BatchedInterningKeepsFirstSightOrder) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> pick(0, 299);
  GraphBuilder builder;
  std::map<int, NodeId> reference;  // node number -> id by first sight
  const auto see = [&](int node) {
    reference.emplace(node, static_cast<NodeId>(reference.size()));
    return reference.at(node);
  };
  std::map<NodeId, std::vector<std::pair<NodeId, std::string>>> expected_arcs;
  int source = pick(rng);
  for (int i = 0; i < 1000; ++i) {
    if (i % 7 == 0) source = pick(rng);  // runs of one source, as the edges are read
    const int target = pick(rng);
    const std::string type = i % 3 == 0 ? "reads" : "uses";
    builder.add_edge(node_key(source, 4), node_key(target, 4), type);
    const NodeId from = see(source);
    expected_arcs[from].emplace_back(see(target), type);
    if (i % 97 == 0) {
      const int lone = 300 + i;  // a node without edges, interned between edges
      EXPECT_EQ(builder.intern(node_key(lone, 4)), see(lone)) << "at edge " << i;
    }
    EXPECT_EQ(builder.edge_count(), static_cast<size_t>(i + 1));
  }
  const Graph graph = builder.build();
  ASSERT_EQ(graph.node_count(), reference.size());
  for (const auto &[node, id] : reference) EXPECT_EQ(graph.key(id), node_key(node, 4)) << node;
  for (NodeId node = 0; node < graph.node_count(); ++node) {
    std::vector<std::pair<NodeId, std::string>> arcs;
    for (const Arc *arc = graph.arcs_begin(node, Direction::kDownstream);
         arc != graph.arcs_end(node, Direction::kDownstream); ++arc) {
      arcs.emplace_back(arc->node, graph.type_name(arc->type));
    }
    EXPECT_EQ(arcs, expected_arcs[node]) << "arcs of node " << node;
  }
}

// Equal keys hash equally (the hash must agree with ==).
TEST(Graph, EqualKeysHashEqually) {
  const NodeKeyHash hash;
  for (int i = 0; i < 100; ++i) {
    const NodeKey a = node_key(i, 3);
    const NodeKey b = node_key(i, 3);
    EXPECT_EQ(a, b);
    EXPECT_EQ(hash(a), hash(b));
  }
}

// Building leaves the builder empty: no edges, and the next key interned gets id 0 again.
TEST(Graph, BuildEmptiesTheBuilder) {
  GraphBuilder builder;
  builder.add_edge(node_key(1, 1), node_key(2, 1), "uses");
  const Graph first = builder.build();
  EXPECT_EQ(builder.edge_count(), 0u);
  EXPECT_EQ(builder.intern(node_key(2, 1)), 0u);
  const Graph second = builder.build();
  EXPECT_EQ(second.node_count(), 1u);
  EXPECT_EQ(second.edge_count(), 0u);
  EXPECT_EQ(first.node_count(), 2u);
  EXPECT_EQ(first.edge_count(), 1u);
}

// An empty builder gives an empty graph.
TEST(Graph, EmptyGraph) {
  GraphBuilder builder;
  const Graph graph = builder.build();
  EXPECT_EQ(graph.node_count(), 0u);
  EXPECT_EQ(graph.edge_count(), 0u);
  EXPECT_EQ(graph.find(node_key(0, 1)), kNoNode);
}

// Type names are interned: edges of one type share its index; duplicate edges are all kept.
TEST(Graph, InternsTypesAndKeepsDuplicateEdges) {
  GraphBuilder builder;
  builder.add_edge(node_key(0, 1), node_key(1, 1), "uses");
  builder.add_edge(node_key(0, 1), node_key(1, 1), "calls");
  builder.add_edge(node_key(0, 1), node_key(1, 1), "uses");
  builder.add_edge(node_key(1, 1), node_key(2, 1), "uses");
  const Graph graph = builder.build();
  EXPECT_EQ(graph.edge_count(), 4u);
  const NodeId zero = graph.find(node_key(0, 1));
  std::multiset<std::string> types;
  std::set<uint32_t> indexes;
  for (const Arc *arc = graph.arcs_begin(zero, kDown); arc != graph.arcs_end(zero, kDown); ++arc) {
    EXPECT_EQ(arc->node, graph.find(node_key(1, 1)));
    types.insert(graph.type_name(arc->type));
    indexes.insert(arc->type);
  }
  EXPECT_EQ(types, (std::multiset<std::string>{"calls", "uses", "uses"}));
  EXPECT_EQ(indexes.size(), 2u);
  const NodeId one = graph.find(node_key(1, 1));
  ASSERT_EQ(graph.arcs_end(one, kDown) - graph.arcs_begin(one, kDown), 1);
  EXPECT_EQ(graph.type_name(graph.arcs_begin(one, kDown)->type), "uses");
  EXPECT_EQ(graph.arcs_end(one, kUp) - graph.arcs_begin(one, kUp), 3);
}

// The CSR arcs of every node, both directions, are exactly its edges (with their types), and
// the nodes interned without edges have none.
TEST(Graph, ArcsMatchEdgesInBothDirections) {
  for (const TestGraph &g : generated_graphs()) {
    SCOPED_TRACE(g.name);
    ASSERT_EQ(g.graph.node_count(), static_cast<size_t>(g.nodes));
    EXPECT_EQ(g.graph.edge_count(), g.edges.size());
    std::vector<std::multiset<std::pair<int, std::string>>> out(g.nodes), in(g.nodes);
    for (const TestEdge &edge : g.edges) {
      out[edge.source].emplace(edge.target, edge.type);
      in[edge.target].emplace(edge.source, edge.type);
    }
    for (int v = 0; v < g.nodes; ++v) {
      ASSERT_NE(g.id[v], kNoNode) << v;
      EXPECT_EQ(g.graph.key(g.id[v]), node_key(v, g.orgs));
      std::multiset<std::pair<int, std::string>> down, up;
      for (const Arc *arc = g.graph.arcs_begin(g.id[v], kDown);
           arc != g.graph.arcs_end(g.id[v], kDown); ++arc) {
        down.emplace(g.num(arc->node), g.graph.type_name(arc->type));
      }
      for (const Arc *arc = g.graph.arcs_begin(g.id[v], kUp); arc != g.graph.arcs_end(g.id[v], kUp);
           ++arc) {
        up.emplace(g.num(arc->node), g.graph.type_name(arc->type));
      }
      EXPECT_EQ(down, out[v]) << "downstream arcs of " << v;
      EXPECT_EQ(up, in[v]) << "upstream arcs of " << v;
    }
  }
}

// The memory report covers at least the keys and both arc arrays, and grows with the graph.
TEST(Graph, MemoryBytesCoversTheArrays) {
  size_t previous = 0;
  for (const int nodes : {10, 1000, 100000}) {
    GraphBuilder builder;
    for (int i = 0; i + 1 < nodes; ++i) builder.add_edge(node_key(i, 3), node_key(i + 1, 3), "x");
    const Graph graph = builder.build();
    const size_t floor =
        graph.node_count() * sizeof(NodeKey) + 2 * graph.edge_count() * sizeof(Arc);
    EXPECT_GE(graph.memory_bytes(), floor) << nodes;
    EXPECT_GT(graph.memory_bytes(), previous) << nodes;
    previous = graph.memory_bytes();
  }
}

// key_less orders by organization first, then entity, bytewise unsigned, and is strict.
TEST(GraphKeyLess, OrdersByOrganizationThenEntity) {
  const NodeKey low_org_high_entity{numbered_uuid(1, 0), numbered_uuid(0xffffffff, 0)};
  const NodeKey high_org_low_entity{numbered_uuid(2, 0), numbered_uuid(0, 0)};
  EXPECT_TRUE(key_less(low_org_high_entity, high_org_low_entity));
  EXPECT_FALSE(key_less(high_org_low_entity, low_org_high_entity));
  EXPECT_TRUE(key_less(node_key(3, 1), node_key(4, 1)));
  EXPECT_FALSE(key_less(node_key(4, 1), node_key(4, 1)));
  // 0x80 sorts after 0x7f (unsigned bytes, as PostgreSQL compares uuids).
  NodeKey a = node_key(0, 1);
  NodeKey b = node_key(0, 1);
  a.entity.bytes[9] = 0x7f;
  b.entity.bytes[9] = 0x80;
  EXPECT_TRUE(key_less(a, b));
  EXPECT_FALSE(key_less(b, a));
  // The last byte still counts.
  b = a;
  b.org.bytes[15] = static_cast<uint8_t>(a.org.bytes[15] + 1);
  EXPECT_TRUE(key_less(a, b));
}

// ---------------------------------------------------------------------------------------------
// Closure.

// A small graph: 5 -> 0, 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3, 3 -> 4, and 6 on its own.
TestGraph small_graph() {
  return make_graph("small", 7, 2,
                    {{5, 0, "d"}, {0, 1, "a"}, {0, 2, "b"}, {1, 3, "a"}, {2, 3, "b"}, {3, 4, "c"}},
                    42);
}

// The (node number, depth) pairs of a closure, sorted.
std::vector<std::pair<int, int>> depths_of(const TestGraph &g,
                                           const std::vector<ClosureEntry> &entries) {
  std::vector<std::pair<int, int>> result;
  for (const ClosureEntry &entry : entries) result.emplace_back(g.num(entry.node), entry.depth);
  std::sort(result.begin(), result.end());
  return result;
}

// Downstream and upstream closures of the small graph, by hand.
TEST(Closure, SmallGraphByHand) {
  const TestGraph g = small_graph();
  using Depths = std::vector<std::pair<int, int>>;
  EXPECT_EQ(depths_of(g, tenancy::closure(g.graph, g.id[0], kDown, -1, counting_check)),
            (Depths{{1, 1}, {2, 1}, {3, 2}, {4, 3}}));
  EXPECT_EQ(depths_of(g, tenancy::closure(g.graph, g.id[3], kUp, -1, counting_check)),
            (Depths{{0, 2}, {1, 1}, {2, 1}, {5, 3}}));
  EXPECT_EQ(depths_of(g, tenancy::closure(g.graph, g.id[5], kDown, 2, counting_check)),
            (Depths{{0, 1}, {1, 2}, {2, 2}}));
  EXPECT_TRUE(tenancy::closure(g.graph, g.id[4], kDown, -1, counting_check).empty());
  EXPECT_TRUE(tenancy::closure(g.graph, g.id[6], kDown, -1, counting_check).empty());
  EXPECT_TRUE(tenancy::closure(g.graph, g.id[6], kUp, -1, counting_check).empty());
}

// max_depth 0 gives nothing; max_depth 1 gives exactly the direct neighbours with their types.
TEST(Closure, MaxDepthZeroAndOne) {
  const TestGraph g = small_graph();
  EXPECT_TRUE(tenancy::closure(g.graph, g.id[0], kDown, 0, counting_check).empty());
  EXPECT_TRUE(tenancy::closure(g.graph, g.id[0], kUp, 0, counting_check).empty());
  const auto one = tenancy::closure(g.graph, g.id[0], kDown, 1, counting_check);
  ASSERT_EQ(one.size(), 2u);
  for (const ClosureEntry &entry : one) {
    EXPECT_EQ(entry.depth, 1);
    EXPECT_EQ(entry.parent, g.id[0]);
    const int node = g.num(entry.node);
    EXPECT_EQ(g.graph.type_name(entry.type), node == 1 ? "a" : "b") << node;
  }
}

// A start the graph lacks (kNoNode, or an id past the end) gives nothing.
TEST(Closure, UnknownStartIsEmpty) {
  const TestGraph g = small_graph();
  EXPECT_TRUE(tenancy::closure(g.graph, kNoNode, kDown, -1, counting_check).empty());
  EXPECT_TRUE(tenancy::closure(g.graph, kNoNode, kUp, -1, counting_check).empty());
  const auto past_end = static_cast<NodeId>(g.graph.node_count());
  EXPECT_TRUE(tenancy::closure(g.graph, past_end, kDown, -1, counting_check).empty());
}

// A root on a cycle (or with a self-loop) is not listed, though it is reachable from itself.
TEST(Closure, RootOnCycleIsNotListed) {
  const TestGraph g =
      make_graph("cycle", 4, 1, {{0, 1, "a"}, {1, 2, "a"}, {2, 0, "a"}, {0, 0, "self"}}, 3);
  for (const Direction direction : {kDown, kUp}) {
    const auto entries = tenancy::closure(g.graph, g.id[0], direction, -1, counting_check);
    ASSERT_EQ(entries.size(), 2u);
    for (const ClosureEntry &entry : entries) EXPECT_NE(entry.node, g.id[0]);
  }
}

// On every generated graph, from several roots, both directions and several depth limits, the
// closure matches the reference BFS depths, with valid parents and edge types.
TEST(Closure, MatchesReferenceOnGeneratedGraphs) {
  for (const TestGraph &g : generated_graphs()) {
    SCOPED_TRACE(g.name);
    for (const int root : some_roots(g, 77)) {
      for (const Direction direction : {kDown, kUp}) {
        for (const int max_depth : {-1, 0, 1, 2, 3, 1000}) {
          check_closure(g, root, direction, max_depth);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

// The closure calls the check at least once per listed node, and a throwing check stops it
// (the exception propagates; no further calls), whichever call throws.
TEST(Closure, ThrowingCheckStopsTheTraversal) {
  const TestGraph &g = generated("dense random");
  reset_checks();
  const auto entries = tenancy::closure(g.graph, g.id[0], kDown, -1, counting_check);
  ASSERT_GT(entries.size(), 10u);
  const long total = g_checks;
  EXPECT_GE(total, static_cast<long>(entries.size()));
  for (const long throw_on : {1L, total / 2, total}) {
    reset_checks(throw_on);
    EXPECT_THROW(tenancy::closure(g.graph, g.id[0], kDown, -1, throwing_check), Interrupted);
    EXPECT_EQ(g_checks, throw_on);
    reset_checks(throw_on);
    EXPECT_THROW(tenancy::closure(g.graph, g.id[0], kUp, -1, throwing_check), Interrupted);
    EXPECT_EQ(g_checks, throw_on);
  }
}

// ---------------------------------------------------------------------------------------------
// Shortest path.

// Paths in the small graph by hand, downstream only.
TEST(ShortestPath, SmallGraphByHand) {
  const TestGraph g = small_graph();
  const auto path = tenancy::shortest_path(g.graph, g.id[5], g.id[4], counting_check);
  ASSERT_EQ(path.size(), 5u);
  EXPECT_EQ(g.num(path[0].node), 5);
  EXPECT_EQ(path[0].type, kNoType);
  EXPECT_EQ(g.num(path[1].node), 0);
  EXPECT_EQ(g.graph.type_name(path[1].type), "d");
  EXPECT_TRUE(g.num(path[2].node) == 1 || g.num(path[2].node) == 2);
  EXPECT_EQ(g.num(path[3].node), 3);
  EXPECT_EQ(g.num(path[4].node), 4);
  EXPECT_EQ(g.graph.type_name(path[4].type), "c");
  // Upstream only: no path against the edges.
  EXPECT_TRUE(tenancy::shortest_path(g.graph, g.id[4], g.id[5], counting_check).empty());
  EXPECT_TRUE(tenancy::shortest_path(g.graph, g.id[0], g.id[6], counting_check).empty());
}

// from == to is one step with no type, even on a self-loop or a cycle.
TEST(ShortestPath, SameNodeIsOneStep) {
  const TestGraph g = make_graph("loop", 3, 1, {{0, 0, "self"}, {1, 2, "a"}, {2, 1, "a"}}, 1);
  for (const int v : {0, 1, 2}) {
    const auto path = tenancy::shortest_path(g.graph, g.id[v], g.id[v], counting_check);
    ASSERT_EQ(path.size(), 1u) << v;
    EXPECT_EQ(path[0].node, g.id[v]);
    EXPECT_EQ(path[0].type, kNoType);
  }
}

// An unknown end (kNoNode) gives an empty path.
TEST(ShortestPath, UnknownEndIsEmpty) {
  const TestGraph g = small_graph();
  EXPECT_TRUE(tenancy::shortest_path(g.graph, kNoNode, g.id[1], counting_check).empty());
  EXPECT_TRUE(tenancy::shortest_path(g.graph, g.id[0], kNoNode, counting_check).empty());
  EXPECT_TRUE(tenancy::shortest_path(g.graph, kNoNode, kNoNode, counting_check).empty());
}

// On every generated graph, from several sources to every node, the path length is the
// reference distance and every step is an edge of its reported type.
TEST(ShortestPath, MatchesReferenceOnGeneratedGraphs) {
  for (const TestGraph &g : generated_graphs()) {
    SCOPED_TRACE(g.name);
    for (const int from : some_roots(g, 99)) {
      const std::vector<int> depth = reference_depths(g, from, kDown);
      for (int to = 0; to < g.nodes; ++to) {
        check_path(g, from, to, depth);
        if (HasFatalFailure()) return;
      }
    }
  }
}

// A throwing check stops the search, in the search itself or in the walk back.
TEST(ShortestPath, ThrowingCheckStopsTheSearch) {
  std::vector<TestEdge> chain;
  for (int i = 0; i + 1 < 100; ++i) chain.push_back(TestEdge{i, i + 1, "next"});
  const TestGraph g = make_graph("chain", 100, 1, chain, 5);
  reset_checks();
  ASSERT_EQ(tenancy::shortest_path(g.graph, g.id[0], g.id[99], counting_check).size(), 100u);
  const long total = g_checks;
  EXPECT_GE(total, 99);
  for (const long throw_on : {1L, total / 2, total - 1, total}) {
    reset_checks(throw_on);
    EXPECT_THROW(tenancy::shortest_path(g.graph, g.id[0], g.id[99], throwing_check), Interrupted);
    EXPECT_EQ(g_checks, throw_on);
  }
}

// ---------------------------------------------------------------------------------------------
// Cycles.

// The cycles() of a test graph as lists of node numbers.
std::vector<std::vector<int>> cycle_numbers(const TestGraph &g) {
  std::vector<std::vector<int>> result;
  for (const auto &component : tenancy::cycles(g.graph, counting_check)) {
    std::vector<int> numbers;
    for (const NodeId node : component) numbers.push_back(g.num(node));
    result.push_back(numbers);
  }
  return result;
}

// A DAG and an edgeless graph have no cycles.
TEST(Cycles, NoneWithoutCycles) {
  EXPECT_TRUE(cycle_numbers(small_graph()).empty());
  EXPECT_TRUE(cycle_numbers(make_graph("none", 5, 2, {}, 1)).empty());
  GraphBuilder builder;
  EXPECT_TRUE(tenancy::cycles(builder.build(), counting_check).empty());
}

// A self-loop is a cycle of one node; a node without one is not.
TEST(Cycles, SelfLoopIsACycle) {
  const TestGraph g = make_graph("self", 4, 1, {{0, 1, "a"}, {2, 2, "self"}, {1, 3, "a"}}, 2);
  EXPECT_EQ(cycle_numbers(g), (std::vector<std::vector<int>>{{2}}));
}

// Two cycles joined by an edge stay two components, each sorted, ordered by first key; a
// self-loop inside a bigger component does not make it appear twice.
TEST(Cycles, SeparateComponentsSortedByKey) {
  const TestGraph g = make_graph(
      "two", 7, 1,
      {{4, 5, "a"}, {5, 3, "a"}, {3, 4, "a"}, {1, 0, "a"}, {0, 1, "a"}, {1, 3, "a"}, {4, 4, "s"}},
      3);
  EXPECT_EQ(cycle_numbers(g), (std::vector<std::vector<int>>{{0, 1}, {3, 4, 5}}));
}

// Order is by key (organization first), not by node number or load order.
TEST(Cycles, OrderedByOrganizationThenEntity) {
  // orgs = 2: even numbers in organization 0, odd in organization 1.
  const std::vector<TestEdge> edges{{1, 3, "a"}, {3, 1, "a"}, {4, 2, "a"},
                                    {2, 4, "a"}, {5, 5, "a"}, {0, 5, "a"}};
  const std::vector<std::vector<int>> expected{{2, 4}, {1, 3}, {5}};
  for (const uint32_t seed : {1u, 2u, 3u, 4u}) {
    EXPECT_EQ(cycle_numbers(make_graph("orgs", 6, 2, edges, seed)), expected) << seed;
  }
}

// On every generated graph the components are the reference SCC partition's non-trivial parts
// (plus self-loops), each sorted by key and ordered by first key.
TEST(Cycles, MatchesReferenceOnGeneratedGraphs) {
  for (const TestGraph &g : generated_graphs()) {
    SCOPED_TRACE(g.name);
    reset_checks();
    const auto components = tenancy::cycles(g.graph, counting_check);
    EXPECT_GE(g_checks, static_cast<long>(g.nodes));
    EXPECT_EQ(checked_cycles(g, components), reference_cycles(g));
  }
}

// The result does not depend on the order nodes were interned and edges added.
TEST(Cycles, IndependentOfLoadOrder) {
  std::mt19937 rng(31);
  const std::vector<TestEdge> edges = random_edges(80, 100, true, rng);
  const auto expected = cycle_numbers(make_graph("load", 80, 3, edges, 1));
  EXPECT_FALSE(expected.empty());
  for (const uint32_t seed : {2u, 3u, 4u, 5u}) {
    EXPECT_EQ(cycle_numbers(make_graph("load", 80, 3, edges, seed)), expected) << seed;
  }
}

// A throwing check stops the search wherever it throws.
TEST(Cycles, ThrowingCheckStopsTheSearch) {
  const TestGraph &g = generated("sparse random");
  reset_checks();
  tenancy::cycles(g.graph, counting_check);
  const long total = g_checks;
  ASSERT_GE(total, static_cast<long>(g.nodes));
  for (const long throw_on : {1L, total / 2, total}) {
    reset_checks(throw_on);
    EXPECT_THROW(tenancy::cycles(g.graph, throwing_check), Interrupted);
    EXPECT_EQ(g_checks, throw_on);
  }
}

// ---------------------------------------------------------------------------------------------
// Topological order.

// The topological order of a test graph as node numbers, and its cycle as node numbers.
std::pair<std::vector<int>, std::vector<int>> topo_numbers(const TestGraph &g) {
  const auto result = tenancy::topological_order(g.graph, counting_check);
  std::pair<std::vector<int>, std::vector<int>> numbers;
  for (const NodeId node : result.order) numbers.first.push_back(g.num(node));
  for (const NodeId node : result.cycle) numbers.second.push_back(g.num(node));
  return numbers;
}

// A chain comes out reversed: each node after the node it depends on.
TEST(TopologicalOrder, ChainDependenciesFirst) {
  const TestGraph g = make_graph("chain", 4, 1, {{0, 1, "a"}, {1, 2, "a"}, {2, 3, "a"}}, 9);
  const auto [order, cycle] = topo_numbers(g);
  EXPECT_EQ(order, (std::vector<int>{3, 2, 1, 0}));
  EXPECT_TRUE(cycle.empty());
}

// Ties are broken by key: organization first, then entity.
TEST(TopologicalOrder, TiesBrokenByKey) {
  // orgs = 2: organization 0 holds 0, 2, 4; organization 1 holds 1, 3.
  EXPECT_EQ(topo_numbers(make_graph("free", 5, 2, {}, 4)).first, (std::vector<int>{0, 2, 4, 1, 3}));
  EXPECT_EQ(topo_numbers(make_graph("diamond", 4, 1, diamond_edges(1), 4)).first,
            (std::vector<int>{3, 1, 2, 0}));
  // 0 depends on 3: 3 must come first though 0 has the smaller key.
  EXPECT_EQ(topo_numbers(make_graph("dep", 4, 1, {{0, 3, "a"}}, 4)).first,
            (std::vector<int>{1, 2, 3, 0}));
}

// The empty graph has an empty order and no cycle.
TEST(TopologicalOrder, EmptyGraph) {
  GraphBuilder builder;
  const auto result = tenancy::topological_order(builder.build(), counting_check);
  EXPECT_TRUE(result.order.empty());
  EXPECT_TRUE(result.cycle.empty());
}

// A self-loop is reported as a one-node cycle, and the order is empty.
TEST(TopologicalOrder, SelfLoopIsACycle) {
  const auto [order, cycle] =
      topo_numbers(make_graph("self", 3, 1, {{0, 1, "a"}, {1, 1, "self"}}, 4));
  EXPECT_TRUE(order.empty());
  EXPECT_EQ(cycle, (std::vector<int>{1}));
}

// A cycle below acyclic nodes is found, in edge order, without the acyclic nodes leading to it.
TEST(TopologicalOrder, CycleBehindAcyclicNodes) {
  const TestGraph g =
      make_graph("tail", 6, 2,
                 {{4, 0, "a"}, {0, 1, "a"}, {1, 2, "b"}, {2, 3, "a"}, {3, 1, "c"}, {5, 4, "a"}}, 7);
  const auto result = tenancy::topological_order(g.graph, counting_check);
  EXPECT_TRUE(result.order.empty());
  expect_real_cycle(g, result.cycle);
  std::vector<int> numbers;
  for (const NodeId node : result.cycle) numbers.push_back(g.num(node));
  std::sort(numbers.begin(), numbers.end());
  EXPECT_EQ(numbers, (std::vector<int>{1, 2, 3}));
}

// A two-node cycle of duplicate edges is reported as those two nodes.
TEST(TopologicalOrder, TwoNodeCycleWithDuplicateEdges) {
  const TestGraph g = make_graph(
      "pair", 3, 1, {{0, 1, "a"}, {0, 1, "b"}, {1, 0, "a"}, {1, 0, "a"}, {2, 0, "a"}}, 8);
  const auto result = tenancy::topological_order(g.graph, counting_check);
  EXPECT_TRUE(result.order.empty());
  expect_real_cycle(g, result.cycle);
  EXPECT_EQ(result.cycle.size(), 2u);
}

// On every generated graph: an acyclic graph gives a valid order, the same as the naive
// key-tie-broken reference; a cyclic one gives an empty order and a real cycle.
TEST(TopologicalOrder, MatchesReferenceOnGeneratedGraphs) {
  for (const TestGraph &g : generated_graphs()) {
    SCOPED_TRACE(g.name);
    const bool cyclic = !reference_cycles(g).empty();
    reset_checks();
    const auto result = tenancy::topological_order(g.graph, counting_check);
    if (cyclic) {
      EXPECT_TRUE(result.order.empty());
      expect_real_cycle(g, result.cycle);
    } else {
      EXPECT_GE(g_checks, static_cast<long>(g.nodes));
      EXPECT_TRUE(result.cycle.empty());
      expect_valid_order(g, result.order);
      std::vector<int> numbers;
      for (const NodeId node : result.order) numbers.push_back(g.num(node));
      EXPECT_EQ(numbers, reference_topological_order(g));
    }
  }
}

// The order does not depend on the order nodes were interned and edges added.
TEST(TopologicalOrder, IndependentOfLoadOrder) {
  std::mt19937 rng(47);
  const std::vector<TestEdge> edges = random_dag_edges(100, 150, rng);
  const auto expected = topo_numbers(make_graph("load", 100, 3, edges, 1)).first;
  EXPECT_EQ(expected.size(), 100u);
  for (const uint32_t seed : {2u, 3u, 4u, 5u}) {
    EXPECT_EQ(topo_numbers(make_graph("load", 100, 3, edges, seed)).first, expected) << seed;
  }
}

// A throwing check stops the sort, and the cycle walk on a cyclic graph.
TEST(TopologicalOrder, ThrowingCheckStopsTheSort) {
  for (const char *name : {"sparse random DAG", "ring with chords"}) {
    const TestGraph &g = generated(name);
    SCOPED_TRACE(g.name);
    reset_checks();
    tenancy::topological_order(g.graph, counting_check);
    const long total = g_checks;
    ASSERT_GT(total, 1);
    for (const long throw_on : {1L, total / 2, total}) {
      reset_checks(throw_on);
      EXPECT_THROW(tenancy::topological_order(g.graph, throwing_check), Interrupted);
      EXPECT_EQ(g_checks, throw_on);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scale: a million-node chain 0 -> 1 -> ... -> 999999, and the same closed into a ring. Under
// ctest every test is its own process and building the graph is the slow part, so each graph is
// built once, in one test that runs every check on it.

// Nodes in the scale graphs.
constexpr int kMillion = 1000000;

// A big graph by node number (no reference sets: they would not fit comfortably).
struct BigGraph {
  Graph graph;
  std::vector<NodeId> id;   // by node number
  std::vector<int> number;  // by node id
};

// The million-node chain over 7 organizations, closed into a ring when ring.
BigGraph make_million(bool ring) {
  GraphBuilder builder;
  for (int i = 0; i + 1 < kMillion; ++i) {
    builder.add_edge(node_key(i, 7), node_key(i + 1, 7), "next");
  }
  if (ring) builder.add_edge(node_key(kMillion - 1, 7), node_key(0, 7), "back");
  BigGraph big;
  big.graph = builder.build();
  big.id.resize(kMillion);
  big.number.assign(big.graph.node_count(), -1);
  for (int i = 0; i < kMillion; ++i) {
    big.id[i] = big.graph.find(node_key(i, 7));
    if (big.id[i] < big.number.size()) big.number[big.id[i]] = i;
  }
  return big;
}

// The chain has a million nodes, one edge fewer, and reports its memory.
void check_chain_shape(const BigGraph &chain) {
  EXPECT_EQ(chain.graph.node_count(), static_cast<size_t>(kMillion));
  EXPECT_EQ(chain.graph.edge_count(), static_cast<size_t>(kMillion - 1));
  EXPECT_EQ(std::count(chain.number.begin(), chain.number.end(), -1), 0);
  EXPECT_GE(chain.graph.memory_bytes(),
            kMillion * sizeof(NodeKey) + 2 * (kMillion - 1) * sizeof(Arc));
}

// The downstream closure from 0 lists node i at depth i with parent i - 1, in order, calling
// the check at least once per listed node; a depth limit of 1000 stops at 1000 nodes.
void check_chain_downstream_closure(const BigGraph &chain) {
  reset_checks();
  const auto entries = tenancy::closure(chain.graph, chain.id[0], kDown, -1, counting_check);
  ASSERT_EQ(entries.size(), static_cast<size_t>(kMillion - 1));
  EXPECT_GE(g_checks, kMillion - 1);
  long wrong = 0;
  for (int i = 1; i < kMillion; ++i) {
    const ClosureEntry &entry = entries[i - 1];
    if (entry.node != chain.id[i] || entry.depth != i || entry.parent != chain.id[i - 1]) ++wrong;
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(tenancy::closure(chain.graph, chain.id[0], kDown, 1000, counting_check).size(), 1000u);
}

// The upstream closure from the end lists node i at depth 999999 - i with parent i + 1.
void check_chain_upstream_closure(const BigGraph &chain) {
  reset_checks();
  const auto entries =
      tenancy::closure(chain.graph, chain.id[kMillion - 1], kUp, -1, counting_check);
  ASSERT_EQ(entries.size(), static_cast<size_t>(kMillion - 1));
  EXPECT_GE(g_checks, kMillion - 1);
  long wrong = 0;
  for (int j = 0; j < kMillion - 1; ++j) {
    const int i = kMillion - 2 - j;
    const ClosureEntry &entry = entries[j];
    if (entry.node != chain.id[i] || entry.depth != kMillion - 1 - i ||
        entry.parent != chain.id[i + 1]) {
      ++wrong;
    }
  }
  EXPECT_EQ(wrong, 0);
}

// The shortest path from 0 to the end is the whole chain, a million steps; none goes back.
void check_chain_shortest_path(const BigGraph &chain) {
  reset_checks();
  const auto path =
      tenancy::shortest_path(chain.graph, chain.id[0], chain.id[kMillion - 1], counting_check);
  ASSERT_EQ(path.size(), static_cast<size_t>(kMillion));
  EXPECT_GE(g_checks, kMillion - 1);
  const uint32_t next = chain.graph.arcs_begin(chain.id[0], kDown)->type;
  ASSERT_EQ(chain.graph.type_name(next), "next");
  long wrong = 0;
  for (int i = 0; i < kMillion; ++i) {
    if (path[i].node != chain.id[i] || path[i].type != (i == 0 ? kNoType : next)) ++wrong;
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_TRUE(
      tenancy::shortest_path(chain.graph, chain.id[kMillion - 1], chain.id[0], counting_check)
          .empty());
}

// The chain has no cycles; Tarjan's search checks at least once per node.
void check_chain_has_no_cycles(const BigGraph &chain) {
  reset_checks();
  EXPECT_TRUE(tenancy::cycles(chain.graph, counting_check).empty());
  EXPECT_GE(g_checks, kMillion);
}

// The topological order of the chain is the chain reversed (dependencies first).
void check_chain_topological_order(const BigGraph &chain) {
  reset_checks();
  const auto result = tenancy::topological_order(chain.graph, counting_check);
  EXPECT_TRUE(result.cycle.empty());
  ASSERT_EQ(result.order.size(), static_cast<size_t>(kMillion));
  EXPECT_GE(g_checks, kMillion);
  long wrong = 0;
  for (int j = 0; j < kMillion; ++j) {
    if (result.order[j] != chain.id[kMillion - 1 - j]) ++wrong;
  }
  EXPECT_EQ(wrong, 0);
}

// The ring is one cycle of a million nodes, each once, sorted by key.
void check_ring_cycles(const BigGraph &ring) {
  reset_checks();
  const auto components = tenancy::cycles(ring.graph, counting_check);
  EXPECT_GE(g_checks, kMillion);
  ASSERT_EQ(components.size(), 1u);
  ASSERT_EQ(components[0].size(), static_cast<size_t>(kMillion));
  std::vector<bool> seen(kMillion, false);
  long wrong = 0;
  for (size_t i = 0; i < components[0].size(); ++i) {
    const int node = ring.number[components[0][i]];
    if (seen[node]) ++wrong;
    seen[node] = true;
    if (i > 0 &&
        !key_less(ring.graph.key(components[0][i - 1]), ring.graph.key(components[0][i]))) {
      ++wrong;
    }
  }
  EXPECT_EQ(wrong, 0);
}

// The topological order of the ring reports a cycle of all million nodes in edge order.
void check_ring_topological_order(const BigGraph &ring) {
  reset_checks();
  const auto result = tenancy::topological_order(ring.graph, counting_check);
  EXPECT_TRUE(result.order.empty());
  ASSERT_EQ(result.cycle.size(), static_cast<size_t>(kMillion));
  EXPECT_GE(g_checks, kMillion);
  long wrong = 0;
  for (size_t j = 0; j < result.cycle.size(); ++j) {
    const int a = ring.number[result.cycle[j]];
    const int b = ring.number[result.cycle[(j + 1) % result.cycle.size()]];
    if (b != (a + 1) % kMillion) ++wrong;
  }
  EXPECT_EQ(wrong, 0);
}

// The million-node chain: closures both ways, the full-length path, no cycles, and the reversed
// order, all on the default stack.
TEST(GraphScale, MillionNodeChain) {
  const BigGraph chain = make_million(false);
  {
    SCOPED_TRACE("shape");
    check_chain_shape(chain);
  }
  {
    SCOPED_TRACE("downstream closure");
    check_chain_downstream_closure(chain);
  }
  {
    SCOPED_TRACE("upstream closure");
    check_chain_upstream_closure(chain);
  }
  {
    SCOPED_TRACE("shortest path");
    check_chain_shortest_path(chain);
  }
  {
    SCOPED_TRACE("cycles");
    check_chain_has_no_cycles(chain);
  }
  {
    SCOPED_TRACE("topological order");
    check_chain_topological_order(chain);
  }
}

// The million-node ring: one million-node cycle from cycles() and from topological_order().
TEST(GraphScale, MillionNodeRing) {
  const BigGraph ring = make_million(true);
  {
    SCOPED_TRACE("cycles");
    check_ring_cycles(ring);
  }
  {
    SCOPED_TRACE("topological order");
    check_ring_topological_order(ring);
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering.

// Mermaid escapes each special character to its entity code (line breaks to <br/>, carriage
// returns dropped) and leaves other text, UTF-8 included, alone.
TEST(Render, EscapeMermaid) {
  EXPECT_EQ(escape_mermaid("plain text-1_2.3"), "plain text-1_2.3");
  EXPECT_EQ(escape_mermaid(""), "");
  EXPECT_EQ(escape_mermaid("\""), "#quot;");
  EXPECT_EQ(escape_mermaid("#"), "#35;");
  EXPECT_EQ(escape_mermaid("<"), "#lt;");
  EXPECT_EQ(escape_mermaid(">"), "#gt;");
  EXPECT_EQ(escape_mermaid("&"), "#amp;");
  EXPECT_EQ(escape_mermaid("|"), "#124;");
  EXPECT_EQ(escape_mermaid("\n"), "<br/>");
  EXPECT_EQ(escape_mermaid("a\r\nb"), "a<br/>b");
  EXPECT_EQ(escape_mermaid("say \"hi\" | <b> & #1\nok"),
            "say #quot;hi#quot; #124; #lt;b#gt; #amp; #35;1<br/>ok");
  EXPECT_EQ(escape_mermaid("caf\xc3\xa9"), "caf\xc3\xa9");
}

// Escaped Mermaid text never holds a raw quote, pipe, ampersand or line break, and its angle
// brackets only come from <br/>.
TEST(Render, EscapeMermaidLeavesNothingRaw) {
  std::mt19937 rng(5);
  const std::string alphabet = "ab \"#<>&|\n\r;\\";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  for (int trial = 0; trial < 300; ++trial) {
    std::string text;
    for (int i = 0; i < 12; ++i) text += alphabet[pick(rng)];
    std::string escaped = escape_mermaid(text);
    for (size_t at; (at = escaped.find("<br/>")) != std::string::npos;) escaped.erase(at, 5);
    EXPECT_EQ(escaped.find_first_of("\"|&<>\n\r"), std::string::npos) << escape_dot(text);
  }
}

// DOT backslash-escapes quotes and backslashes, writes line breaks as \n and drops carriage
// returns.
TEST(Render, EscapeDot) {
  EXPECT_EQ(escape_dot("plain <text> | # &"), "plain <text> | # &");
  EXPECT_EQ(escape_dot(""), "");
  EXPECT_EQ(escape_dot("\""), "\\\"");
  EXPECT_EQ(escape_dot("\\"), "\\\\");
  EXPECT_EQ(escape_dot("\n"), "\\n");
  EXPECT_EQ(escape_dot("a\r\nb"), "a\\nb");
  EXPECT_EQ(escape_dot("C:\\dir \"x\"\nend"), "C:\\\\dir \\\"x\\\"\\nend");
  EXPECT_EQ(escape_dot("\\\""), "\\\\\\\"");
}

// Undoes DOT escaping (\\ \" \n), for the round-trip test.
std::string unescape_dot(const std::string &text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char next = text[++i];
    out += next == 'n' ? '\n' : next;
  }
  return out;
}

// Random text without carriage returns survives DOT escaping, and the escaped text never ends
// the quoted string early.
TEST(Render, EscapeDotRoundTrips) {
  std::mt19937 rng(6);
  const std::string alphabet = "ab \"\\\nn#|";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  for (int trial = 0; trial < 300; ++trial) {
    std::string text;
    for (int i = 0; i < 12; ++i) text += alphabet[pick(rng)];
    const std::string escaped = escape_dot(text);
    EXPECT_EQ(unescape_dot(escaped), text) << escaped;
    EXPECT_EQ(escaped.find('\n'), std::string::npos);
    EXPECT_TRUE(std::regex_match(escaped, std::regex(R"re((?:[^"\\]|\\.)*)re"))) << escaped;
  }
}

// A drawing read back: its subgraphs' organizations in order, its nodes (by name) with keys,
// its edges (source name, target name, label text as written), and any line not understood.
struct Drawing {
  std::vector<Uuid> orgs;
  std::vector<std::pair<std::string, NodeKey>> nodes;
  std::vector<std::tuple<std::string, std::string, std::string>> edges;
  std::vector<std::string> unparsed;
  bool header_ok = false;
  bool footer_ok = false;
};

// Reads a Mermaid drawing as render_closure writes it.
Drawing parse_mermaid(const std::string &text) {
  static const std::regex subgraph(R"re(  subgraph org\d+ \["org ([0-9a-f-]{36})"\])re");
  static const std::regex node(R"re(    (n\d+)\["([0-9a-f-]{36})"\])re");
  static const std::regex edge(R"re(  (n\d+) -->\|"([^"]*)"\| (n\d+))re");
  Drawing drawing;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  drawing.header_ok = line == "flowchart LR";
  drawing.footer_ok = !text.empty() && text.back() == '\n';
  std::optional<Uuid> org;
  std::smatch match;
  while (std::getline(in, line)) {
    if (!org && std::regex_match(line, match, subgraph)) {
      org = parse_uuid(match[1].str());
      drawing.orgs.push_back(*org);
    } else if (org && std::regex_match(line, match, node)) {
      drawing.nodes.emplace_back(match[1].str(), NodeKey{*org, *parse_uuid(match[2].str())});
    } else if (org && line == "  end") {
      org.reset();
    } else if (!org && std::regex_match(line, match, edge)) {
      drawing.edges.emplace_back(match[1].str(), match[3].str(), match[2].str());
    } else {
      drawing.unparsed.push_back(line);
    }
  }
  if (org) drawing.unparsed.push_back("(subgraph not closed)");
  return drawing;
}

// Reads a DOT drawing as render_closure writes it.
Drawing parse_dot(const std::string &text) {
  static const std::regex subgraph(R"re(  subgraph cluster_\d+ \{)re");
  static const std::regex label(R"re(    label="org ([0-9a-f-]{36})";)re");
  static const std::regex node(R"re(    (n\d+) \[label="([0-9a-f-]{36})"\];)re");
  static const std::regex edge(R"re(  (n\d+) -> (n\d+) \[label="((?:[^"\\]|\\.)*)"\];)re");
  Drawing drawing;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  std::string second;
  std::getline(in, second);
  drawing.header_ok = line == "digraph dependencies {" && second == "  rankdir=LR;";
  bool in_subgraph = false;
  std::optional<Uuid> org;
  std::smatch match;
  while (std::getline(in, line)) {
    if (drawing.footer_ok) {
      drawing.unparsed.push_back(line);  // anything after the closing brace
    } else if (!in_subgraph && std::regex_match(line, subgraph)) {
      in_subgraph = true;
      org.reset();
    } else if (in_subgraph && !org && std::regex_match(line, match, label)) {
      org = parse_uuid(match[1].str());
      drawing.orgs.push_back(*org);
    } else if (org && std::regex_match(line, match, node)) {
      drawing.nodes.emplace_back(match[1].str(), NodeKey{*org, *parse_uuid(match[2].str())});
    } else if (in_subgraph && line == "  }") {
      in_subgraph = false;
      org.reset();
    } else if (!in_subgraph && std::regex_match(line, match, edge)) {
      drawing.edges.emplace_back(match[1].str(), match[2].str(), match[3].str());
    } else if (!in_subgraph && line == "}") {
      drawing.footer_ok = true;
    } else {
      drawing.unparsed.push_back(line);
    }
  }
  if (in_subgraph) drawing.unparsed.push_back("(subgraph not closed)");
  return drawing;
}

// Checks a drawing of a closure: one subgraph per organization of the drawn nodes, in key
// order, holding exactly that organization's nodes; every node once; and one edge per entry,
// drawn source -> target (the real edge's direction whatever the traversal's), labelled with
// the escaped type.
void check_drawing(const TestGraph &g, NodeId root, const std::vector<ClosureEntry> &entries,
                   Direction direction, GraphFormat format) {
  SCOPED_TRACE(format == GraphFormat::kMermaid ? "mermaid" : "dot");
  const std::string text = tenancy::render_closure(g.graph, root, entries, direction, format);
  SCOPED_TRACE(text);
  const Drawing drawing = format == GraphFormat::kMermaid ? parse_mermaid(text) : parse_dot(text);
  EXPECT_TRUE(drawing.header_ok);
  EXPECT_TRUE(drawing.footer_ok);
  EXPECT_TRUE(drawing.unparsed.empty()) << drawing.unparsed.front();
  // Nodes: exactly root and the entries, each once, under the subgraph of its organization.
  std::map<std::string, NodeId> by_name;
  std::set<NodeId> drawn;
  for (const auto &[name, key] : drawing.nodes) {
    const NodeId node = g.graph.find(key);
    ASSERT_NE(node, kNoNode) << name;
    EXPECT_TRUE(by_name.emplace(name, node).second) << "name twice: " << name;
    EXPECT_TRUE(drawn.insert(node).second) << "node twice: " << name;
  }
  std::set<NodeId> expected_nodes{root};
  std::set<std::vector<uint8_t>> expected_orgs;
  for (const ClosureEntry &entry : entries) expected_nodes.insert(entry.node);
  for (const NodeId node : expected_nodes) {
    const auto &bytes = g.graph.key(node).org.bytes;
    expected_orgs.emplace(bytes.begin(), bytes.end());
  }
  EXPECT_EQ(drawn, expected_nodes);
  // Subgraphs: one per organization, in increasing order (so none twice).
  ASSERT_EQ(drawing.orgs.size(), expected_orgs.size());
  for (size_t i = 1; i < drawing.orgs.size(); ++i) {
    EXPECT_LT(drawing.orgs[i - 1].bytes, drawing.orgs[i].bytes) << "subgraph " << i;
  }
  // Edges: per entry, the real edge source -> target with its escaped type.
  std::multiset<std::tuple<NodeId, NodeId, std::string>> expected_edges, drawn_edges;
  for (const ClosureEntry &entry : entries) {
    const NodeId source = direction == kDown ? entry.parent : entry.node;
    const NodeId target = direction == kDown ? entry.node : entry.parent;
    const std::string &type = g.graph.type_name(entry.type);
    ASSERT_TRUE(g.has_edge(g.num(source), g.num(target), type));
    expected_edges.emplace(
        source, target, format == GraphFormat::kMermaid ? escape_mermaid(type) : escape_dot(type));
  }
  for (const auto &[source, target, label] : drawing.edges) {
    ASSERT_EQ(by_name.count(source), 1u) << source;
    ASSERT_EQ(by_name.count(target), 1u) << target;
    drawn_edges.emplace(by_name[source], by_name[target], label);
  }
  EXPECT_EQ(drawn_edges, expected_edges);
}

// The uuids of the small drawings below, as text.
constexpr const char kOrg0[] = "00000000-0000-4000-8000-00000000000a";
constexpr const char kOrg1[] = "00000001-0000-4000-8000-00000000000a";
constexpr const char kEntity0[] = "00000000-0000-4000-8000-00000000000e";
constexpr const char kEntity1[] = "00000001-0000-4000-8000-00000000000e";
constexpr const char kEntity2[] = "00000002-0000-4000-8000-00000000000e";

// text with the placeholders {O0}, {O1}, {E0}, {E1} and {E2} replaced by the uuids above.
std::string with_uuids(std::string text) {
  const std::pair<const char *, const char *> names[] = {
      {"{O0}", kOrg0}, {"{O1}", kOrg1}, {"{E0}", kEntity0}, {"{E1}", kEntity1}, {"{E2}", kEntity2}};
  for (const auto &[placeholder, uuid] : names) {
    for (size_t at; (at = text.find(placeholder)) != std::string::npos;) {
      text.replace(at, std::string(placeholder).size(), uuid);
    }
  }
  return text;
}

// The three-node graph of the exact drawings: 0 -> 1 (uses), 1 -> 2 (calls), over 2 orgs.
TestGraph three_nodes() { return make_graph("three", 3, 2, {{0, 1, "uses"}, {1, 2, "calls"}}, 1); }

// The downstream closure of 0, drawn in Mermaid, exactly.
TEST(Render, MermaidDownstreamExactly) {
  const TestGraph g = three_nodes();
  ASSERT_EQ(format_uuid(node_key(0, 2).org), kOrg0);
  ASSERT_EQ(format_uuid(node_key(2, 2).entity), kEntity2);
  const auto entries = tenancy::closure(g.graph, g.id[0], kDown, -1, counting_check);
  EXPECT_EQ(tenancy::render_closure(g.graph, g.id[0], entries, kDown, GraphFormat::kMermaid),
            with_uuids(R"(flowchart LR
  subgraph org0 ["org {O0}"]
    n0["{E0}"]
    n2["{E2}"]
  end
  subgraph org1 ["org {O1}"]
    n1["{E1}"]
  end
  n0 -->|"uses"| n1
  n1 -->|"calls"| n2
)"));
}

// The upstream closure of 2, drawn in DOT, exactly: edges still point source -> target.
TEST(Render, DotUpstreamExactly) {
  const TestGraph g = three_nodes();
  const auto entries = tenancy::closure(g.graph, g.id[2], kUp, -1, counting_check);
  EXPECT_EQ(tenancy::render_closure(g.graph, g.id[2], entries, kUp, GraphFormat::kDot),
            with_uuids(R"(digraph dependencies {
  rankdir=LR;
  subgraph cluster_0 {
    label="org {O0}";
    n2 [label="{E0}"];
    n0 [label="{E2}"];
  }
  subgraph cluster_1 {
    label="org {O1}";
    n1 [label="{E1}"];
  }
  n1 -> n0 [label="calls"];
  n2 -> n1 [label="uses"];
}
)"));
}

// The upstream closure in Mermaid draws node -> parent (the edge's own direction).
TEST(Render, MermaidUpstreamEdgesPointSourceToTarget) {
  const TestGraph g = three_nodes();
  const auto entries = tenancy::closure(g.graph, g.id[2], kUp, -1, counting_check);
  const std::string text =
      tenancy::render_closure(g.graph, g.id[2], entries, kUp, GraphFormat::kMermaid);
  // Listing: n0 = 2 (root), n1 = 1, n2 = 0.
  EXPECT_NE(text.find("  n1 -->|\"calls\"| n0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  n2 -->|\"uses\"| n1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("n0 -->"), std::string::npos) << text;
}

// A root alone is one subgraph with one node and no edges.
TEST(Render, RootAlone) {
  const TestGraph g = three_nodes();
  const auto entries = tenancy::closure(g.graph, g.id[1], kDown, 0, counting_check);
  ASSERT_TRUE(entries.empty());
  EXPECT_EQ(tenancy::render_closure(g.graph, g.id[1], entries, kDown, GraphFormat::kMermaid),
            with_uuids("flowchart LR\n  subgraph org0 [\"org {O1}\"]\n    n0[\"{E1}\"]\n  end\n"));
  check_drawing(g, g.id[1], entries, kDown, GraphFormat::kDot);
}

// Type names with special characters are escaped in edge labels, in both formats.
TEST(Render, EdgeLabelsAreEscaped) {
  const std::string type = "say \"hi\" | <b> & #1\nC:\\dir";
  const TestGraph g = make_graph("labels", 2, 1, {{0, 1, type}}, 1);
  const auto entries = tenancy::closure(g.graph, g.id[0], kDown, -1, counting_check);
  const std::string mermaid =
      tenancy::render_closure(g.graph, g.id[0], entries, kDown, GraphFormat::kMermaid);
  EXPECT_NE(mermaid.find("  n0 -->|\"say #quot;hi#quot; #124; #lt;b#gt; #amp; #35;1<br/>C:\\dir\"| "
                         "n1\n"),
            std::string::npos)
      << mermaid;
  const std::string dot =
      tenancy::render_closure(g.graph, g.id[0], entries, kDown, GraphFormat::kDot);
  EXPECT_NE(dot.find("  n0 -> n1 [label=\"say \\\"hi\\\" | <b> & #1\\nC:\\\\dir\"];\n"),
            std::string::npos)
      << dot;
  check_drawing(g, g.id[0], entries, kDown, GraphFormat::kMermaid);
  check_drawing(g, g.id[0], entries, kDown, GraphFormat::kDot);
}

// Closures of a multi-organization graph with awkward type names, both directions and both
// formats: one subgraph per organization, every node once, every edge source -> target.
TEST(Render, DrawingsOfGeneratedClosures) {
  std::mt19937 rng(8);
  std::vector<TestEdge> edges = random_edges(40, 70, true, rng);
  const char *const awkward[] = {"a\"b", "x|y", "<tag>", "1 & 2", "#hash", "two\nlines", "back\\"};
  for (size_t i = 0; i < edges.size(); ++i) edges[i].type = awkward[i % 7];
  const TestGraph g = make_graph("render", 40, 4, edges, 2);
  for (const int root : some_roots(g, 3)) {
    for (const Direction direction : {kDown, kUp}) {
      for (const int max_depth : {-1, 1, 2}) {
        SCOPED_TRACE("root " + std::to_string(root) + " max_depth " + std::to_string(max_depth));
        const auto entries =
            tenancy::closure(g.graph, g.id[root], direction, max_depth, counting_check);
        check_drawing(g, g.id[root], entries, direction, GraphFormat::kMermaid);
        check_drawing(g, g.id[root], entries, direction, GraphFormat::kDot);
        if (HasFatalFailure()) return;
      }
    }
  }
}

}  // namespace
