// Tests of the row-level security DDL generators in rls/policy_sql.
#include "rls/policy_sql.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using tenancy::child_policy_sql;
using tenancy::ChildTableFacts;
using tenancy::disable_policy_sql;
using tenancy::KeywordCheck;
using tenancy::OrgRole;
using tenancy::TableName;
using tenancy::tenant_policy_sql;
using tenancy::TenantTableFacts;

// A stand-in for PostgreSQL's keyword table.
bool is_test_keyword(std::string_view word) {
  static const std::set<std::string, std::less<>> keywords = {"select", "table", "user", "order"};
  return keywords.find(word) != keywords.end();
}

const KeywordCheck kKeywords = is_test_keyword;

constexpr const char kHostileSchema[] = "s\"; DROP TABLE t; --";
constexpr const char kHostileTable[] = "x\"; DROP TABLE t; --";
constexpr const char kHostileColumn[] = "c\" IS NOT NULL OR true) --";

// ---------------------------------------------------------------------------------------------
// A small SQL lexer, enough for the generated text: it finds the quoted identifiers ("..." with
// "" inside) and string literals ('...' with '' inside; E'...' also with backslash escapes).

// [begin, end) of one quoted token.
using Span = std::pair<size_t, size_t>;

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The spans of every quoted identifier and literal; fails the test on an unterminated one.
std::vector<Span> quoted_spans(std::string_view sql) {
  std::vector<Span> spans;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const bool escape_literal = (c == 'E' || c == 'e') && i + 1 < sql.size() &&
                                sql[i + 1] == '\'' && (i == 0 || !is_identifier_char(sql[i - 1]));
    if (c != '"' && c != '\'' && !escape_literal) {
      ++i;
      continue;
    }
    const size_t begin = i;
    const char quote = escape_literal ? '\'' : c;
    size_t j = escape_literal ? i + 2 : i + 1;
    bool closed = false;
    while (j < sql.size()) {
      if (escape_literal && sql[j] == '\\') {
        j += 2;
      } else if (sql[j] == quote) {
        if (j + 1 < sql.size() && sql[j + 1] == quote) {
          j += 2;
        } else {
          closed = true;
          ++j;
          break;
        }
      } else {
        ++j;
      }
    }
    EXPECT_TRUE(closed) << "unterminated quoted token at offset " << begin << " of:\n" << sql;
    spans.emplace_back(begin, std::min(j, sql.size()));
    i = j;
  }
  return spans;
}

// The text with each quoted identifier replaced by <id> and each literal by <lit>.
std::string strip_quoted(std::string_view sql) {
  std::string out;
  size_t at = 0;
  for (const Span &span : quoted_spans(sql)) {
    out.append(sql.substr(at, span.first - at));
    out.append(sql[span.first] == '"' ? "<id>" : "<lit>");
    at = span.second;
  }
  out.append(sql.substr(at));
  return out;
}

// The statements of a script, split at semicolons outside quoted tokens (without the ';').
std::vector<std::string> statements(std::string_view sql) {
  const std::vector<Span> spans = quoted_spans(sql);
  std::vector<std::string> result;
  std::string current;
  size_t next_span = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (next_span < spans.size() && i == spans[next_span].first) {
      current.append(sql.substr(i, spans[next_span].second - i));
      i = spans[next_span].second - 1;
      ++next_span;
    } else if (sql[i] == ';') {
      result.push_back(current);
      current.clear();
    } else {
      current.push_back(sql[i]);
    }
  }
  // Whatever follows the last ';' must be the final newline only.
  EXPECT_TRUE(current.empty() || current == "\n") << "text after the last statement: " << current;
  for (std::string &statement : result) {
    if (!statement.empty() && statement[0] == '\n') statement.erase(0, 1);
  }
  return result;
}

// The one CREATE POLICY statement of a command (SELECT, INSERT, UPDATE, DELETE).
std::string policy_for(const std::string &sql, const std::string &command) {
  std::string found;
  int matches = 0;
  for (const std::string &statement : statements(sql)) {
    if (statement.rfind("CREATE POLICY ", 0) == 0 &&
        statement.find(" FOR " + command + " ") != std::string::npos) {
      found = statement;
      ++matches;
    }
  }
  EXPECT_EQ(matches, 1) << command << " in:\n" << sql;
  return found;
}

