// PostgreSQL's clocks as Unix microseconds, the unit the pure core uses.
#pragma once

#include "pg/zone.hpp"

#include <cstdint>

extern "C" {
#include "access/xact.h"
#include "utils/timestamp.h"
}

namespace tenancy::pg {

// Converts a PostgreSQL timestamp (microseconds since 2000-01-01) to Unix microseconds.
inline int64_t unix_microseconds(TimestampTz timestamp) {
  return timestamp + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

// The current statement's start, which STABLE functions must use to agree within a statement.
inline int64_t statement_unix_microseconds() {
  return unix_microseconds(GetCurrentStatementStartTimestamp());
}

// The wall clock now.
inline int64_t wall_clock_unix_microseconds() { return unix_microseconds(GetCurrentTimestamp()); }

}  // namespace tenancy::pg
