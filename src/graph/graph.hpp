// The dependency graph in compact form: nodes are interned (organization, entity) uuid pairs,
// edges are kept in CSR arrays in both directions, so traversals touch contiguous memory and
// cost O(nodes + edges) space.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/uuid.hpp"

namespace tenancy {

// One node: an entity of an organization.
struct NodeKey {
  Uuid org;
  Uuid entity;
  bool operator==(const NodeKey &other) const { return org == other.org && entity == other.entity; }
};

// Hash of a NodeKey (the uuids are random, so their leading bytes spread well).
struct NodeKeyHash {
  size_t operator()(const NodeKey &key) const noexcept;
};

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = UINT32_MAX;

// Which way edges are followed: downstream = what a node depends on (source -> target),
// upstream = what depends on it (target -> source).
enum class Direction { kDownstream, kUpstream };

// An edge as stored: its far end and its dependency type (an index into the type names).
struct Arc {
  NodeId node;
  uint32_t type;
};

// Collects edges, then freezes them into a Graph.
class GraphBuilder {
 public:
  // The id of a node, interning it on first sight.
  NodeId intern(const NodeKey &key);
  // Adds the edge source -> target of the given type (types are interned too).
  void add_edge(const NodeKey &source, const NodeKey &target, const std::string &type);
  // The number of edges added.
  size_t edge_count() const { return sources_.size(); }
  // Builds the CSR arrays; the builder is left empty.
  class Graph build();

 private:
  std::unordered_map<NodeKey, NodeId, NodeKeyHash> ids_;
  std::vector<NodeKey> keys_;
  std::unordered_map<std::string, uint32_t> type_ids_;
  std::vector<std::string> types_;
  std::vector<NodeId> sources_;
  std::vector<Arc> targets_;
};

// An immutable graph in CSR form, both directions.
class Graph {
 public:
  // The number of nodes and edges.
  size_t node_count() const { return keys_.size(); }
  size_t edge_count() const { return forward_arcs_.size(); }
  // The id of a node, or kNoNode when the graph does not have it.
  NodeId find(const NodeKey &key) const;
  // The key of a node.
  const NodeKey &key(NodeId node) const { return keys_[node]; }
  // The name of a dependency type.
  const std::string &type_name(uint32_t type) const { return types_[type]; }
  // The arcs leaving node in a direction: [begin, end).
  const Arc *arcs_begin(NodeId node, Direction direction) const;
  const Arc *arcs_end(NodeId node, Direction direction) const;
  // Bytes held by the arrays and the index (approximate), for memory reports.
  size_t memory_bytes() const;

 private:
  friend class GraphBuilder;
  std::unordered_map<NodeKey, NodeId, NodeKeyHash> ids_;
  std::vector<NodeKey> keys_;
  std::vector<std::string> types_;
  std::vector<uint32_t> forward_offsets_;
  std::vector<Arc> forward_arcs_;
  std::vector<uint32_t> backward_offsets_;
  std::vector<Arc> backward_arcs_;
};

}  // namespace tenancy
