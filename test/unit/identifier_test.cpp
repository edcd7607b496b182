// Tests of identifier and literal quoting in rls/identifier.
#include "rls/identifier.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

namespace {

using tenancy::KeywordCheck;
using tenancy::qualified_name;
using tenancy::quote_identifier;
using tenancy::quote_literal;

// A stand-in for PostgreSQL's keyword table: a few words that must be quoted.
bool is_test_keyword(std::string_view word) {
  static const std::set<std::string, std::less<>> keywords = {"select", "table", "user", "order"};
  return keywords.find(word) != keywords.end();
}

const KeywordCheck kKeywords = is_test_keyword;
const KeywordCheck kNoKeywords;  // empty: no word is a keyword

// Reads one double-quoted identifier from the start of text: the name it denotes and the number
// of characters it spans, or npos when text does not start with a well-formed quoted identifier.
struct QuotedIdentifier {
  std::string name;
  size_t length = std::string::npos;
};

QuotedIdentifier read_quoted_identifier(std::string_view text) {
  QuotedIdentifier result;
  if (text.empty() || text[0] != '"') return result;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] != '"') {
      result.name.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '"') {
      result.name.push_back('"');
      ++i;
    } else {
      result.length = i + 1;
      return result;
    }
  }
  return result;  // unterminated
}

// Plain lower-case names (letters, digits, underscores; not starting with a digit) stay bare.
TEST(QuoteIdentifier, LeavesPlainNamesUnquoted) {
  for (const char *name : {"orders", "organization_id", "_private", "t1", "a_1_b", "x", "_"}) {
    EXPECT_EQ(quote_identifier(name, kKeywords), name) << name;
  }
}

// Upper case would be folded to lower case by the parser, so it is quoted.
TEST(QuoteIdentifier, QuotesUpperCase) {
  EXPECT_EQ(quote_identifier("Orders", kKeywords), "\"Orders\"");
  EXPECT_EQ(quote_identifier("ORDERS", kKeywords), "\"ORDERS\"");
  EXPECT_EQ(quote_identifier("orderS", kKeywords), "\"orderS\"");
}

// Spaces, punctuation and a leading digit all need quotes.
TEST(QuoteIdentifier, QuotesSpacesPunctuationAndLeadingDigits) {
  EXPECT_EQ(quote_identifier("my table", kKeywords), "\"my table\"");
  EXPECT_EQ(quote_identifier(" orders", kKeywords), "\" orders\"");
  EXPECT_EQ(quote_identifier("orders ", kKeywords), "\"orders \"");
  EXPECT_EQ(quote_identifier("1orders", kKeywords), "\"1orders\"");
  EXPECT_EQ(quote_identifier("9", kKeywords), "\"9\"");
  EXPECT_EQ(quote_identifier("a.b", kKeywords), "\"a.b\"");
  EXPECT_EQ(quote_identifier("a-b", kKeywords), "\"a-b\"");
  EXPECT_EQ(quote_identifier("a$b", kKeywords), "\"a$b\"");
  EXPECT_EQ(quote_identifier("a;b", kKeywords), "\"a;b\"");
  EXPECT_EQ(quote_identifier("a'b", kKeywords), "\"a'b\"");
}

// The empty name is written as "" (which PostgreSQL then rejects as a zero-length identifier).
TEST(QuoteIdentifier, QuotesEmptyName) { EXPECT_EQ(quote_identifier("", kKeywords), "\"\""); }

// Embedded double quotes are doubled.
TEST(QuoteIdentifier, DoublesEmbeddedDoubleQuotes) {
  EXPECT_EQ(quote_identifier("a\"b", kKeywords), "\"a\"\"b\"");
  EXPECT_EQ(quote_identifier("\"", kKeywords), "\"\"\"\"");
  EXPECT_EQ(quote_identifier("\"\"", kKeywords), "\"\"\"\"\"\"");
  EXPECT_EQ(quote_identifier("\"orders\"", kKeywords), "\"\"\"orders\"\"\"");
}

// Non-ASCII letters are not plain identifier characters, so the name is quoted, bytes unchanged.
TEST(QuoteIdentifier, QuotesUnicode) {
  EXPECT_EQ(quote_identifier("caf\xc3\xa9", kKeywords), "\"caf\xc3\xa9\"");
  EXPECT_EQ(quote_identifier("\xe8\xa1\xa8", kKeywords), "\"\xe8\xa1\xa8\"");
  EXPECT_EQ(quote_identifier("\xc3\xa9t\xc3\xa9", kKeywords), "\"\xc3\xa9t\xc3\xa9\"");
}

// A word the predicate calls a keyword is quoted; other words, and any word without a
// predicate, are not.
TEST(QuoteIdentifier, QuotesKeywordsPerPredicate) {
  EXPECT_EQ(quote_identifier("select", kKeywords), "\"select\"");
  EXPECT_EQ(quote_identifier("table", kKeywords), "\"table\"");
  EXPECT_EQ(quote_identifier("user", kKeywords), "\"user\"");
  EXPECT_EQ(quote_identifier("selects", kKeywords), "selects");
  EXPECT_EQ(quote_identifier("users", kKeywords), "users");
  EXPECT_EQ(quote_identifier("select", kNoKeywords), "select");
  EXPECT_EQ(quote_identifier("user", [](std::string_view) { return false; }), "user");
  EXPECT_EQ(quote_identifier("orders", [](std::string_view) { return true; }), "\"orders\"");
}

