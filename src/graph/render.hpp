// Drawing a closure as Mermaid or Graphviz DOT text: one box group (subgraph) per
// organization, edges labelled with their dependency type, every label escaped.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "graph/traversal.hpp"

namespace tenancy {

// The output languages.
enum class GraphFormat { kMermaid, kDot };

// Draws root and the closure entries (as closure() returned them): the nodes grouped by
// organization, and for each entry the edge between it and its parent, drawn in the edge's own
// direction (source depends on target) whatever the traversal direction was.
std::string render_closure(const Graph &graph, NodeId root,
                           const std::vector<ClosureEntry> &entries, Direction direction,
                           GraphFormat format);

// Text made safe inside a double-quoted Mermaid label (quotes, angle brackets, #, ampersands and
// line breaks become entity codes).
std::string escape_mermaid(const std::string &text);

// Text made safe inside a double-quoted DOT string (backslashes, quotes, line breaks).
std::string escape_dot(const std::string &text);

}  // namespace tenancy
