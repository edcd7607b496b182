// Conversions between PostgreSQL Datums and the core's C++ values, each PostgreSQL call guarded.
#pragma once

#include "pg/zone.hpp"

#include <optional>
#include <string>
#include <string_view>

#include "core/uuid.hpp"

extern "C" {
#include "fmgr.h"
}

namespace tenancy::pg {

// The uuid argument n (which must not be NULL).
Uuid uuid_arg(FunctionCallInfo fcinfo, int n);

// The uuid argument n, or nullopt when it is NULL.
std::optional<Uuid> optional_uuid_arg(FunctionCallInfo fcinfo, int n);

// The text argument n (which must not be NULL), detoasted and copied.
std::string text_arg(FunctionCallInfo fcinfo, int n);

// Converts a text Datum (possibly toasted) into a std::string.
std::string text_from_datum(Datum value);

// The characters of a text Datum, valid while the Datum (or its detoasted copy, made in the
// current memory context) lives; no copy for an in-line value, the common case.
std::string_view text_view(Datum value);

// A palloc'd uuid Datum.
Datum uuid_datum(const Uuid &uuid);

// A uuid Datum that points at uuid's own bytes (no palloc, no copy): only for a callee that
// copies the value at once (tuplestore_putvalues, construct_array), while uuid lives.
inline Datum uuid_view_datum(const Uuid &uuid) {
  return PointerGetDatum(const_cast<uint8_t *>(uuid.bytes.data()));
}

// A palloc'd text Datum.
Datum text_datum(std::string_view text);

// Raises 22023 naming the argument when argument n is NULL.
void require_argument(FunctionCallInfo fcinfo, int n, const char *argument_name);

}  // namespace tenancy::pg
