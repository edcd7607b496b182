// The dependency graph in compact form: nodes are interned (organization, entity) uuid pairs,
// edges are kept in CSR arrays in both directions, so traversals touch contiguous memory and
// cost O(nodes + edges) space.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/uuid.hpp"

namespace tenancy {

// One node: an entity of an organization.
struct NodeKey {
  Uuid org;
  Uuid entity;
  // Compares the 32 bytes as four words (inline; a memcmp call per probe showed in profiles).
  bool operator==(const NodeKey &other) const noexcept {
    uint64_t mine[4], theirs[4];
    std::memcpy(mine, org.bytes.data(), 16);
    std::memcpy(mine + 2, entity.bytes.data(), 16);
    std::memcpy(theirs, other.org.bytes.data(), 16);
    std::memcpy(theirs + 2, other.entity.bytes.data(), 16);
    return ((mine[0] ^ theirs[0]) | (mine[1] ^ theirs[1]) | (mine[2] ^ theirs[2]) |
            (mine[3] ^ theirs[3])) == 0;
  }
};

// Hash of a NodeKey (the uuids are random, so their leading bytes spread well).
struct NodeKeyHash {
  size_t operator()(const NodeKey &key) const noexcept;
};

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = UINT32_MAX;

// NodeKey -> NodeId in one flat array, open addressing with linear probing at most half full:
// a lookup is usually one cache line, where a node-based map costs three dependent misses.
class NodeIndex {
 public:
  // The id of key, or kNoNode.
  NodeId find(const NodeKey &key) const noexcept;
  // The id of key, adding it with id when absent; second is true when it was added.
  std::pair<NodeId, bool> insert(const NodeKey &key, NodeId id);
  // Asks the CPU to start loading key's home slot (a hint: a later find or insert of key then
  // waits less for memory; the table does not fit in cache on large graphs).
  void prefetch(const NodeKey &key) const noexcept;
  // The number of keys.
  size_t size() const { return size_; }
  // Bytes held.
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }
  // The largest distance of a key from its home slot (a probe run's length; for tests).
  size_t longest_probe() const;

 private:
  struct Slot {
    NodeKey key;
    NodeId id = kNoNode;  // kNoNode: empty
  };
  // The first slot to probe for a hash.
  size_t home(size_t hash) const { return hash & (slots_.size() - 1); }
  // Doubles the table (or creates it) and re-inserts every key.
  void grow();
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// Which way edges are followed: downstream = what a node depends on (source -> target),
// upstream = what depends on it (target -> source).
enum class Direction { kDownstream, kUpstream };

// An edge as stored: its far end and its dependency type (an index into the type names).
struct Arc {
  NodeId node;
  uint32_t type;
};

// Collects edges, then freezes them into a Graph. After an exception (an allocation failing)
// a builder is unusable: queued edges may be lost; callers discard it.
class GraphBuilder {
 public:
  // The id of a node, interning it on first sight (ids follow the order of first sight, the
  // edges added before included).
  NodeId intern(const NodeKey &key);
  // Adds the edge source -> target of the given type (types are interned too). The ends are
  // interned in batches, their slots prefetched first, so that the memory waits overlap.
  void add_edge(const NodeKey &source, const NodeKey &target, std::string_view type);
  // The number of edges added.
  size_t edge_count() const { return sources_.size() + pending_count_; }
  // Builds the CSR arrays; the builder is left empty.
  class Graph build();

 private:
  // An added edge whose ends are not interned yet.
  struct PendingEdge {
    NodeKey source;
    NodeKey target;
    uint32_t type;
  };
  static constexpr size_t kBatch = 32;
  // Interns the pending edges' ends, in order, after prefetching their slots.
  void flush_pending();
  // Insert-or-find without flushing.
  NodeId intern_now(const NodeKey &key);
  // Interns the ends of one edge and appends it.
  void append_edge(const NodeKey &source, const NodeKey &target, uint32_t type);

  PendingEdge pending_[kBatch];
  size_t pending_count_ = 0;
  NodeIndex ids_;
  std::vector<NodeKey> keys_;
  std::unordered_map<std::string, uint32_t> type_ids_;
  std::vector<std::string> types_;
  uint32_t last_type_ = 0;     // the previous edge's type: edges read together mostly share one
  NodeKey last_source_key_{};  // the previous edge's source (edges are read grouped by source)
  NodeId last_source_ = kNoNode;
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
  NodeIndex ids_;
  std::vector<NodeKey> keys_;
  std::vector<std::string> types_;
  std::vector<uint32_t> forward_offsets_;
  std::vector<Arc> forward_arcs_;
  std::vector<uint32_t> backward_offsets_;
  std::vector<Arc> backward_arcs_;
};

}  // namespace tenancy
