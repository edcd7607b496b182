// Tests of tenancy::Error in core/error.
#include "core/error.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

using tenancy::Error;

// The constructor keeps the SQLSTATE, message, detail and hint.
TEST(Error, KeepsEveryField) {
  const Error error(tenancy::sqlstate::kInsufficientPrivilege, "not allowed", "the detail",
                    "the hint");
  EXPECT_STREQ(error.sqlstate(), "42501");
  EXPECT_STREQ(error.what(), "not allowed");
  EXPECT_EQ(error.detail(), "the detail");
  EXPECT_EQ(error.hint(), "the hint");
  EXPECT_EQ(error.foreign_error(), nullptr);
}

// Detail and hint default to empty.
TEST(Error, DetailAndHintDefaultToEmpty) {
  const Error error(tenancy::sqlstate::kInvalidParameterValue, "bad");
  EXPECT_STREQ(error.sqlstate(), "22023");
  EXPECT_TRUE(error.detail().empty());
  EXPECT_TRUE(error.hint().empty());
}

// The SQLSTATE constants are spelled as PostgreSQL spells them.
TEST(Error, SqlstateConstantsMatchPostgres) {
  EXPECT_STREQ(tenancy::sqlstate::kInsufficientPrivilege, "42501");
  EXPECT_STREQ(tenancy::sqlstate::kInvalidParameterValue, "22023");
  EXPECT_STREQ(tenancy::sqlstate::kInvalidTextRepresentation, "22P02");
  EXPECT_STREQ(tenancy::sqlstate::kInvalidAuthorization, "28000");
  EXPECT_STREQ(tenancy::sqlstate::kObjectNotInPrerequisiteState, "55000");
  EXPECT_STREQ(tenancy::sqlstate::kDatatypeMismatch, "42804");
  EXPECT_STREQ(tenancy::sqlstate::kOutOfMemory, "53200");
  EXPECT_STREQ(tenancy::sqlstate::kInternalError, "XX000");
}

// A null or wrongly sized SQLSTATE falls back to XX000.
TEST(Error, MalformedSqlstateFallsBackToInternalError) {
  EXPECT_STREQ(Error(nullptr, "m").sqlstate(), "XX000");
  EXPECT_STREQ(Error("", "m").sqlstate(), "XX000");
  EXPECT_STREQ(Error("4250", "m").sqlstate(), "XX000");
  EXPECT_STREQ(Error("425011", "m").sqlstate(), "XX000");
}

// Error is catchable as std::runtime_error with its message.
TEST(Error, IsARuntimeError) {
  try {
    throw Error(tenancy::sqlstate::kDatatypeMismatch, "wrong type");
  } catch (const std::runtime_error &error) {
    EXPECT_STREQ(error.what(), "wrong type");
    return;
  }
  FAIL() << "Error was not caught as std::runtime_error";
}

}  // namespace
