// Tests of the organization role labels in context/org_role.
#include "context/org_role.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using tenancy::org_role_label;
using tenancy::OrgRole;
using tenancy::parse_org_role;

// Each upper-case label parses to its role.
TEST(OrgRole, ParsesEachLabel) {
  EXPECT_EQ(parse_org_role("VIEWER"), OrgRole::kViewer);
  EXPECT_EQ(parse_org_role("MEMBER"), OrgRole::kMember);
  EXPECT_EQ(parse_org_role("ADMIN"), OrgRole::kAdmin);
  EXPECT_EQ(parse_org_role("OWNER"), OrgRole::kOwner);
}

// Ranks follow VIEWER < MEMBER < ADMIN < OWNER, numbered 0..3.
TEST(OrgRole, RanksAreOrdered) {
  EXPECT_EQ(static_cast<int>(OrgRole::kViewer), 0);
  EXPECT_EQ(static_cast<int>(OrgRole::kMember), 1);
  EXPECT_EQ(static_cast<int>(OrgRole::kAdmin), 2);
  EXPECT_EQ(static_cast<int>(OrgRole::kOwner), 3);
  EXPECT_EQ(tenancy::kOrgRoleCount, 4);
}

// label(parse(label)) is the identity for every role.
TEST(OrgRole, LabelRoundTrips) {
  for (int rank = 0; rank < tenancy::kOrgRoleCount; ++rank) {
    const auto role = static_cast<OrgRole>(rank);
    const auto parsed = parse_org_role(org_role_label(role));
    ASSERT_TRUE(parsed.has_value()) << rank;
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_STREQ(org_role_label(OrgRole::kAdmin), "ADMIN");
}

// Matching is exact: other case, blanks, prefixes and unknown names are refused.
TEST(OrgRole, RejectsInexactLabels) {
  for (const char *label :
       {"", "admin", "Admin", " ADMIN", "ADMIN ", "ADMI", "ADMINS", "ROOT", "SUPERUSER", "0"}) {
    EXPECT_FALSE(parse_org_role(label).has_value()) << "label \"" << label << "\"";
  }
  EXPECT_FALSE(parse_org_role(std::string("ADMIN\0", 6)).has_value());
}

}  // namespace
