// Row-level security policy generation: table facts in, DDL text out. Every identifier is
// quoted and every name schema-qualified, so the text means the same under any search_path.
#pragma once

#include <optional>
#include <string>

#include "context/org_role.hpp"
#include "rls/identifier.hpp"

namespace tenancy {

// The policy names the generators own; enable_rls replaces exactly these.
inline constexpr const char *kPolicyNames[] = {"tenancy_select", "tenancy_insert", "tenancy_update",
                                               "tenancy_delete"};

// A table and the schema it lives in, as raw (unquoted) names.
struct TableName {
  std::string schema;
  std::string name;
};

// What enable_rls needs to know about a table with its own tenant column.
struct TenantTableFacts {
  TableName table;
  std::string tenant_column;
  bool has_deleted_at = false;  // informational: SELECT policies never hide soft-deleted rows
  OrgRole write_role = OrgRole::kMember;
  OrgRole delete_role = OrgRole::kAdmin;
  std::optional<std::string> share_scope;  // reads also see orgs that shared this scope
};

// What enable_rls_via needs: a child table that reaches its tenant through a foreign key.
struct ChildTableFacts {
  TableName table;
  std::string fk_column;
  TableName parent;
  std::string parent_key;
  std::string parent_tenant_column;
  OrgRole write_role = OrgRole::kMember;
  OrgRole delete_role = OrgRole::kAdmin;
};

// The DDL that isolates one table: ENABLE and FORCE row level security, then drop-and-create
// of the four tenancy_* policies. Each statement ends with ";\n".
std::string tenant_policy_sql(const TenantTableFacts &facts, const KeywordCheck &is_keyword);

// The same for a child table: every policy follows the foreign key to a parent row of the
// current organization.
std::string child_policy_sql(const ChildTableFacts &facts, const KeywordCheck &is_keyword);

// Drops the four tenancy_* policies and disables (and un-forces) row level security.
std::string disable_policy_sql(const TableName &table, const KeywordCheck &is_keyword);

}  // namespace tenancy
