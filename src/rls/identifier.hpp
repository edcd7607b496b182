// SQL identifier quoting with PostgreSQL's quote_identifier rules.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace tenancy {

// Tells whether a lower-case word is a keyword that must be quoted as an identifier.
using KeywordCheck = std::function<bool(std::string_view)>;

// Quotes name unless it is a plain lower-case identifier that is not such a keyword; embedded
// double quotes are doubled, so any text becomes exactly one identifier.
std::string quote_identifier(std::string_view name, const KeywordCheck &is_reserved_keyword);

// Schema-qualifies and quotes: "schema"."name" (each part quoted only when needed).
std::string qualified_name(std::string_view schema, std::string_view name,
                           const KeywordCheck &is_reserved_keyword);

// Quotes text as a SQL string literal ('...' with quotes doubled; E'' for backslashes).
std::string quote_literal(std::string_view text);

}  // namespace tenancy
