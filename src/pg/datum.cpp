// Datum conversions.
extern "C" {
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/uuid.h"
}

#include "pg/datum.hpp"

#include <cstring>

#include "pg/guard.hpp"

namespace tenancy::pg {

// Reads a fixed-length uuid: no detoasting, so no PostgreSQL call can fail.
Uuid uuid_arg(FunctionCallInfo fcinfo, int n) {
  const pg_uuid_t *raw = PG_GETARG_UUID_P(n);
  Uuid uuid;
  std::memcpy(uuid.bytes.data(), raw->data, UUID_LEN);
  return uuid;
}

// A NULL-aware uuid argument.
std::optional<Uuid> optional_uuid_arg(FunctionCallInfo fcinfo, int n) {
  if (PG_ARGISNULL(n)) return std::nullopt;
  return uuid_arg(fcinfo, n);
}

// A copy, in C++ memory, of text_view's characters.
std::string text_from_datum(Datum value) { return std::string(text_view(value)); }

// In-line values (short or plain headers) are read in place; others are detoasted first.
std::string_view text_view(Datum value) {
  auto *raw = reinterpret_cast<varlena *>(value);
  if (VARATT_IS_EXTERNAL(raw) || VARATT_IS_COMPRESSED(raw)) {
    raw = pg_call([&] { return pg_detoast_datum_packed(raw); });
  }
  return std::string_view(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw));
}

// A text argument as std::string.
std::string text_arg(FunctionCallInfo fcinfo, int n) { return text_from_datum(PG_GETARG_DATUM(n)); }

// Allocates the uuid in the current memory context.
Datum uuid_datum(const Uuid &uuid) {
  pg_uuid_t *raw = pg_call([] { return static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t))); });
  std::memcpy(raw->data, uuid.bytes.data(), UUID_LEN);
  return UUIDPGetDatum(raw);
}

// Allocates a text value in the current memory context.
Datum text_datum(std::string_view text) {
  return pg_call([&] {
    return PointerGetDatum(cstring_to_text_with_len(text.data(), static_cast<int>(text.size())));
  });
}

// NULL checks for functions that cannot be STRICT because other arguments may be NULL.
void require_argument(FunctionCallInfo fcinfo, int n, const char *argument_name) {
  if (PG_ARGISNULL(n)) {
    throw Error(sqlstate::kInvalidParameterValue,
                std::string("argument ") + argument_name + " must not be NULL");
  }
}

}  // namespace tenancy::pg
