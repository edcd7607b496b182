// Mermaid and DOT writers.
#include "graph/render.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace tenancy {

// Entity codes for the characters Mermaid would otherwise interpret.
std::string escape_mermaid(const std::string &text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "#quot;";
        break;
      case '#':
        out += "#35;";
        break;
      case '<':
        out += "#lt;";
        break;
      case '>':
        out += "#gt;";
        break;
      case '&':
        out += "#amp;";
        break;
      case '|':
        out += "#124;";
        break;
      case '\n':
        out += "<br/>";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Backslash escapes for a DOT quoted string.
std::string escape_dot(const std::string &text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// A stable identifier for a node in the drawing: n<position in the listing>.
std::string node_name(size_t position) { return "n" + std::to_string(position); }

}  // namespace

// Nodes first (grouped by organization, in key order), then one edge per closure entry.
std::string render_closure(const Graph &graph, NodeId root,
                           const std::vector<ClosureEntry> &entries, Direction direction,
                           GraphFormat format) {
  std::vector<NodeId> nodes{root};
  for (const ClosureEntry &entry : entries) nodes.push_back(entry.node);
  std::map<NodeId, size_t> position;
  for (size_t i = 0; i < nodes.size(); ++i) position[nodes[i]] = i;
  std::vector<NodeId> sorted = nodes;
  std::sort(sorted.begin(), sorted.end(),
            [&](NodeId a, NodeId b) { return key_less(graph.key(a), graph.key(b)); });
  std::ostringstream out;
  const bool mermaid = format == GraphFormat::kMermaid;
  out << (mermaid ? "flowchart LR\n" : "digraph dependencies {\n  rankdir=LR;\n");
  size_t group = 0;
  for (size_t i = 0; i < sorted.size();) {
    const Uuid org = graph.key(sorted[i]).org;
    const std::string org_text = format_uuid(org);
    if (mermaid) {
      out << "  subgraph org" << group << " [\"org " << escape_mermaid(org_text) << "\"]\n";
    } else {
      out << "  subgraph cluster_" << group << " {\n    label=\"org " << escape_dot(org_text)
          << "\";\n";
    }
    for (; i < sorted.size() && graph.key(sorted[i]).org == org; ++i) {
      const std::string label = format_uuid(graph.key(sorted[i]).entity);
      const std::string name = node_name(position[sorted[i]]);
      if (mermaid) {
        out << "    " << name << "[\"" << escape_mermaid(label) << "\"]\n";
      } else {
        out << "    " << name << " [label=\"" << escape_dot(label) << "\"];\n";
      }
    }
    out << (mermaid ? "  end\n" : "  }\n");
    ++group;
  }
  for (const ClosureEntry &entry : entries) {
    const bool down = direction == Direction::kDownstream;
    const std::string source = node_name(position[down ? entry.parent : entry.node]);
    const std::string target = node_name(position[down ? entry.node : entry.parent]);
    const std::string &type = graph.type_name(entry.type);
    if (mermaid) {
      out << "  " << source << " -->|\"" << escape_mermaid(type) << "\"| " << target << "\n";
    } else {
      out << "  " << source << " -> " << target << " [label=\"" << escape_dot(type) << "\"];\n";
    }
  }
  if (!mermaid) out << "}\n";
  return out.str();
}

}  // namespace tenancy
