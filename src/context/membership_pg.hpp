// The membership facts set_context needs, read with direct index probes.
#pragma once

#include "pg/zone.hpp"

#include <optional>

#include "context/membership_cache.hpp"
#include "core/uuid.hpp"

extern "C" {
#include "fmgr.h"
}

namespace tenancy::pg {

// What the identity tables say now about an organization and, optionally, a user's membership
// in it. Answers come from a per-backend cache that any change to those tables (in any
// session) empties; on a miss the rows are read by their unique indexes with the latest
// snapshot. No SQL is run: this is the hot path of every tenant switch.
MembershipAnswer look_up_membership(FunctionCallInfo fcinfo, const Uuid &org_id,
                                    const std::optional<Uuid> &user_id);

}  // namespace tenancy::pg
