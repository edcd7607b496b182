// Conversions between tenancy.org_role enum Datums and OrgRole ranks. The enum's label OIDs are
// looked up once per call site (cached in fn_extra), so hot paths touch no catalog.
#pragma once

#include "pg/zone.hpp"

extern "C" {
#include "fmgr.h"
}

namespace tenancy::pg {

// The rank (0 = VIEWER .. 3 = OWNER) of an org_role Datum.
int role_rank_from_datum(FunctionCallInfo fcinfo, Datum role);

// The org_role Datum of a rank.
Datum role_datum_from_rank(FunctionCallInfo fcinfo, int rank);

}  // namespace tenancy::pg
