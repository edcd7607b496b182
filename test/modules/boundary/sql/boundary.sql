-- tenancy's C++/PostgreSQL boundary inside a real server, through the tenancy_boundary module.
-- After each call that fails, the check row shows the SQLSTATE the client received (psql's
-- SQLSTATE variable, set by the previous statement) and how many counted C++ destructors ran
-- (boundary_destructor_count() difference): proof that the C++ frames unwound before
-- PostgreSQL's error handling took over. Every check row is also a statement that must work.
CREATE EXTENSION tenancy_boundary;

-- outcome(query): the query's single value, or SQLSTATE and message of its error, followed by
-- the number of counted destructors it ran. Caught in PL/pgSQL, i.e. inside a subtransaction.
CREATE FUNCTION outcome(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  before bigint := boundary_destructor_count();
  result text;
BEGIN
  BEGIN
    EXECUTE query INTO result;
    result := 'ok: ' || coalesce(result, 'NULL');
  EXCEPTION
    WHEN query_canceled THEN result := SQLSTATE || ': ' || SQLERRM;
    WHEN OTHERS THEN result := SQLSTATE || ': ' || SQLERRM;
  END;
  RETURN result || ' [destructors +' || (boundary_destructor_count() - before) || ']';
END
$$;

--
-- The guard: every kind of C++ exception becomes an ERROR with the right SQLSTATE.
--

-- The normal path: one destructor.
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_throw('none');
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- tenancy::Error keeps its SQLSTATE, detail and hint.
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_throw('tenancy');
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- std::bad_alloc is out_of_memory.
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_throw('bad_alloc');
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- Any other std::exception is internal_error carrying what().
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_throw('std');
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- A non-std exception is internal_error too.
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_throw('int');
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- A PostgreSQL error caught by pg_call comes out unchanged: division_by_zero.
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_throw('pg');
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- require_argument: NULL is 22023; an unknown kind is 22023 as well.
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_throw(NULL);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;
SELECT boundary_throw('no such kind');
SELECT :'SQLSTATE' AS sqlstate;

-- A PostgreSQL error caught in C++ leaves the transaction usable: the next statements work
-- and the transaction commits.
BEGIN;
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_throw('pg_then_catch');
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;
SELECT count(*) > 0 AS catalog_readable FROM pg_class;
CREATE TEMP TABLE after_catch AS SELECT boundary_throw('pg_then_catch') AS outcome;
COMMIT;
SELECT outcome FROM after_catch;

-- A re-raised error aborts the transaction like any ERROR: the next statement fails with
-- 25P02 (in_failed_sql_transaction) until ROLLBACK.
BEGIN;
SELECT boundary_throw('pg');
SELECT 1 AS in_aborted_transaction;
\echo :SQLSTATE
ROLLBACK;

-- ROLLBACK TO SAVEPOINT recovers from a C++ error.
BEGIN;
SAVEPOINT before_error;
SELECT boundary_throw('std');
ROLLBACK TO SAVEPOINT before_error;
SELECT boundary_throw('none') AS after_rollback_to_savepoint;
COMMIT;

-- The same errors caught by PL/pgSQL, many in one statement.
SELECT kind, outcome(format('SELECT boundary_throw(%L)', kind))
FROM unnest(ARRAY['none', 'tenancy', 'bad_alloc', 'std', 'int', 'pg', 'pg_then_catch']) AS kind;

--
-- SPI: SpiConnection, SpiStatement and SpiCursorReader.
--

-- Batches of at most batch_rows rows; batches counts the non-empty ones.
SELECT * FROM boundary_spi_sum('SELECT g::int8 FROM generate_series(1, 10) g', 3);
SELECT * FROM boundary_spi_sum('SELECT g::int8 FROM generate_series(1, 9) g', 3);
SELECT * FROM boundary_spi_sum('SELECT g::int8 FROM generate_series(1, 9) g', 100);
SELECT * FROM boundary_spi_sum('SELECT g::int8 FROM generate_series(1, 100000) g', 1000);
SELECT * FROM boundary_spi_sum('SELECT 1::int8 WHERE false', 5);
SELECT * FROM boundary_spi_sum('SELECT NULL::int8 UNION ALL SELECT 5::int8', 1);
-- The total is numeric: it does not overflow int8.
SELECT * FROM boundary_spi_sum(
  'SELECT 9223372036854775807::int8 FROM generate_series(1, 3)', 2);
SELECT * FROM boundary_spi_sum(
  'SELECT (-9223372036854775808)::int8 FROM generate_series(1, 2)', 2);

-- Nested: the query itself reads through another SpiCursorReader.
SELECT * FROM boundary_spi_sum(
  'SELECT total::int8 FROM boundary_spi_sum(''SELECT g::int8 FROM generate_series(1, 4) g'', 3)',
  1);

-- Wrong column type or count: 42804.
SELECT boundary_destructor_count() AS before \gset
SELECT * FROM boundary_spi_sum('SELECT 1', 10);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;
SELECT * FROM boundary_spi_sum('SELECT 1::int8, 2::int8', 10);
SELECT :'SQLSTATE' AS sqlstate;

-- An error while planning the query keeps its own SQLSTATE.
SELECT boundary_destructor_count() AS before \gset
SELECT * FROM boundary_spi_sum('SELECT (1 / 0)::int8', 10);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- So does an error in the third batch.
SELECT boundary_destructor_count() AS before \gset
SELECT * FROM boundary_spi_sum('SELECT (10 / (3 - g))::int8 FROM generate_series(1, 5) g', 1);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- And one raised two boundary levels down: both levels unwind (two destructors).
SELECT boundary_destructor_count() AS before \gset
SELECT * FROM boundary_spi_sum(
  'SELECT total::int8 FROM boundary_spi_sum(''SELECT (10 / (2 - g))::int8 FROM generate_series(1, 3) g'', 1)',
  1);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- Syntax errors and statements that cannot be cursors are PostgreSQL's own errors.
SELECT * FROM boundary_spi_sum('SELEC 1', 10);
SELECT :'SQLSTATE' AS sqlstate;
SELECT * FROM boundary_spi_sum('CREATE TABLE never_created (x int8)', 10);
SELECT :'SQLSTATE' AS sqlstate;
SELECT to_regclass('never_created') AS never_created;

-- Argument checks.
SELECT * FROM boundary_spi_sum('SELECT 1::int8', 0);
SELECT :'SQLSTATE' AS sqlstate;
SELECT * FROM boundary_spi_sum(NULL, 10);
SELECT :'SQLSTATE' AS sqlstate;

-- statement_timeout while reading a long query in small batches: 57014.
SELECT boundary_destructor_count() AS before \gset
SET statement_timeout = '200ms';
SELECT * FROM boundary_spi_sum('SELECT generate_series(1, 100000000)::int8', 100);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;
RESET statement_timeout;

-- SPI still works after all those aborted calls.
SELECT * FROM boundary_spi_sum('SELECT g::int8 FROM generate_series(1, 10) g', 4);

--
-- check_for_interrupts() in a pure C++ loop.
--

-- Without a timeout the loop ends by itself; three destructors (a vector of three probes).
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_spin(0.05) > 0 AS spun;
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- statement_timeout stops it with PostgreSQL's own error, after unwinding the vector.
SELECT boundary_destructor_count() AS before \gset
SET statement_timeout = '200ms';
SELECT boundary_spin(30);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;
RESET statement_timeout;

-- So does a query cancel (here the backend cancels itself just before spinning).
SELECT boundary_destructor_count() AS before \gset
SELECT pg_cancel_backend(pg_backend_pid()), boundary_spin(30);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- PL/pgSQL can catch the timeout.
SET statement_timeout = '200ms';
SELECT outcome('SELECT boundary_spin(30)');
RESET statement_timeout;

SELECT boundary_spin(-1);
SELECT :'SQLSTATE' AS sqlstate;
SELECT boundary_spin(0) AS no_iterations;

--
-- Materialize-mode SRF.
--

SELECT * FROM boundary_srf(3);
SELECT boundary_srf(2);
SELECT count(*) AS row_count FROM boundary_srf(0);
SELECT count(*) AS row_count, sum(i) AS i_sum, max(label) AS max_label
FROM boundary_srf(10000);

-- A negative n: 22023 with detail.
SELECT boundary_destructor_count() AS before \gset
SELECT * FROM boundary_srf(-1);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;

-- The same C function declared as returning a single record is called without a ReturnSetInfo:
-- InitMaterializedSRF's own error comes out unchanged.
CREATE FUNCTION boundary_srf_as_scalar(n int) RETURNS record
  AS '$libdir/tenancy_boundary', 'boundary_srf' LANGUAGE C;
SELECT boundary_destructor_count() AS before \gset
SELECT boundary_srf_as_scalar(2);
SELECT :'SQLSTATE' AS sqlstate, boundary_destructor_count() - :before AS destructors_run;
DROP FUNCTION boundary_srf_as_scalar(int);

-- A C++ error caught in C++ (not re-raised) still disconnects SPI and closes the cursor: no
-- "transaction left non-empty SPI stack" warning, inside or outside a transaction block.
SELECT boundary_spi_caught_mismatch() AS caught;
BEGIN;
SELECT boundary_spi_caught_mismatch() AS caught_in_transaction;
COMMIT;

-- The session is fine at the end.
SELECT boundary_throw('none') AS still_works;
DROP EXTENSION tenancy_boundary;
