// The graph's settings. PostgreSQL-free interface; implemented in graph_pg.cpp.
#pragma once

namespace tenancy {

// Defines tenancy.graph_max_edges; called once from _PG_init.
void define_graph_settings();

}  // namespace tenancy
