// Graph algorithms over the CSR graph, all iterative (no recursion, so no stack limit) and
// linear in what they visit; each loop calls the interrupt check, which may throw to cancel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.hpp"

namespace tenancy {

// Called in every loop; throws (for instance PostgreSQL's cancel) to stop the traversal.
using InterruptCheck = void (*)();

// One node of a closure: reached at depth (>= 1) from parent over an edge of a type.
struct ClosureEntry {
  NodeId node;
  int depth;
  NodeId parent;
  uint32_t type;
};

// Breadth-first search from start: every node reachable in direction, once, at its shortest
// depth, with its BFS-tree parent; max_depth < 0 means unlimited. The start node itself is not
// listed. Entries come in BFS order.
std::vector<ClosureEntry> closure(const Graph &graph, NodeId start, Direction direction,
                                  int max_depth, InterruptCheck interrupt);

// One step of a path: the node, and the type of the edge that led to it (kNoType for the first).
inline constexpr uint32_t kNoType = UINT32_MAX;
struct PathStep {
  NodeId node;
  uint32_t type;
};

// A shortest downstream path from -> to (from first); empty when to is unreachable; one step
// when from == to.
std::vector<PathStep> shortest_path(const Graph &graph, NodeId from, NodeId to,
                                    InterruptCheck interrupt);

// The strongly connected components with more than one node, and single nodes with an edge to
// themselves: each sorted by node key, the components ordered by their first key.
std::vector<std::vector<NodeId>> cycles(const Graph &graph, InterruptCheck interrupt);

// A topological order, dependencies first (a node after everything it depends on), ties broken
// by node key so the order does not depend on how edges were loaded. When the graph has a
// cycle, order is empty and cycle holds the nodes of one cycle in edge order.
struct TopologicalOrder {
  std::vector<NodeId> order;
  std::vector<NodeId> cycle;
};
TopologicalOrder topological_order(const Graph &graph, InterruptCheck interrupt);

// Orders node keys: by organization, then entity (bytewise, as uuids compare in PostgreSQL).
bool key_less(const NodeKey &a, const NodeKey &b);

}  // namespace tenancy
