// Node interning and the CSR build (a counting sort of the edges by source and by target).
#include "graph/graph.hpp"

#include <algorithm>
#include <cstring>

namespace tenancy {

// All 32 bytes, mixed: entity ids are chosen by callers, so ids sharing a prefix must not
// collide (that would make interning quadratic, a lever for one tenant against another).
size_t NodeKeyHash::operator()(const NodeKey &key) const noexcept {
  uint64_t words[4];
  std::memcpy(&words[0], key.org.bytes.data(), 8);
  std::memcpy(&words[1], key.org.bytes.data() + 8, 8);
  std::memcpy(&words[2], key.entity.bytes.data(), 8);
  std::memcpy(&words[3], key.entity.bytes.data() + 8, 8);
  uint64_t hash = 0x9E3779B97F4A7C15ull;
  for (const uint64_t word : words) {
    hash ^= word;
    hash *= 0xBF58476D1CE4E5B9ull;
    hash ^= hash >> 31;
  }
  // A final avalanche, so that every input bit reaches the low bits NodeIndex takes its slot
  // from (without it, the high bits of the last word never did: ids differing only in their
  // last bytes piled into one probe run).
  hash ^= hash >> 33;
  hash *= 0xFF51AFD7ED558CCDull;
  hash ^= hash >> 33;
  hash *= 0xC4CEB9FE1A85EC53ull;
  hash ^= hash >> 33;
  return static_cast<size_t>(hash);
}

// Linear probing from the key's home slot until the key or an empty slot.
NodeId NodeIndex::find(const NodeKey &key) const noexcept {
  if (slots_.empty()) return kNoNode;
  for (size_t slot = home(NodeKeyHash()(key));; slot = (slot + 1) & (slots_.size() - 1)) {
    const Slot &candidate = slots_[slot];
    if (candidate.id == kNoNode || candidate.key == key) return candidate.id;
  }
}

// Probes as find does; an empty slot takes the key. Grows first when it would pass half full.
std::pair<NodeId, bool> NodeIndex::insert(const NodeKey &key, NodeId id) {
  if (2 * (size_ + 1) > slots_.size()) grow();
  for (size_t slot = home(NodeKeyHash()(key));; slot = (slot + 1) & (slots_.size() - 1)) {
    Slot &candidate = slots_[slot];
    if (candidate.id == kNoNode) {
      candidate.key = key;
      candidate.id = id;
      ++size_;
      return {id, true};
    }
    if (candidate.key == key) return {candidate.id, false};
  }
}

// A prefetch of the home slot's cache line.
void NodeIndex::prefetch(const NodeKey &key) const noexcept {
  if (!slots_.empty()) __builtin_prefetch(&slots_[home(NodeKeyHash()(key))]);
}

// A table of twice the size (at least 64 slots), every key re-inserted. The new table is
// allocated before the old one is given up, so a failed allocation leaves the index as it was.
void NodeIndex::grow() {
  std::vector<Slot> bigger(std::max<size_t>(64, 2 * slots_.size()));
  bigger.swap(slots_);
  size_ = 0;
  for (const Slot &slot : bigger) {
    if (slot.id != kNoNode) insert(slot.key, slot.id);
  }
}

// The largest distance of a key from its home slot.
size_t NodeIndex::longest_probe() const {
  size_t longest = 0;
  for (size_t slot = 0; slot < slots_.size(); ++slot) {
    if (slots_[slot].id == kNoNode) continue;
    const size_t distance = (slot - home(NodeKeyHash()(slots_[slot].key))) & (slots_.size() - 1);
    longest = std::max(longest, distance);
  }
  return longest;
}

// Insert-or-find, after the pending edges (so ids follow the order of first sight).
NodeId GraphBuilder::intern(const NodeKey &key) {
  flush_pending();
  return intern_now(key);
}

// Insert-or-find in the index; a new node gets the next id.
NodeId GraphBuilder::intern_now(const NodeKey &key) {
  const auto [id, inserted] = ids_.insert(key, static_cast<NodeId>(keys_.size()));
  if (inserted) keys_.push_back(key);
  return id;
}

// The type interned now; the ends queued until a batch is full.
void GraphBuilder::add_edge(const NodeKey &source, const NodeKey &target, std::string_view type) {
  if (last_type_ >= types_.size() || types_[last_type_] != type) {
    const auto [it, inserted] =
        type_ids_.emplace(std::string(type), static_cast<uint32_t>(types_.size()));
    if (inserted) types_.emplace_back(type);
    last_type_ = it->second;
  }
  pending_[pending_count_++] = PendingEdge{source, target, last_type_};
  if (pending_count_ == kBatch) flush_pending();
}

// Prefetches every pending end's slot (a repeated source once), then interns them in order.
void GraphBuilder::flush_pending() {
  if (pending_count_ == 0) return;
  const size_t count = pending_count_;
  pending_count_ = 0;  // append_edge interns directly
  for (size_t i = 0; i < count; ++i) {
    if (i == 0 || !(pending_[i].source == pending_[i - 1].source)) {
      ids_.prefetch(pending_[i].source);
    }
    ids_.prefetch(pending_[i].target);
  }
  for (size_t i = 0; i < count; ++i) {
    append_edge(pending_[i].source, pending_[i].target, pending_[i].type);
  }
}

// Both ends interned (the source looked up only when it differs from the previous edge's).
void GraphBuilder::append_edge(const NodeKey &source, const NodeKey &target, uint32_t type) {
  if (last_source_ == kNoNode || !(last_source_key_ == source)) {
    last_source_ = intern_now(source);
    last_source_key_ = source;
  }
  const NodeId to = intern_now(target);
  sources_.push_back(last_source_);
  targets_.push_back(Arc{to, type});
}

namespace {

// Fills offsets/arcs so that arcs[offsets[n] .. offsets[n+1]) are the arcs of node n, keeping
// the input order within a node (a stable counting sort).
void build_csr(size_t node_count, const std::vector<NodeId> &from, const std::vector<Arc> &to,
               std::vector<uint32_t> &offsets, std::vector<Arc> &arcs) {
  offsets.assign(node_count + 1, 0);
  for (const NodeId node : from) ++offsets[node + 1];
  for (size_t i = 1; i <= node_count; ++i) offsets[i] += offsets[i - 1];
  arcs.resize(from.size());
  std::vector<uint32_t> next(offsets.begin(), offsets.end() - 1);
  for (size_t i = 0; i < from.size(); ++i) arcs[next[from[i]]++] = to[i];
}

}  // namespace

// Forward arcs grouped by source, backward arcs grouped by target.
Graph GraphBuilder::build() {
  flush_pending();
  Graph graph;
  const size_t nodes = keys_.size();
  build_csr(nodes, sources_, targets_, graph.forward_offsets_, graph.forward_arcs_);
  std::vector<NodeId> reverse_from(targets_.size());
  std::vector<Arc> reverse_to(targets_.size());
  for (size_t i = 0; i < targets_.size(); ++i) {
    reverse_from[i] = targets_[i].node;
    reverse_to[i] = Arc{sources_[i], targets_[i].type};
  }
  build_csr(nodes, reverse_from, reverse_to, graph.backward_offsets_, graph.backward_arcs_);
  graph.ids_ = std::move(ids_);
  graph.keys_ = std::move(keys_);
  graph.types_ = std::move(types_);
  *this = GraphBuilder();
  return graph;
}

// A hash lookup.
NodeId Graph::find(const NodeKey &key) const { return ids_.find(key); }

// The node's slice of the direction's arc array.
const Arc *Graph::arcs_begin(NodeId node, Direction direction) const {
  return direction == Direction::kDownstream ? forward_arcs_.data() + forward_offsets_[node]
                                             : backward_arcs_.data() + backward_offsets_[node];
}

// The end of the node's slice.
const Arc *Graph::arcs_end(NodeId node, Direction direction) const {
  return direction == Direction::kDownstream ? forward_arcs_.data() + forward_offsets_[node + 1]
                                             : backward_arcs_.data() + backward_offsets_[node + 1];
}

// Arrays plus a rough per-entry cost of the hash index.
size_t Graph::memory_bytes() const {
  size_t bytes = keys_.capacity() * sizeof(NodeKey) + ids_.memory_bytes() +
                 (forward_offsets_.capacity() + backward_offsets_.capacity()) * sizeof(uint32_t) +
                 (forward_arcs_.capacity() + backward_arcs_.capacity()) * sizeof(Arc);
  for (const std::string &type : types_) bytes += sizeof(std::string) + type.capacity();
  return bytes;
}

}  // namespace tenancy