// The predicate is asked about the name exactly as given.
TEST(QuoteIdentifier, AsksThePredicateAboutTheName) {
  std::string asked;
  const KeywordCheck record = [&](std::string_view word) {
    asked = std::string(word);
    return false;
  };
  EXPECT_EQ(quote_identifier("orders", record), "orders");
  EXPECT_EQ(asked, "orders");
}

// An injection attempt becomes exactly one quoted identifier that denotes the original text.
TEST(QuoteIdentifier, InjectionBecomesOneIdentifier) {
  const std::string hostile = "x\"; DROP TABLE t; --";
  const std::string quoted = quote_identifier(hostile, kKeywords);
  EXPECT_EQ(quoted, "\"x\"\"; DROP TABLE t; --\"");
  const QuotedIdentifier parsed = read_quoted_identifier(quoted);
  ASSERT_NE(parsed.length, std::string::npos) << quoted;
  EXPECT_EQ(parsed.length, quoted.size()) << "the identifier must span the whole text: " << quoted;
  EXPECT_EQ(parsed.name, hostile);
}

// Every name round-trips through quoting and parsing as one identifier.
TEST(QuoteIdentifier, AnyTextRoundTripsAsOneIdentifier) {
  for (const char *name : {"", "\"", "\"\"\"", "a\"\"b", "\";--", "x\" OR \"1\"=\"1", "Tab\tle",
                           "new\nline", "caf\xc3\xa9", "select"}) {
    const std::string quoted = quote_identifier(name, kKeywords);
    const QuotedIdentifier parsed = read_quoted_identifier(quoted);
    ASSERT_NE(parsed.length, std::string::npos) << quoted;
    EXPECT_EQ(parsed.length, quoted.size()) << quoted;
    EXPECT_EQ(parsed.name, name);
  }
}

// qualified_name joins the two parts with a dot, quoting each only as needed.
TEST(QualifiedName, QuotesEachPartAsNeeded) {
  EXPECT_EQ(qualified_name("public", "orders", kKeywords), "public.orders");
  EXPECT_EQ(qualified_name("My Schema", "orders", kKeywords), "\"My Schema\".orders");
  EXPECT_EQ(qualified_name("public", "Orders", kKeywords), "public.\"Orders\"");
  EXPECT_EQ(qualified_name("user", "table", kKeywords), "\"user\".\"table\"");
  EXPECT_EQ(qualified_name("user", "table", kNoKeywords), "user.table");
}

// A dot inside a part stays inside that part's quotes.
TEST(QualifiedName, KeepsDotsInsideTheirPart) {
  EXPECT_EQ(qualified_name("a.b", "c", kKeywords), "\"a.b\".c");
  EXPECT_EQ(qualified_name("a", "b.c", kKeywords), "a.\"b.c\"");
}

// Hostile parts stay two quoted identifiers.
TEST(QualifiedName, HostilePartsStayTwoIdentifiers) {
  const std::string qualified = qualified_name("s\".\"x", "t\"; DROP TABLE t; --", kKeywords);
  EXPECT_EQ(qualified, "\"s\"\".\"\"x\".\"t\"\"; DROP TABLE t; --\"");
  const QuotedIdentifier schema = read_quoted_identifier(qualified);
  ASSERT_NE(schema.length, std::string::npos);
  EXPECT_EQ(schema.name, "s\".\"x");
  ASSERT_LT(schema.length, qualified.size());
  EXPECT_EQ(qualified[schema.length], '.');
  const QuotedIdentifier table = read_quoted_identifier(qualified.substr(schema.length + 1));
  ASSERT_NE(table.length, std::string::npos);
  EXPECT_EQ(schema.length + 1 + table.length, qualified.size());
  EXPECT_EQ(table.name, "t\"; DROP TABLE t; --");
}

// Plain text becomes a standard string literal.
TEST(QuoteLiteral, QuotesPlainText) {
  EXPECT_EQ(quote_literal("ledger"), "'ledger'");
  EXPECT_EQ(quote_literal(""), "''");
  EXPECT_EQ(quote_literal("a \"b\" c"), "'a \"b\" c'");
  EXPECT_EQ(quote_literal("caf\xc3\xa9"), "'caf\xc3\xa9'");
}

// Single quotes are doubled.
TEST(QuoteLiteral, DoublesSingleQuotes) {
  EXPECT_EQ(quote_literal("it's"), "'it''s'");
  EXPECT_EQ(quote_literal("'"), "''''");
  EXPECT_EQ(quote_literal("x'); DROP TABLE t; --"), "'x''); DROP TABLE t; --'");
}

// A backslash switches to the E'' form with backslashes doubled, so the literal means the same
// whatever standard_conforming_strings says.
TEST(QuoteLiteral, UsesEscapeFormForBackslashes) {
  EXPECT_EQ(quote_literal("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(quote_literal("\\"), "E'\\\\'");
  EXPECT_EQ(quote_literal("it's a \\ b"), "E'it''s a \\\\ b'");
  EXPECT_EQ(quote_literal("\\'"), "E'\\\\'''");
  EXPECT_EQ(quote_literal("x\\'); DROP TABLE t; --"), "E'x\\\\''); DROP TABLE t; --'");
}

}  // namespace
