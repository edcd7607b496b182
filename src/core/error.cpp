// Construction of core errors.
#include "core/error.hpp"

#include <cstring>
#include <utility>

namespace tenancy {

// Builds an error; a malformed SQLSTATE falls back to XX000 so the report stays well-formed.
Error::Error(const char *sqlstate, const std::string &message, std::string detail, std::string hint)
    : std::runtime_error(message), detail_(std::move(detail)), hint_(std::move(hint)) {
  const bool well_formed = sqlstate != nullptr && std::strlen(sqlstate) == 5;
  std::memcpy(sqlstate_, well_formed ? sqlstate : sqlstate::kInternalError, 5);
  sqlstate_[5] = '\0';
}

}  // namespace tenancy
