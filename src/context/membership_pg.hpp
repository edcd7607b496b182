// The membership facts set_context needs, read with direct index probes.
#pragma once

#include "pg/zone.hpp"

#include <optional>

#include "context/org_role.hpp"
#include "core/uuid.hpp"

extern "C" {
#include "fmgr.h"
}

namespace tenancy::pg {

// What the tables say about an organization and, optionally, a user's membership in it.
struct Membership {
  bool organization_live = false;      // exists and is not soft-deleted
  std::optional<OrgRole> member_role;  // the active, live user's active membership role
};

// Reads the organization, membership and user rows by their unique indexes, under the
// statement's snapshot. No SQL is run: this is the hot path of every tenant switch.
Membership look_up_membership(FunctionCallInfo fcinfo, const Uuid &org_id,
                              const std::optional<Uuid> &user_id);

}  // namespace tenancy::pg
