// Runs a C++ scope as another role (as SECURITY DEFINER would), restoring the caller's identity
// on every exit. The switch is marked as a restricted operation, like REFRESH MATERIALIZED VIEW.
#pragma once

#include "pg/zone.hpp"

extern "C" {
#include "miscadmin.h"
}

namespace tenancy::pg {

// Switches the current user for the lifetime of the object.
class AsUser {
 public:
  explicit AsUser(Oid role) {
    GetUserIdAndSecContext(&saved_user_, &saved_security_context_);
    SetUserIdAndSecContext(role, saved_security_context_ | SECURITY_LOCAL_USERID_CHANGE |
                                     SECURITY_RESTRICTED_OPERATION);
  }
  ~AsUser() { SetUserIdAndSecContext(saved_user_, saved_security_context_); }
  AsUser(const AsUser &) = delete;
  AsUser &operator=(const AsUser &) = delete;

 private:
  Oid saved_user_;
  int saved_security_context_;
};

}  // namespace tenancy::pg
