// Identifier and literal quoting.
#include "rls/identifier.hpp"

namespace tenancy {

namespace {

// True for a name that needs no quotes apart from the keyword check.
bool is_plain_identifier(std::string_view name) {
  if (name.empty()) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!plain) return false;
  }
  return true;
}

}  // namespace

// Same decision as PostgreSQL's quote_identifier.
std::string quote_identifier(std::string_view name, const KeywordCheck &is_reserved_keyword) {
  if (is_plain_identifier(name) && !(is_reserved_keyword && is_reserved_keyword(name))) {
    return std::string(name);
  }
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

// schema.name with each part quoted as needed.
std::string qualified_name(std::string_view schema, std::string_view name,
                           const KeywordCheck &is_reserved_keyword) {
  return quote_identifier(schema, is_reserved_keyword) + "." +
         quote_identifier(name, is_reserved_keyword);
}

// A standard-conforming literal; backslashes force the E'' form, as quote_literal does.
std::string quote_literal(std::string_view text) {
  const bool has_backslash = text.find('\\') != std::string_view::npos;
  std::string quoted = has_backslash ? "E'" : "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') quoted.push_back(c);
    quoted.push_back(c);
  }
  quoted.push_back('\'');
  return quoted;
}

}  // namespace tenancy
