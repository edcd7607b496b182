-- tenancy install script, assembled by the Makefile from src/**/*.sql in dependency order.
\echo Use "CREATE EXTENSION tenancy" to load this file. \quit

-- Organization roles, ordered: comparisons follow VIEWER < MEMBER < ADMIN < OWNER.
CREATE TYPE tenancy.org_role AS ENUM ('VIEWER', 'MEMBER', 'ADMIN', 'OWNER');
COMMENT ON TYPE tenancy.org_role IS 'Role of a user in an organization; ordered VIEWER < MEMBER < ADMIN < OWNER.';

-- Every role may resolve tenancy.* names (policies call tenancy functions as the querying role);
-- table privileges are granted separately.
GRANT USAGE ON SCHEMA tenancy TO PUBLIC;
