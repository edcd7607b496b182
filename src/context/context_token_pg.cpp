// SQL-callable helpers for signed context tokens: key generation and signing, for tests and
// setup (applications sign with any JWT library).
extern "C" {
#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/timestamp.h"
}

#include <sodium.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "context/context_claims.hpp"
#include "context/org_role.hpp"
#include "context/role_datum_pg.hpp"
#include "core/base64.hpp"
#include "core/error.hpp"
#include "crypto/jws.hpp"
#include "crypto/key_ring.hpp"
#include "pg/clock.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/srf.hpp"

using tenancy::Error;
namespace sqlstate = tenancy::sqlstate;
namespace tpg = tenancy::pg;

namespace {

// Wipes a string holding secret bytes.
void wipe(std::string &secret) { sodium_memzero(secret.data(), secret.size()); }

// Whole seconds in an interval, counting a month as 30 days as PostgreSQL's epoch extraction does.
double interval_seconds(const Interval &interval) {
  return static_cast<double>(interval.time) / USECS_PER_SEC +
         (static_cast<double>(interval.month) * DAYS_PER_MONTH + interval.day) * SECS_PER_DAY;
}

}  // namespace

// generate_context_keypair(): one fresh Ed25519 key pair, as (kid, public_key, secret_key).
TENANCY_FUNCTION(tenancy_generate_context_keypair) {
  tpg::MaterializedRows rows(fcinfo);
  tenancy::Ed25519KeyPair pair = tenancy::generate_ed25519_keypair();
  std::string secret_text = tenancy::base64_encode(pair.secret_seed);
  const Datum values[3] = {tpg::text_datum(tenancy::key_id_for(pair.public_key)),
                           tpg::text_datum(tenancy::base64_encode(pair.public_key)),
                           tpg::text_datum(secret_text)};
  wipe(pair.secret_seed);
  wipe(secret_text);
  const bool nulls[3] = {false, false, false};
  rows.add_row(values, nulls);
  return Datum(0);
}

// sign_context_token(secret_key, kid, org_id, user_id, role, ttl): an EdDSA context token.
TENANCY_FUNCTION(tenancy_sign_context_token) {
  tpg::require_argument(fcinfo, 0, "secret_key");
  tpg::require_argument(fcinfo, 1, "kid");
  tpg::require_argument(fcinfo, 2, "org_id");
  tpg::require_argument(fcinfo, 5, "ttl");
  const std::string kid = tpg::text_arg(fcinfo, 1);
  if (!tenancy::is_valid_key_id(kid)) {
    throw Error(sqlstate::kInvalidParameterValue,
                "kid must be 1-64 characters of A-Z a-z 0-9 . _ -");
  }
  const double ttl_seconds = interval_seconds(*PG_GETARG_INTERVAL_P(5));
  if (!(ttl_seconds >= 1)) {
    throw Error(sqlstate::kInvalidParameterValue, "ttl must be at least one second");
  }
  const int64_t issued_at = tpg::wall_clock_unix_microseconds() / USECS_PER_SEC;
  const double expires_at = static_cast<double>(issued_at) + std::floor(ttl_seconds);
  if (expires_at > 253402300799.0) {
    throw Error(sqlstate::kInvalidParameterValue, "ttl reaches past the year 9999");
  }
  const tenancy::Uuid org_id = tpg::uuid_arg(fcinfo, 2);
  const std::optional<tenancy::Uuid> user_id = tpg::optional_uuid_arg(fcinfo, 3);
  const char *role_label = PG_ARGISNULL(4)
                               ? nullptr
                               : tenancy::org_role_label(static_cast<tenancy::OrgRole>(
                                     tpg::role_rank_from_datum(fcinfo, PG_GETARG_DATUM(4))));

  std::string secret_text = tpg::text_arg(fcinfo, 0);
  auto secret = tenancy::base64_decode_any(secret_text);
  wipe(secret_text);
  if (!secret || (secret->size() != 32 && secret->size() != 64)) {
    if (secret) wipe(*secret);
    throw Error(sqlstate::kInvalidParameterValue,
                "secret_key must be base64 of a 32-byte Ed25519 seed or a 64-byte secret key");
  }
  const std::string header = nlohmann::json{{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", kid}}.dump();
  const std::string payload =
      tenancy::context_claims_json(org_id, user_id ? &*user_id : nullptr, role_label, issued_at,
                                   static_cast<int64_t>(expires_at));
  std::string token;
  try {
    token = tenancy::make_compact_jws(header, payload, "EdDSA", *secret);
  } catch (...) {
    wipe(*secret);
    throw;
  }
  wipe(*secret);
  return tpg::text_datum(token);
}
