// The DROP EXTENSION guard: data is never dropped by accident. PostgreSQL-free interface.
#pragma once

namespace tenancy {

// Defines tenancy.allow_drop_with_data; called once from _PG_init.
void define_drop_guard_settings();

}  // namespace tenancy