size_t count_of(std::string_view text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

// Asserts that, quoted tokens aside, nothing of an injection survives in the text.
void expect_no_injection(const std::string &sql) {
  const std::string bare = strip_quoted(sql);
  EXPECT_FALSE(contains(bare, "DROP TABLE")) << bare;
  EXPECT_FALSE(contains(bare, "--")) << bare;
  EXPECT_FALSE(contains(bare, "\"")) << bare;
  EXPECT_FALSE(contains(bare, "'")) << bare;
  EXPECT_FALSE(contains(bare, "OR true")) << bare;
}

TenantTableFacts orders_facts() {
  TenantTableFacts facts;
  facts.table = TableName{"public", "orders"};
  facts.tenant_column = "organization_id";
  return facts;
}

ChildTableFacts order_lines_facts() {
  ChildTableFacts facts;
  facts.table = TableName{"public", "order_lines"};
  facts.fk_column = "order_id";
  facts.parent = TableName{"public", "orders"};
  facts.parent_key = "id";
  facts.parent_tenant_column = "organization_id";
  return facts;
}

constexpr const char kOwnRows[] = "organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id()";

// ---------------------------------------------------------------------------------------------
// tenant_policy_sql

// The whole script of the common case, statement by statement.
TEST(TenantPolicySql, ProducesTheExpectedScript) {
  const std::string expected =
      "ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;\n"
      "ALTER TABLE public.orders FORCE ROW LEVEL SECURITY;\n"
      "DROP POLICY IF EXISTS tenancy_select ON public.orders;\n"
      "DROP POLICY IF EXISTS tenancy_insert ON public.orders;\n"
      "DROP POLICY IF EXISTS tenancy_update ON public.orders;\n"
      "DROP POLICY IF EXISTS tenancy_delete ON public.orders;\n"
      "CREATE POLICY tenancy_select ON public.orders AS PERMISSIVE FOR SELECT TO PUBLIC USING "
      "(organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id());\n"
      "CREATE POLICY tenancy_insert ON public.orders AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK "
      "(organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND "
      "tenancy.has_role('MEMBER'::tenancy.org_role));\n"
      "CREATE POLICY tenancy_update ON public.orders AS PERMISSIVE FOR UPDATE TO PUBLIC USING "
      "(organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND "
      "tenancy.has_role('MEMBER'::tenancy.org_role)) WITH CHECK "
      "(organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND "
      "tenancy.has_role('MEMBER'::tenancy.org_role));\n"
      "CREATE POLICY tenancy_delete ON public.orders AS PERMISSIVE FOR DELETE TO PUBLIC USING "
      "(organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND "
      "tenancy.has_role('ADMIN'::tenancy.org_role));\n";
  EXPECT_EQ(tenant_policy_sql(orders_facts(), kKeywords), expected);
}

// ENABLE, FORCE, four DROP POLICY IF EXISTS, then four CREATE POLICY, one per command.
TEST(TenantPolicySql, HasTenStatementsInOrder) {
  const std::string sql = tenant_policy_sql(orders_facts(), kKeywords);
  const std::vector<std::string> parts = statements(sql);
  ASSERT_EQ(parts.size(), 10u) << sql;
  EXPECT_EQ(parts[0], "ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY");
  EXPECT_EQ(parts[1], "ALTER TABLE public.orders FORCE ROW LEVEL SECURITY");
  const char *const names[] = {"tenancy_select", "tenancy_insert", "tenancy_update",
                               "tenancy_delete"};
  const char *const commands[] = {"SELECT", "INSERT", "UPDATE", "DELETE"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(parts[2 + i], std::string("DROP POLICY IF EXISTS ") + names[i] + " ON public.orders");
    EXPECT_EQ(
        parts[6 + i].rfind(std::string("CREATE POLICY ") + names[i] +
                               " ON public.orders AS PERMISSIVE FOR " + commands[i] + " TO PUBLIC ",
                           0),
        0u)
        << parts[6 + i];
  }
  // Every statement ends with ";\n", and nothing else is in between.
  EXPECT_EQ(count_of(sql, ";\n"), 10u);
  EXPECT_EQ(sql.back(), '\n');
}

// The policy names are exactly the owned ones.
TEST(TenantPolicySql, UsesTheOwnedPolicyNames) {
  ASSERT_EQ(std::size(tenancy::kPolicyNames), 4u);
  EXPECT_STREQ(tenancy::kPolicyNames[0], "tenancy_select");
  EXPECT_STREQ(tenancy::kPolicyNames[1], "tenancy_insert");
  EXPECT_STREQ(tenancy::kPolicyNames[2], "tenancy_update");
  EXPECT_STREQ(tenancy::kPolicyNames[3], "tenancy_delete");
}

// SELECT: only the organization test; INSERT: WITH CHECK only; UPDATE: USING and WITH CHECK;
// DELETE: USING only.
TEST(TenantPolicySql, EachCommandHasTheRightClauses) {
  const std::string sql = tenant_policy_sql(orders_facts(), kKeywords);
  const std::string select = policy_for(sql, "SELECT");
  const std::string insert = policy_for(sql, "INSERT");
  const std::string update = policy_for(sql, "UPDATE");
  const std::string del = policy_for(sql, "DELETE");
  EXPECT_TRUE(contains(select, std::string("USING (") + kOwnRows + ")")) << select;
  EXPECT_FALSE(contains(select, "WITH CHECK")) << select;
  EXPECT_FALSE(contains(select, "has_role")) << select;
  EXPECT_FALSE(contains(insert, "USING")) << insert;
  EXPECT_TRUE(contains(insert, std::string("WITH CHECK (") + kOwnRows + " AND ")) << insert;
  EXPECT_TRUE(contains(update, std::string("USING (") + kOwnRows + " AND ")) << update;
  EXPECT_TRUE(contains(update, std::string("WITH CHECK (") + kOwnRows + " AND ")) << update;
  EXPECT_TRUE(contains(del, std::string("USING (") + kOwnRows + " AND ")) << del;
  EXPECT_FALSE(contains(del, "WITH CHECK")) << del;
}

// The default roles: MEMBER writes, ADMIN deletes.
TEST(TenantPolicySql, DefaultRolesAreMemberAndAdmin) {
  const std::string sql = tenant_policy_sql(orders_facts(), kKeywords);
  const std::string member = "tenancy.has_role('MEMBER'::tenancy.org_role)";
  const std::string admin = "tenancy.has_role('ADMIN'::tenancy.org_role)";
  EXPECT_EQ(count_of(policy_for(sql, "INSERT"), member), 1u);
  EXPECT_EQ(count_of(policy_for(sql, "UPDATE"), member), 2u);
  EXPECT_EQ(count_of(policy_for(sql, "DELETE"), admin), 1u);
  EXPECT_FALSE(contains(policy_for(sql, "DELETE"), member));
  EXPECT_FALSE(contains(policy_for(sql, "INSERT"), admin));
}

// Other write and delete roles appear in their policies, and only there.
TEST(TenantPolicySql, WriteAndDeleteRolesAppear) {
  TenantTableFacts facts = orders_facts();
  facts.write_role = OrgRole::kOwner;
  facts.delete_role = OrgRole::kViewer;
  const std::string sql = tenant_policy_sql(facts, kKeywords);
  const std::string owner = "tenancy.has_role('OWNER'::tenancy.org_role)";
  const std::string viewer = "tenancy.has_role('VIEWER'::tenancy.org_role)";
  EXPECT_EQ(count_of(policy_for(sql, "INSERT"), owner), 1u);
  EXPECT_EQ(count_of(policy_for(sql, "UPDATE"), owner), 2u);
  EXPECT_EQ(count_of(policy_for(sql, "DELETE"), viewer), 1u);
  EXPECT_FALSE(contains(policy_for(sql, "DELETE"), owner));
  EXPECT_FALSE(contains(policy_for(sql, "INSERT"), viewer));
  EXPECT_FALSE(contains(policy_for(sql, "UPDATE"), viewer));
  EXPECT_FALSE(contains(policy_for(sql, "SELECT"), "has_role"));
  EXPECT_FALSE(contains(sql, "'MEMBER'"));
  EXPECT_FALSE(contains(sql, "'ADMIN'"));
}

// share_scope widens reads only: SELECT compares with visible_orgs, writes keep current_org_id.
TEST(TenantPolicySql, ShareScopeWidensSelectOnly) {
  TenantTableFacts facts = orders_facts();
  facts.share_scope = "ledger";
  const std::string sql = tenant_policy_sql(facts, kKeywords);
  const std::string select = policy_for(sql, "SELECT");
  EXPECT_EQ(select,
            "CREATE POLICY tenancy_select ON public.orders AS PERMISSIVE FOR SELECT TO PUBLIC "
            "USING (organization_id OPERATOR(pg_catalog.=) ANY ((SELECT "
            "tenancy.visible_orgs('ledger'))::pg_catalog.uuid[]))");
  EXPECT_FALSE(contains(select, "current_org_id")) << select;
  EXPECT_EQ(count_of(sql, "visible_orgs"), 1u) << sql;
  for (const char *command : {"INSERT", "UPDATE", "DELETE"}) {
    const std::string policy = policy_for(sql, command);
    EXPECT_FALSE(contains(policy, "visible_orgs")) << policy;
    EXPECT_FALSE(contains(policy, "ANY")) << policy;
    EXPECT_TRUE(contains(policy, kOwnRows)) << policy;
  }
  // Apart from the SELECT policy, the script is the one without a share scope.
  const std::string plain = tenant_policy_sql(orders_facts(), kKeywords);
  const std::vector<std::string> shared_parts = statements(sql);
  const std::vector<std::string> plain_parts = statements(plain);
  ASSERT_EQ(shared_parts.size(), plain_parts.size());
  for (size_t i = 0; i < shared_parts.size(); ++i) {
    if (i == 6) continue;  // the SELECT policy
    EXPECT_EQ(shared_parts[i], plain_parts[i]) << i;
  }
}

// The other scope is passed through the same way.
TEST(TenantPolicySql, ShareScopeIsALiteral) {
  TenantTableFacts facts = orders_facts();
  facts.share_scope = "dependencies";
  const std::string select = policy_for(tenant_policy_sql(facts, kKeywords), "SELECT");
  EXPECT_TRUE(contains(select,
                       "ANY ((SELECT tenancy.visible_orgs('dependencies'))"
                       "::pg_catalog.uuid[])"))
      << select;
}

// A hostile scope stays one literal.
TEST(TenantPolicySql, HostileShareScopeStaysALiteral) {
  TenantTableFacts facts = orders_facts();
  facts.share_scope = "ledger')) OR true; DROP TABLE t; -- \\";
  const std::string sql = tenant_policy_sql(facts, kKeywords);
  EXPECT_TRUE(contains(sql, "tenancy.visible_orgs(E'ledger'')) OR true; DROP TABLE t; -- \\\\')"))
      << sql;
  expect_no_injection(sql);
  EXPECT_EQ(statements(sql).size(), 10u);
}

// has_deleted_at changes nothing: SELECT policies never hide soft-deleted rows.
TEST(TenantPolicySql, SoftDeleteDoesNotChangeThePolicies) {
  TenantTableFacts facts = orders_facts();
  facts.has_deleted_at = true;
  const std::string sql = tenant_policy_sql(facts, kKeywords);
  EXPECT_EQ(sql, tenant_policy_sql(orders_facts(), kKeywords));
  EXPECT_FALSE(contains(sql, "deleted_at"));
}

// A tenant column, table or schema that is a keyword or needs quoting is quoted everywhere.
TEST(TenantPolicySql, QuotesNamesThatNeedIt) {
  TenantTableFacts facts = orders_facts();
  facts.table = TableName{"user", "Order Items"};
  facts.tenant_column = "order";
  const std::string sql = tenant_policy_sql(facts, kKeywords);
  EXPECT_EQ(count_of(sql, "\"user\".\"Order Items\""), 10u) << sql;
  EXPECT_EQ(count_of(sql, "\"order\" OPERATOR(pg_catalog.=) tenancy.current_org_id()"), 5u) << sql;
  EXPECT_FALSE(contains(strip_quoted(sql), "order")) << sql;
}

// Hostile schema, table and column names appear only inside quoted identifiers: with every
// quoted identifier and literal removed, the text is that of ordinary quoted names.
TEST(TenantPolicySql, HostileNamesAppearOnlyQuoted) {
  TenantTableFacts hostile = orders_facts();
  hostile.table = TableName{kHostileSchema, kHostileTable};
  hostile.tenant_column = kHostileColumn;
  hostile.share_scope = "ledger";
  const std::string sql = tenant_policy_sql(hostile, kKeywords);
  expect_no_injection(sql);
  EXPECT_EQ(statements(sql).size(), 10u) << sql;
  EXPECT_EQ(count_of(sql, "\"s\"\"; DROP TABLE t; --\".\"x\"\"; DROP TABLE t; --\""), 10u) << sql;
  EXPECT_EQ(count_of(sql, "\"c\"\" IS NOT NULL OR true) --\" OPERATOR(pg_catalog.=)"), 5u) << sql;

  TenantTableFacts benign = hostile;
  benign.table = TableName{"My Schema", "My Table"};
  benign.tenant_column = "My Column";
  EXPECT_EQ(strip_quoted(sql), strip_quoted(tenant_policy_sql(benign, kKeywords)));
}

// ---------------------------------------------------------------------------------------------
// child_policy_sql

// Every policy follows the foreign key to a parent row of the current organization.
TEST(ChildPolicySql, ReferencesTheParentKeyAndTenantColumn) {
  const std::string sql = child_policy_sql(order_lines_facts(), kKeywords);
  const std::string own_rows =
      "order_id OPERATOR(pg_catalog.=) ANY (SELECT tenancy_parent.id FROM public.orders "
      "tenancy_parent WHERE "
      "tenancy_parent.organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id())";
  const std::vector<std::string> parts = statements(sql);
  ASSERT_EQ(parts.size(), 10u) << sql;
  EXPECT_EQ(parts[0], "ALTER TABLE public.order_lines ENABLE ROW LEVEL SECURITY");
  EXPECT_EQ(parts[1], "ALTER TABLE public.order_lines FORCE ROW LEVEL SECURITY");
  EXPECT_EQ(parts[2], "DROP POLICY IF EXISTS tenancy_select ON public.order_lines");
  EXPECT_EQ(parts[5], "DROP POLICY IF EXISTS tenancy_delete ON public.order_lines");
  EXPECT_EQ(policy_for(sql, "SELECT"),
            "CREATE POLICY tenancy_select ON public.order_lines AS PERMISSIVE FOR SELECT TO PUBLIC "
            "USING (" +
                own_rows + ")");
  EXPECT_EQ(count_of(policy_for(sql, "INSERT"), own_rows), 1u);
  EXPECT_EQ(count_of(policy_for(sql, "UPDATE"), own_rows), 2u);
  EXPECT_EQ(count_of(policy_for(sql, "DELETE"), own_rows), 1u);
  EXPECT_TRUE(contains(policy_for(sql, "INSERT"), "tenancy.has_role('MEMBER'::tenancy.org_role)"));
  EXPECT_TRUE(contains(policy_for(sql, "DELETE"), "tenancy.has_role('ADMIN'::tenancy.org_role)"));
  EXPECT_FALSE(contains(policy_for(sql, "SELECT"), "has_role"));
  // The child has no tenant column of its own: the only organization test is the parent's.
  EXPECT_EQ(count_of(sql, "current_org_id"), count_of(sql, "tenancy_parent.organization_id"));
}

// The child's fk column stands outside the subquery, so a parent column of the same name
// cannot capture it, and the policy text names no table but the parent (so it can be copied
// onto partitions unchanged).
TEST(ChildPolicySql, KeepsTheChildColumnOutsideTheSubquery) {
  ChildTableFacts facts = order_lines_facts();
  facts.fk_column = "id";
  const std::string sql = child_policy_sql(facts, kKeywords);
  EXPECT_TRUE(contains(
      sql, "USING (id OPERATOR(pg_catalog.=) ANY (SELECT tenancy_parent.id FROM public.orders"))
      << sql;
  EXPECT_FALSE(contains(sql, "order_lines.")) << sql;
}

// Other parent keys, tenant columns and roles are used as given, quoted when needed.
TEST(ChildPolicySql, UsesTheGivenNamesAndRoles) {
  ChildTableFacts facts = order_lines_facts();
  facts.table = TableName{"sales", "Line"};
  facts.fk_column = "user";
  facts.parent = TableName{"core", "order"};
  facts.parent_key = "Key";
  facts.parent_tenant_column = "org";
  facts.write_role = OrgRole::kAdmin;
  facts.delete_role = OrgRole::kOwner;
  const std::string sql = child_policy_sql(facts, kKeywords);
  EXPECT_TRUE(contains(sql,
                       "\"user\" OPERATOR(pg_catalog.=) ANY (SELECT tenancy_parent.\"Key\" FROM "
                       "core.\"order\" tenancy_parent "
                       "WHERE tenancy_parent.org OPERATOR(pg_catalog.=) tenancy.current_org_id())"))
      << sql;
  EXPECT_TRUE(contains(policy_for(sql, "UPDATE"), "tenancy.has_role('ADMIN'::tenancy.org_role)"));
  EXPECT_TRUE(contains(policy_for(sql, "DELETE"), "tenancy.has_role('OWNER'::tenancy.org_role)"));
  EXPECT_EQ(count_of(sql, "ON sales.\"Line\""), 8u);
}

// Hostile names of the child, its column, the parent and its columns appear only quoted.
TEST(ChildPolicySql, HostileNamesAppearOnlyQuoted) {
  ChildTableFacts hostile;
  hostile.table = TableName{kHostileSchema, kHostileTable};
  hostile.fk_column = kHostileColumn;
  hostile.parent = TableName{"p\"; DROP TABLE t; --", "q\") --"};
  hostile.parent_key = "k\" = k OR true --";
  hostile.parent_tenant_column = "o\"; DROP TABLE t; --";
  const std::string sql = child_policy_sql(hostile, kKeywords);
  expect_no_injection(sql);
  EXPECT_EQ(statements(sql).size(), 10u) << sql;

  ChildTableFacts benign = hostile;
  benign.table = TableName{"A", "B"};
  benign.fk_column = "C";
  benign.parent = TableName{"D", "E"};
  benign.parent_key = "F";
  benign.parent_tenant_column = "G";
  EXPECT_EQ(strip_quoted(sql), strip_quoted(child_policy_sql(benign, kKeywords)));
}

// ---------------------------------------------------------------------------------------------
// disable_policy_sql

// Drops the four owned policies, then un-forces and disables row level security.
TEST(DisablePolicySql, DropsTheFourAndDisables) {
  EXPECT_EQ(disable_policy_sql(TableName{"public", "orders"}, kKeywords),
            "DROP POLICY IF EXISTS tenancy_select ON public.orders;\n"
            "DROP POLICY IF EXISTS tenancy_insert ON public.orders;\n"
            "DROP POLICY IF EXISTS tenancy_update ON public.orders;\n"
            "DROP POLICY IF EXISTS tenancy_delete ON public.orders;\n"
            "ALTER TABLE public.orders NO FORCE ROW LEVEL SECURITY;\n"
            "ALTER TABLE public.orders DISABLE ROW LEVEL SECURITY;\n");
}

// Nothing is created or enabled.
TEST(DisablePolicySql, CreatesNothing) {
  const std::string sql = disable_policy_sql(TableName{"user", "Orders"}, kKeywords);
  EXPECT_FALSE(contains(sql, "CREATE"));
  EXPECT_FALSE(contains(sql, "ENABLE"));
  EXPECT_EQ(count_of(sql, "FORCE ROW LEVEL SECURITY"), 1u);
  EXPECT_EQ(count_of(sql, "NO FORCE ROW LEVEL SECURITY"), 1u);
  EXPECT_EQ(count_of(sql, "DROP POLICY IF EXISTS tenancy_"), 4u);
  EXPECT_EQ(count_of(sql, "\"user\".\"Orders\""), 6u);
}

// A hostile table name appears only quoted.
TEST(DisablePolicySql, HostileNamesAppearOnlyQuoted) {
  const std::string sql = disable_policy_sql(TableName{kHostileSchema, kHostileTable}, kKeywords);
  expect_no_injection(sql);
  EXPECT_EQ(statements(sql).size(), 6u);
  EXPECT_EQ(strip_quoted(sql), strip_quoted(disable_policy_sql(TableName{"A", "B"}, kKeywords)));
}

// The lexer used above recognizes what it must, so the checks cannot pass vacuously.
TEST(PolicySqlTestLexer, StripsQuotedTokens) {
  EXPECT_EQ(strip_quoted("a \"b\"\"c\" 'd''e' E'f\\'g' h"), "a <id> <lit> <lit> h");
  EXPECT_EQ(strip_quoted("SELECT 'x;y'; \"a;b\""), "SELECT <lit>; <id>");
  EXPECT_EQ(statements("A 'x;y';\nB \"p;q\";\n"),
            (std::vector<std::string>{"A 'x;y'", "B \"p;q\""}));
}

}  // namespace
