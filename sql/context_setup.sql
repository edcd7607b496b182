-- Fixtures shared by the context tests: roles, two live organizations and a deleted one,
-- users with various memberships, and a helper that reports an error's SQLSTATE.

-- The application role: plain, no table privileges, cannot set the context itself.
CREATE ROLE regress_tenancy_app NOLOGIN;
-- The trusted role that an authentication service would use to call set_context.
CREATE ROLE regress_tenancy_auth NOLOGIN;
GRANT EXECUTE ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) TO regress_tenancy_auth;

-- Runs a statement and returns 'ok' or 'SQLSTATE: message', so tests pin error codes.
CREATE FUNCTION public.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END;
$$;
GRANT EXECUTE ON FUNCTION public.outcome(text) TO PUBLIC;

-- Runs each statement in its own subtransaction: 'N rows' or 'SQLSTATE: message' per statement.
CREATE FUNCTION public.outcomes(VARIADIC statements text[])
RETURNS TABLE (statement text, result text) LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  FOREACH statement IN ARRAY statements LOOP
    BEGIN
      EXECUTE statement;
      GET DIAGNOSTICS n = ROW_COUNT;
      result := n || CASE WHEN n = 1 THEN ' row' ELSE ' rows' END;
    EXCEPTION WHEN OTHERS THEN
      result := SQLSTATE || ': ' || SQLERRM;
    END;
    RETURN NEXT;
  END LOOP;
END $$;

INSERT INTO tenancy.organizations (id, name, slug) VALUES
  ('0a000000-0000-4000-8000-00000000000a', 'Org A', 'org-a'),
  ('0b000000-0000-4000-8000-00000000000b', 'Org B', 'org-b');
INSERT INTO tenancy.organizations (id, name, slug, deleted_at) VALUES
  ('0c000000-0000-4000-8000-00000000000c', 'Org C (deleted)', 'org-c', now());

INSERT INTO tenancy.users (id, email, is_active, deleted_at) VALUES
  ('a1000000-0000-4000-8000-0000000000a1', 'alice@example.test', true, NULL),
  ('b0b00000-0000-4000-8000-000000000b0b', 'bob@example.test', true, NULL),
  ('ca000000-0000-4000-8000-0000000000ca', 'carol@example.test', false, NULL),
  ('da000000-0000-4000-8000-0000000000da', 'dave@example.test', true, NULL),
  ('ee000000-0000-4000-8000-0000000000ee', 'erin@example.test', true, now());

INSERT INTO tenancy.organization_members (organization_id, user_id, role, deleted_at) VALUES
  ('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1', 'OWNER', NULL),
  ('0b000000-0000-4000-8000-00000000000b', 'a1000000-0000-4000-8000-0000000000a1', 'VIEWER', NULL),
  ('0a000000-0000-4000-8000-00000000000a', 'b0b00000-0000-4000-8000-000000000b0b', 'MEMBER', NULL),
  ('0a000000-0000-4000-8000-00000000000a', 'ca000000-0000-4000-8000-0000000000ca', 'ADMIN', NULL),
  ('0a000000-0000-4000-8000-00000000000a', 'da000000-0000-4000-8000-0000000000da', 'ADMIN', now()),
  ('0a000000-0000-4000-8000-00000000000a', 'ee000000-0000-4000-8000-0000000000ee', 'ADMIN', NULL),
  ('0c000000-0000-4000-8000-00000000000c', 'a1000000-0000-4000-8000-0000000000a1', 'OWNER', NULL);

-- A tenant table for the read tests: 3 rows in A, 2 in B.
CREATE TABLE public.regress_items (organization_id uuid NOT NULL, n int NOT NULL, PRIMARY KEY (organization_id, n));
INSERT INTO public.regress_items VALUES
  ('0a000000-0000-4000-8000-00000000000a', 1), ('0a000000-0000-4000-8000-00000000000a', 2),
  ('0a000000-0000-4000-8000-00000000000a', 3),
  ('0b000000-0000-4000-8000-00000000000b', 1), ('0b000000-0000-4000-8000-00000000000b', 2);
GRANT SELECT ON public.regress_items TO regress_tenancy_app, regress_tenancy_auth;

SELECT count(*) AS organizations FROM tenancy.organizations;
SELECT count(*) AS memberships FROM tenancy.organization_members;
