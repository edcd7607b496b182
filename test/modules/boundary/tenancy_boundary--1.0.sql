-- Test-only functions exercising tenancy's C++/PostgreSQL boundary helpers.
\echo Use "CREATE EXTENSION tenancy_boundary" to load this file. \quit

-- Throws the C++ exception named by kind ('tenancy', 'bad_alloc', 'std', 'int', 'pg'),
-- recovers from a caught PostgreSQL error ('pg_then_catch'), or returns 'ok' ('none').
CREATE FUNCTION boundary_throw(kind text) RETURNS text
  AS 'MODULE_PATHNAME', 'boundary_throw' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- How many counted C++ destructors have run in this backend.
CREATE FUNCTION boundary_destructor_count() RETURNS bigint
  AS 'MODULE_PATHNAME', 'boundary_destructor_count' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Reads a one-int8-column query through SpiCursorReader in batches of batch_rows.
CREATE FUNCTION boundary_spi_sum(query text, batch_rows int)
  RETURNS TABLE(row_count bigint, batches int, total numeric)
  AS 'MODULE_PATHNAME', 'boundary_spi_sum' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Spins in C++ for up to max_seconds, honouring cancel and statement_timeout.
CREATE FUNCTION boundary_spin(max_seconds float8) RETURNS bigint
  AS 'MODULE_PATHNAME', 'boundary_spin' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- n rows through MaterializedRows.
CREATE FUNCTION boundary_srf(n int) RETURNS TABLE(i int, label text)
  AS 'MODULE_PATHNAME', 'boundary_srf' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Catches a 42804 column mismatch in C++ and returns its SQLSTATE (SPI must be cleaned up).
CREATE FUNCTION boundary_spi_caught_mismatch() RETURNS text
  AS 'MODULE_PATHNAME', 'boundary_spi_caught_mismatch' LANGUAGE C VOLATILE PARALLEL UNSAFE;
