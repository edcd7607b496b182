// Library entry point: libsodium and the tenancy.* settings.
extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"
}

#include <sodium.h>

#include "context/context_state.hpp"
#include "crypto/crypto_settings.hpp"
#include "graph/graph_settings.hpp"
#include "schema/drop_guard.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

// Refuses to load without a working libsodium, then defines the settings (reading the server
// key file once) and reserves the tenancy.* prefix so no placeholder can shadow them.
void _PG_init(void) {
  if (sodium_init() == -1) {
    ereport(ERROR, (errcode(ERRCODE_SYSTEM_ERROR),
                    errmsg("tenancy cannot load: libsodium failed to initialise")));
  }
  tenancy::define_context_settings();
  tenancy::define_drop_guard_settings();
  tenancy::define_crypto_settings();
  tenancy::define_graph_settings();
  MarkGUCPrefixReserved("tenancy");
}
