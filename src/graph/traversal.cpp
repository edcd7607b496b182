// BFS closure, BFS shortest path, iterative Tarjan SCC, and Kahn's topological order.
#include "graph/traversal.hpp"

#include <algorithm>
#include <queue>

namespace tenancy {

// Bytewise comparison of organization, then entity.
bool key_less(const NodeKey &a, const NodeKey &b) {
  if (a.org != b.org) return a.org.bytes < b.org.bytes;
  return a.entity.bytes < b.entity.bytes;
}

// A FIFO over a vector: the frontier never shrinks, so the entries are the BFS order.
std::vector<ClosureEntry> closure(const Graph &graph, NodeId start, Direction direction,
                                  int max_depth, InterruptCheck interrupt) {
  std::vector<ClosureEntry> reached;
  if (start == kNoNode || start >= graph.node_count()) return reached;
  std::vector<bool> seen(graph.node_count(), false);
  seen[start] = true;
  // Expands node at depth into unseen neighbours; the root is expanded first.
  auto expand = [&](NodeId node, int depth) {
    if (max_depth >= 0 && depth >= max_depth) return;
    for (const Arc *arc = graph.arcs_begin(node, direction); arc != graph.arcs_end(node, direction);
         ++arc) {
      if (seen[arc->node]) continue;
      seen[arc->node] = true;
      reached.push_back(ClosureEntry{arc->node, depth + 1, node, arc->type});
    }
  };
  interrupt();
  expand(start, 0);
  for (size_t next = 0; next < reached.size(); ++next) {
    interrupt();
    expand(reached[next].node, reached[next].depth);
  }
  return reached;
}

// BFS with parent pointers until to is reached, then walk back.
std::vector<PathStep> shortest_path(const Graph &graph, NodeId from, NodeId to,
                                    InterruptCheck interrupt) {
  std::vector<PathStep> path;
  if (from >= graph.node_count() || to >= graph.node_count()) return path;  // kNoNode too
  if (from == to) {
    path.push_back(PathStep{from, kNoType});
    return path;
  }
  std::vector<NodeId> parent(graph.node_count(), kNoNode);
  std::vector<uint32_t> via(graph.node_count(), kNoType);
  std::vector<NodeId> frontier{from};
  parent[from] = from;
  for (size_t next = 0; next < frontier.size() && parent[to] == kNoNode; ++next) {
    interrupt();
    const NodeId node = frontier[next];
    for (const Arc *arc = graph.arcs_begin(node, Direction::kDownstream);
         arc != graph.arcs_end(node, Direction::kDownstream); ++arc) {
      if (parent[arc->node] != kNoNode) continue;
      parent[arc->node] = node;
      via[arc->node] = arc->type;
      frontier.push_back(arc->node);
    }
  }
  if (parent[to] == kNoNode) return path;
  for (NodeId node = to; node != from; node = parent[node]) {
    interrupt();
    path.push_back(PathStep{node, via[node]});
  }
  path.push_back(PathStep{from, kNoType});
  std::reverse(path.begin(), path.end());
  return path;
}

namespace {

// Tarjan's algorithm with an explicit stack of (node, next arc) frames.
std::vector<std::vector<NodeId>> strongly_connected(const Graph &graph, InterruptCheck interrupt) {
  const size_t n = graph.node_count();
  constexpr uint32_t kUnvisited = UINT32_MAX;
  std::vector<uint32_t> index(n, kUnvisited), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<NodeId> stack;
  struct Frame {
    NodeId node;
    const Arc *next;
  };
  std::vector<Frame> frames;
  std::vector<std::vector<NodeId>> components;
  uint32_t counter = 0;
  for (NodeId root = 0; root < n; ++root) {
    if (index[root] != kUnvisited) continue;
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    frames.push_back(Frame{root, graph.arcs_begin(root, Direction::kDownstream)});
    while (!frames.empty()) {
      interrupt();
      Frame &frame = frames.back();
      const NodeId node = frame.node;
      if (frame.next != graph.arcs_end(node, Direction::kDownstream)) {
        const NodeId next = (frame.next++)->node;
        if (index[next] == kUnvisited) {
          index[next] = low[next] = counter++;
          stack.push_back(next);
          on_stack[next] = true;
          frames.push_back(Frame{next, graph.arcs_begin(next, Direction::kDownstream)});
        } else if (on_stack[next]) {
          low[node] = std::min(low[node], index[next]);
        }
        continue;
      }
      frames.pop_back();
      if (!frames.empty()) low[frames.back().node] = std::min(low[frames.back().node], low[node]);
      if (low[node] != index[node]) continue;
      std::vector<NodeId> component;
      NodeId member;
      do {
        member = stack.back();
        stack.pop_back();
        on_stack[member] = false;
        component.push_back(member);
      } while (member != node);
      components.push_back(std::move(component));
    }
  }
  return components;
}

// True when node has an edge to itself.
bool has_self_loop(const Graph &graph, NodeId node) {
  for (const Arc *arc = graph.arcs_begin(node, Direction::kDownstream);
       arc != graph.arcs_end(node, Direction::kDownstream); ++arc) {
    if (arc->node == node) return true;
  }
  return false;
}

}  // namespace

// The non-trivial components, in a deterministic order.
std::vector<std::vector<NodeId>> cycles(const Graph &graph, InterruptCheck interrupt) {
  std::vector<std::vector<NodeId>> result;
  for (std::vector<NodeId> &component : strongly_connected(graph, interrupt)) {
    if (component.size() == 1 && !has_self_loop(graph, component[0])) continue;
    const auto by_key = [&](NodeId a, NodeId b) { return key_less(graph.key(a), graph.key(b)); };
    std::sort(component.begin(), component.end(), by_key);
    result.push_back(std::move(component));
  }
  std::sort(result.begin(), result.end(), [&](const auto &a, const auto &b) {
    return key_less(graph.key(a[0]), graph.key(b[0]));
  });
  return result;
}

// Kahn's algorithm on "depends on" counts: a node is ready when all its targets are placed.
TopologicalOrder topological_order(const Graph &graph, InterruptCheck interrupt) {
  const size_t n = graph.node_count();
  std::vector<uint32_t> waiting(n, 0);
  for (NodeId node = 0; node < n; ++node) {
    waiting[node] = static_cast<uint32_t>(graph.arcs_end(node, Direction::kDownstream) -
                                          graph.arcs_begin(node, Direction::kDownstream));
  }
  const auto later = [&](NodeId a, NodeId b) { return key_less(graph.key(b), graph.key(a)); };
  std::priority_queue<NodeId, std::vector<NodeId>, decltype(later)> ready(later);
  for (NodeId node = 0; node < n; ++node) {
    if (waiting[node] == 0) ready.push(node);
  }
  TopologicalOrder result;
  result.order.reserve(n);
  while (!ready.empty()) {
    interrupt();
    const NodeId node = ready.top();
    ready.pop();
    result.order.push_back(node);
    for (const Arc *arc = graph.arcs_begin(node, Direction::kUpstream);
         arc != graph.arcs_end(node, Direction::kUpstream); ++arc) {
      if (--waiting[arc->node] == 0) ready.push(arc->node);
    }
  }
  if (result.order.size() == n) return result;
  // Some nodes wait forever: each has a target that also waits. Walking such targets must
  // revisit a node; the walk from there is a cycle.
  NodeId start = 0;
  while (waiting[start] == 0) ++start;
  std::vector<uint32_t> visited_at(n, UINT32_MAX);
  std::vector<NodeId> walk;
  NodeId node = start;
  while (visited_at[node] == UINT32_MAX) {
    interrupt();
    visited_at[node] = static_cast<uint32_t>(walk.size());
    walk.push_back(node);
    for (const Arc *arc = graph.arcs_begin(node, Direction::kDownstream);; ++arc) {
      if (waiting[arc->node] != 0) {
        node = arc->node;
        break;
      }
    }
  }
  result.cycle.assign(walk.begin() + visited_at[node], walk.end());
  result.order.clear();
  return result;
}

}  // namespace tenancy
