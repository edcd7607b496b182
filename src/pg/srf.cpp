// Materialize-mode SRF helper.
extern "C" {
#include "postgres.h"

#include "utils/tuplestore.h"
}

#include "pg/srf.hpp"

#include "pg/guard.hpp"

namespace tenancy::pg {

// Asks PostgreSQL for the tuplestore and descriptor of this call.
MaterializedRows::MaterializedRows(FunctionCallInfo fcinfo)
    : result_info_(reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo)) {
  pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
}

// Columns of the expected result type.
int MaterializedRows::column_count() const { return result_info_->setDesc->natts; }

// Stores a row in the tuplestore's own memory context.
void MaterializedRows::add_row(const Datum *values, const bool *nulls) {
  pg_call([&] {
    tuplestore_putvalues(result_info_->setResult, result_info_->setDesc,
                         const_cast<Datum *>(values), const_cast<bool *>(nulls));
  });
}

}  // namespace tenancy::pg
