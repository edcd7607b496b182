// Organization role labels.
#include "context/org_role.hpp"

namespace tenancy {

namespace {
constexpr const char *kLabels[kOrgRoleCount] = {"VIEWER", "MEMBER", "ADMIN", "OWNER"};
}

// Matches a label exactly, as enum input does.
std::optional<OrgRole> parse_org_role(std::string_view label) {
  for (int rank = 0; rank < kOrgRoleCount; ++rank) {
    if (label == kLabels[rank]) return static_cast<OrgRole>(rank);
  }
  return std::nullopt;
}

// The label of a rank.
const char *org_role_label(OrgRole role) { return kLabels[static_cast<int>(role)]; }

}  // namespace tenancy
