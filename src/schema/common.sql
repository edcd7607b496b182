-- Shared table machinery.

-- Keeps updated_at true on every UPDATE.
CREATE FUNCTION tenancy.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenancy.touch_updated_at() IS 'Trigger: sets updated_at to now() on UPDATE.';
