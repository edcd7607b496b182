// Policy DDL generation.
#include "rls/policy_sql.hpp"

namespace tenancy {

namespace {

// The role test of a write or delete policy.
std::string role_check(OrgRole role) {
  return std::string("tenancy.has_role(") + quote_literal(org_role_label(role)) +
         "::tenancy.org_role)";
}

// ENABLE + FORCE, and DROP IF EXISTS of the four owned policies.
std::string policy_preamble(const std::string &table, const KeywordCheck &is_keyword) {
  std::string sql;
  sql += "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY;\n";
  sql += "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY;\n";
  for (const char *policy : kPolicyNames) {
    sql += "DROP POLICY IF EXISTS " + quote_identifier(policy, is_keyword) + " ON " + table + ";\n";
  }
  return sql;
}

// The four CREATE POLICY statements given each command's expressions.
std::string create_policies(const std::string &table, const std::string &read_rows,
                            const std::string &own_rows, const std::string &write_check,
                            const std::string &delete_check, const KeywordCheck &is_keyword) {
  const auto policy = [&](const char *name) { return quote_identifier(name, is_keyword); };
  std::string sql;
  sql += "CREATE POLICY " + policy("tenancy_select") + " ON " + table +
         " AS PERMISSIVE FOR SELECT TO PUBLIC USING (" + read_rows + ");\n";
  sql += "CREATE POLICY " + policy("tenancy_insert") + " ON " + table +
         " AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK (" + own_rows + " AND " + write_check +
         ");\n";
  sql += "CREATE POLICY " + policy("tenancy_update") + " ON " + table +
         " AS PERMISSIVE FOR UPDATE TO PUBLIC USING (" + own_rows + " AND " + write_check +
         ") WITH CHECK (" + own_rows + " AND " + write_check + ");\n";
  sql += "CREATE POLICY " + policy("tenancy_delete") + " ON " + table +
         " AS PERMISSIVE FOR DELETE TO PUBLIC USING (" + own_rows + " AND " + delete_check + ");\n";
  return sql;
}

}  // namespace

// Rows of the current organization; reads widened to shared organizations when asked. The
// scalar subquery becomes an InitPlan (visible_orgs runs once per query) and the cast keeps
// ANY in its array form, so an index on the tenant column still applies.
std::string tenant_policy_sql(const TenantTableFacts &facts, const KeywordCheck &is_keyword) {
  const std::string table = qualified_name(facts.table.schema, facts.table.name, is_keyword);
  const std::string column = quote_identifier(facts.tenant_column, is_keyword);
  const std::string own_rows = column + " OPERATOR(pg_catalog.=) tenancy.current_org_id()";
  const std::string read_rows =
      facts.share_scope ? column + " OPERATOR(pg_catalog.=) ANY ((SELECT tenancy.visible_orgs(" +
                              quote_literal(*facts.share_scope) + "))::pg_catalog.uuid[])"
                        : own_rows;
  return policy_preamble(table, is_keyword) +
         create_policies(table, read_rows, own_rows, role_check(facts.write_role),
                         role_check(facts.delete_role), is_keyword);
}

// Rows whose parent row (through the foreign key) belongs to the current organization. The
// child's column stands outside the subquery, so no parent column can capture it; the text
// names no table but the parent, so it can be copied onto partitions as it is; and the
// comparison is OPERATOR(pg_catalog.=), so no operator on the search_path can stand in.
std::string child_policy_sql(const ChildTableFacts &facts, const KeywordCheck &is_keyword) {
  const std::string table = qualified_name(facts.table.schema, facts.table.name, is_keyword);
  const std::string parent = qualified_name(facts.parent.schema, facts.parent.name, is_keyword);
  const std::string own_rows = quote_identifier(facts.fk_column, is_keyword) +
                               " OPERATOR(pg_catalog.=) ANY (SELECT tenancy_parent." +
                               quote_identifier(facts.parent_key, is_keyword) + " FROM " + parent +
                               " tenancy_parent WHERE tenancy_parent." +
                               quote_identifier(facts.parent_tenant_column, is_keyword) +
                               " OPERATOR(pg_catalog.=) tenancy.current_org_id())";
  return policy_preamble(table, is_keyword) +
         create_policies(table, own_rows, own_rows, role_check(facts.write_role),
                         role_check(facts.delete_role), is_keyword);
}

// DROP the owned policies, then DISABLE and NO FORCE.
std::string disable_policy_sql(const TableName &table_name, const KeywordCheck &is_keyword) {
  const std::string table = qualified_name(table_name.schema, table_name.name, is_keyword);
  std::string sql;
  for (const char *policy : kPolicyNames) {
    sql += "DROP POLICY IF EXISTS " + quote_identifier(policy, is_keyword) + " ON " + table + ";\n";
  }
  sql += "ALTER TABLE " + table + " NO FORCE ROW LEVEL SECURITY;\n";
  sql += "ALTER TABLE " + table + " DISABLE ROW LEVEL SECURITY;\n";
  return sql;
}

}  // namespace tenancy
