// The ordered organization roles VIEWER < MEMBER < ADMIN < OWNER, mirroring tenancy.org_role.
#pragma once

#include <optional>
#include <string_view>

namespace tenancy {

// Ranks follow the enum's declaration order, so comparing ranks compares roles.
enum class OrgRole : int { kViewer = 0, kMember = 1, kAdmin = 2, kOwner = 3 };

inline constexpr int kOrgRoleCount = 4;

// The role named by its exact upper-case label, or nullopt.
std::optional<OrgRole> parse_org_role(std::string_view label);

// The upper-case label of a role.
const char *org_role_label(OrgRole role);

}  // namespace tenancy
