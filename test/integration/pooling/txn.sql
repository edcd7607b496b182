-- One transaction of test/integration/pooling.sh: a pgbench script run as role app through
-- pgbouncer in transaction pooling mode, so consecutive transactions of a client run on
-- whichever server connection is free, and one server connection serves every client in turn.
--
-- Client :client_id's transaction number :n (0-based; -D n=0, kept in the client's variables
-- from one transaction to the next) acts for organization k = 1 + (client_id + n) % 4: each
-- client changes organization at every transaction. Mode (n + n / 4) % 2 picks how the context
-- is set: 1 = SET LOCAL tenancy.context_token (a signed token), 0 = tenancy.set_context(org,
-- user), transaction-local by default. Each pair (2i, 2i+1) holds one of each, so exactly half
-- of every client's transactions use each mode, and every organization sees both.
--
-- The pooling_* functions (made by pooling.sh, SECURITY INVOKER, so they run as app, under
-- row-level security) raise on any failed check; pgbench then aborts the client and reports it.
\set k 1 + (:client_id + :n) % 4
\set mode (:n + :n / 4) % 2
BEGIN;
-- Transaction pooling with transaction-local contexts must leave nothing behind.
SELECT pooling_check_clean();
SELECT org, usr, tok FROM pooling_ids WHERE k = :k \gset
\if :mode
SET LOCAL tenancy.context_token = ':tok';
\else
SELECT tenancy.set_context(':org', ':usr');
\endif
SELECT pooling_check_context(':org', ':usr', :mode = 1);
-- Write: organization_id and created_by_id come from the context (column defaults); the
-- description records what this client meant, for the server-side comparison afterwards.
INSERT INTO tenancy.projects (name, description)
  VALUES ('c:client_id-n:n', ':org :usr ' || (CASE :mode WHEN 1 THEN 'token' ELSE 'set_context' END) || ' ' || pg_backend_pid());
-- Read: every visible row must be this organization's, and this transaction's row is among them.
SELECT pooling_check_rows(':org', 'c:client_id-n:n');
COMMIT;
\set n :n + 1
