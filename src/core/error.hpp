// Errors of the pure core: a C++ exception that carries a PostgreSQL SQLSTATE.
#pragma once

#include <stdexcept>
#include <string>

namespace tenancy {

// SQLSTATE codes the core raises, spelled exactly as PostgreSQL spells them.
namespace sqlstate {
inline constexpr const char kInsufficientPrivilege[] = "42501";
inline constexpr const char kInvalidParameterValue[] = "22023";
inline constexpr const char kInvalidTextRepresentation[] = "22P02";
inline constexpr const char kInvalidAuthorization[] = "28000";
inline constexpr const char kObjectNotInPrerequisiteState[] = "55000";
inline constexpr const char kDatatypeMismatch[] = "42804";
inline constexpr const char kOutOfMemory[] = "53200";
inline constexpr const char kInternalError[] = "XX000";
}  // namespace sqlstate

// An error with a SQLSTATE, a message, and optional detail and hint.
class Error : public std::runtime_error {
 public:
  Error(const char *sqlstate, const std::string &message, std::string detail = {},
        std::string hint = {});

  // The five-character SQLSTATE.
  const char *sqlstate() const noexcept { return sqlstate_; }
  // Extra detail for the error report, possibly empty.
  const std::string &detail() const noexcept { return detail_; }
  // A hint telling the user what to do, possibly empty.
  const std::string &hint() const noexcept { return hint_; }
  // An error raised outside C++ (PostgreSQL's ErrorData) that must be re-raised unchanged.
  virtual const void *foreign_error() const noexcept { return nullptr; }

 private:
  char sqlstate_[6];
  std::string detail_;
  std::string hint_;
};

}  // namespace tenancy
