// Materialize-mode set-returning functions: rows go straight into the tuplestore PostgreSQL
// hands us, with the result descriptor it expects.
#pragma once

#include "pg/zone.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
}

namespace tenancy::pg {

// The result set of one call of a materialize-mode SRF.
class MaterializedRows {
 public:
  // Sets up the tuplestore (InitMaterializedSRF); raises if the caller cannot take a set.
  explicit MaterializedRows(FunctionCallInfo fcinfo);

  // The number of result columns.
  int column_count() const;

  // Appends one row; values and nulls have column_count() entries.
  void add_row(const Datum *values, const bool *nulls);

 private:
  ReturnSetInfo *result_info_;
};

}  // namespace tenancy::pg
