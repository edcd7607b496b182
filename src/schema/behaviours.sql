-- Behaviours of the schema (issue 4): ingest_event, next_run_at, has_feature, transformation versions.

-- ingest_event ------------------------------------------------------------------------------

-- The digest of a project's API key as projects.api_key_hash stores it: the keyed
-- tenancy.hash_token, or NULL for a malformed key (which then matches no project, so
-- ingest_event answers it with the same 28000 as an unknown key).
CREATE FUNCTION tenancy.api_key_digest(api_key text) RETURNS bytea
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN tenancy.token_is_well_formed(api_key) THEN tenancy.hash_token(api_key) END
$$;
REVOKE EXECUTE ON FUNCTION tenancy.api_key_digest(text) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.api_key_digest(text) IS
  'Digest of a project API key as stored in projects.api_key_hash (hash_token; NULL when malformed). Not executable by PUBLIC.';

-- ingest_event asks, for every event that names a user, whether the issue has an event of that
-- user already: this index answers without reading the issue's other events.
CREATE INDEX events_issue_user_idx ON tenancy.events (organization_id, issue_id, user_identifier)
  WHERE user_identifier IS NOT NULL;

-- Records one error event for the project whose API key is given and upserts its issue. No
-- tenant context is needed: the key identifies the project, hence the organization (SECURITY
-- DEFINER). An unknown key, a key of a soft-deleted project or of a soft-deleted organization:
-- 28000, and the message never shows the key. Counters: events_count + 1; users_affected is the
-- number of distinct non-NULL user identifiers among the issue's events. It stays exact under
-- concurrency because the issue row is locked first (by INSERT ... ON CONFLICT DO UPDATE, which
-- also makes a concurrent first event of the same fingerprint wait), and only then, in a later
-- statement with a fresh snapshot (READ COMMITTED), is the identifier looked up among the
-- issue's events: every earlier ingestion of the issue has committed by then. Under REPEATABLE
-- READ or SERIALIZABLE a concurrent ingestion of the same issue fails with 40001 (retry).
-- A RESOLVED issue is reopened by a new event; an IGNORED one stays IGNORED.
CREATE FUNCTION tenancy.ingest_event(api_key text, fingerprint text, title text, payload jsonb,
                                     user_identifier text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  new_fingerprint text := ingest_event.fingerprint;
  new_title text := ingest_event.title;
  new_payload jsonb := ingest_event.payload;
  -- An empty identifier says as much as none.
  new_user text := NULLIF(ingest_event.user_identifier, '');
  org uuid;
  project uuid;
  matches integer := 0;
  found_project record;
  issue uuid;
  event uuid;
BEGIN
  -- Authentication first: without a valid key, nothing else is answered.
  IF api_key IS NOT NULL AND api_key <> '' THEN
    FOR found_project IN
      SELECT p.organization_id, p.id
        FROM tenancy.projects p
        JOIN tenancy.organizations o ON o.id = p.organization_id
       WHERE p.api_key_hash = tenancy.api_key_digest(api_key)
         AND p.deleted_at IS NULL AND o.deleted_at IS NULL
       LIMIT 2
    LOOP
      matches := matches + 1;
      org := found_project.organization_id;
      project := found_project.id;
    END LOOP;
  END IF;
  IF matches <> 1 THEN  -- none, or (a key shared by two projects) not unambiguous
    RAISE EXCEPTION 'invalid API key' USING ERRCODE = '28000';
  END IF;

  IF new_fingerprint IS NULL OR new_fingerprint = '' THEN
    RAISE EXCEPTION 'fingerprint must not be empty' USING ERRCODE = '22023';
  END IF;
  IF length(new_fingerprint) > 512 THEN
    RAISE EXCEPTION 'fingerprint must not be longer than 512 characters' USING ERRCODE = '22023';
  END IF;
  IF new_title IS NULL OR new_title = '' THEN
    RAISE EXCEPTION 'title must not be empty' USING ERRCODE = '22023';
  END IF;
  IF length(new_title) > 1000 THEN
    RAISE EXCEPTION 'title must not be longer than 1000 characters' USING ERRCODE = '22023';
  END IF;
  IF new_payload IS NULL OR jsonb_typeof(new_payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object' USING ERRCODE = '22023';
  END IF;
  IF length(new_user) > 500 THEN
    RAISE EXCEPTION 'user_identifier must not be longer than 500 characters' USING ERRCODE = '22023';
  END IF;

  -- The issue, created or counted; either way its row is now locked until commit.
  INSERT INTO tenancy.issues AS i
         (organization_id, project_id, fingerprint, title, events_count, users_affected, first_seen_at, last_seen_at)
  VALUES (org, project, new_fingerprint, new_title, 1, 0, now(), now())
  ON CONFLICT ON CONSTRAINT issues_fingerprint_key DO UPDATE
     SET events_count = i.events_count + 1,
         title = EXCLUDED.title,
         -- now() is the transaction's start: never move last_seen_at back.
         last_seen_at = greatest(i.last_seen_at, EXCLUDED.last_seen_at),
         status = CASE WHEN i.status = 'RESOLVED' THEN 'OPEN' ELSE i.status END
  RETURNING i.id INTO issue;

  -- A new user for the issue? Asked in a new statement, after the lock: see above.
  IF new_user IS NOT NULL THEN
    UPDATE tenancy.issues i SET users_affected = i.users_affected + 1
     WHERE i.organization_id = org AND i.id = issue
       AND NOT EXISTS (SELECT 1 FROM tenancy.events e
                        WHERE e.organization_id = org AND e.issue_id = issue
                          AND e.user_identifier = new_user);
  END IF;

  INSERT INTO tenancy.events (organization_id, project_id, issue_id, occurred_at, user_identifier, payload)
  VALUES (org, project, issue, now(), new_user, new_payload)
  RETURNING id INTO event;
  RETURN event;
END;
$$;
COMMENT ON FUNCTION tenancy.ingest_event(text, text, text, jsonb, text) IS
  'Records an error event for the project of the API key (28000 if unknown) and upserts its issue, keeping events_count and users_affected exact; returns the event id.';

-- next_run_at -------------------------------------------------------------------------------
-- Wall-clock (local) times are mapped to instants by these two helpers. A local time can occur
-- once, twice (in the hour repeated when clocks go back) or never (in the gap when they go
-- forward). All arithmetic on instants is done on UTC timestamps, so the session's TimeZone
-- never matters.

-- The instants whose local time in tz is local_time, earliest first: none in a gap, two in an
-- overlap, otherwise one. (The other occurrence is looked for with the offsets in effect a day
-- before and a day after: no zone changes its offset twice within a day.)
CREATE FUNCTION tenancy.local_time_instants(local_time timestamp, tz text) RETURNS timestamptz[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- PostgreSQL's choice: in a gap, the offset before it; in an overlap, the offset after it.
  chosen timestamptz := local_time AT TIME ZONE tz;
  chosen_utc timestamp := chosen AT TIME ZONE 'UTC';
  near timestamp;
  other timestamptz;
  result timestamptz[] := '{}';
BEGIN
  IF (chosen AT TIME ZONE tz) <> local_time THEN
    RETURN result;  -- the local time does not exist
  END IF;
  result := ARRAY[chosen];
  FOREACH near IN ARRAY ARRAY[chosen_utc - interval '1 day', chosen_utc + interval '1 day'] LOOP
    -- The instant at which local_time would be read with the offset in effect at near.
    other := (local_time - ((near AT TIME ZONE 'UTC') AT TIME ZONE tz - near)) AT TIME ZONE 'UTC';
    IF other <> ALL (result) AND (other AT TIME ZONE tz) = local_time THEN
      result := CASE WHEN other < result[1] THEN other || result ELSE result || other END;
    END IF;
  END LOOP;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION tenancy.local_time_instants(timestamp, text) IS
  'The instants (earliest first) at which the wall clock of time zone tz shows local_time: none in a DST gap, two in a DST overlap.';

-- The first instant at which the wall clock of tz shows local_time or later: the local time's
-- (first) occurrence, or, when local_time falls in a gap, the end of the gap (the transition).
CREATE FUNCTION tenancy.local_time_start(local_time timestamp, tz text) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  occurrences timestamptz[] := tenancy.local_time_instants(local_time, tz);
  chosen timestamptz;
  low timestamp;
  high timestamp;
  middle timestamp;
BEGIN
  IF cardinality(occurrences) > 0 THEN
    RETURN occurrences[1];
  END IF;
  -- In a gap: PostgreSQL reads local_time with the offset before the gap, which lands after
  -- the transition, as far after it as local_time is into the gap. Bisect between that
  -- instant shifted back by the gap's full width (before the transition) and it (after).
  chosen := local_time AT TIME ZONE tz;
  high := chosen AT TIME ZONE 'UTC';
  low := high - ((chosen AT TIME ZONE tz) - local_time);
  WHILE high - low > interval '1 microsecond' LOOP
    middle := low + (high - low) / 2;
    IF ((middle AT TIME ZONE 'UTC') AT TIME ZONE tz) >= local_time THEN
      high := middle;
    ELSE
      low := middle;
    END IF;
  END LOOP;
  RETURN high AT TIME ZONE 'UTC';
END;
$$;
COMMENT ON FUNCTION tenancy.local_time_start(timestamp, text) IS
  'The first instant at which the wall clock of tz shows local_time or later: its first occurrence, or the end of the DST gap it falls in.';

-- The first run of a schedule strictly after "after", computed on the wall clock of timezone:
--   hourly:  every instant whose local minute and second are run_at_time's (its hour ignored;
--            NULL = :00). That is every real hour: the hour repeated when clocks go back runs
--            again, the hour skipped when they go forward does not exist.
--   daily:   every local day at run_at_time (NULL = 00:00).
--   weekly:  the ISO weekday run_at_day (1 = Monday .. 7; NULL = 1) at run_at_time.
--   monthly: day run_at_day (1 .. 31; NULL = 1) of each month, the month's last day when it is
--            shorter (31 -> 30 April, 28/29 February), at run_at_time.
-- Daily, weekly and monthly runs happen once per day: a local time that occurs twice (clocks
-- go back) runs at its first occurrence; one that does not exist (clocks go forward) runs at
-- the first instant after the gap, i.e. at the transition (02:30 on a spring-forward day in
-- Europe/Berlin runs at 03:00 CEST).
-- timezone: any zone PostgreSQL's AT TIME ZONE accepts (the schedules table admits only tz
-- database names). Errors (22023): NULL or unknown frequency, NULL or unknown time zone,
-- run_at_day out of range or given for hourly/daily. NULL or infinite "after": NULL.
CREATE FUNCTION tenancy.next_run_at(frequency text, run_at_time time, run_at_day integer,
                                    timezone text, after timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  at_time interval := coalesce(run_at_time, time '00:00') - time '00:00';
  day_number integer;
  local_after timestamp;
  local_day date;
  candidate timestamptz;
  best timestamptz;
  occurrence timestamptz;
  month_start date;
BEGIN
  IF frequency IS NULL OR frequency NOT IN ('hourly', 'daily', 'weekly', 'monthly') THEN
    RAISE EXCEPTION 'frequency must be hourly, daily, weekly or monthly' USING ERRCODE = '22023';
  END IF;
  IF frequency IN ('hourly', 'daily') AND run_at_day IS NOT NULL THEN
    RAISE EXCEPTION 'run_at_day must be NULL for % schedules', frequency USING ERRCODE = '22023';
  ELSIF frequency = 'weekly' AND run_at_day NOT BETWEEN 1 AND 7 THEN
    RAISE EXCEPTION 'run_at_day of a weekly schedule must be an ISO weekday from 1 (Monday) to 7 (Sunday)'
      USING ERRCODE = '22023';
  ELSIF frequency = 'monthly' AND run_at_day NOT BETWEEN 1 AND 31 THEN
    RAISE EXCEPTION 'run_at_day of a monthly schedule must be a day of the month from 1 to 31'
      USING ERRCODE = '22023';
  END IF;
  day_number := coalesce(run_at_day, 1);
  IF timezone IS NULL THEN
    RAISE EXCEPTION 'timezone must not be NULL' USING ERRCODE = '22023';
  END IF;
  -- An unknown zone raises 22023 here ('time zone "..." not recognized').
  local_after := timestamptz '2000-01-01 00:00+00' AT TIME ZONE timezone;
  IF after IS NULL OR NOT isfinite(after) THEN
    RETURN NULL;
  END IF;
  local_after := after AT TIME ZONE timezone;
  local_day := local_after::date;

  IF frequency = 'hourly' THEN
    -- The local times hh:mm:ss of this hour and the next ones; the earliest of their
    -- occurrences after "after".
    FOR k IN 0..3 LOOP
      FOREACH occurrence IN ARRAY tenancy.local_time_instants(
          date_trunc('hour', local_after) + make_interval(hours => k)
            + (at_time - date_trunc('hour', at_time)), timezone) LOOP
        IF occurrence > after AND (best IS NULL OR occurrence < best) THEN
          best := occurrence;
        END IF;
      END LOOP;
    END LOOP;
    RETURN best;
  END IF;

  -- Daily, weekly, monthly: the first day from local_day on whose run is after "after"
  -- (runs are in increasing order of their days, so the first one found is the answer).
  FOR k IN 0..2 LOOP
    IF frequency = 'daily' THEN
      candidate := tenancy.local_time_start(local_day + k + at_time, timezone);
    ELSIF frequency = 'weekly' THEN
      candidate := tenancy.local_time_start(
        local_day + (day_number - extract(isodow FROM local_day)::integer + 7) % 7 + 7 * k + at_time, timezone);
    ELSE
      month_start := (date_trunc('month', local_day) + make_interval(months => k))::date;
      candidate := tenancy.local_time_start(
        month_start + least(day_number,
                            extract(day FROM month_start + interval '1 month' - interval '1 day')::integer) - 1
          + at_time, timezone);
    END IF;
    IF candidate > after THEN
      RETURN candidate;
    END IF;
  END LOOP;
  RETURN NULL;  -- not reached
END;
$$;
COMMENT ON FUNCTION tenancy.next_run_at(text, time, integer, text, timestamptz) IS
  'First run of a schedule strictly after "after", on the wall clock of timezone; DST gaps run at their end, repeated times once (first occurrence).';

-- Keeps schedules.next_run_at true: the first run after the last one (or after now, if it never
-- ran) while the schedule is active, NULL while it is not. Recomputed on INSERT and whenever an
-- UPDATE changes a column it depends on (or next_run_at itself). Values the table's
-- constraints refuse are left to them (so their SQLSTATE, 23502 or 23514, is the answer).
-- Restores: pg_restore sets row_security = off (with it off, only roles that bypass row level
-- security can write these tables at all); an INSERT then keeps the row as given, so a
-- restored schedule keeps the next_run_at it had, which depended on when it was created.
CREATE FUNCTION tenancy.schedules_set_next_run_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NOT current_setting('row_security')::boolean THEN
    RETURN NEW;  -- a restore: the row as it was dumped
  END IF;
  IF TG_OP = 'UPDATE'
     AND (NEW.frequency, NEW.run_at_time, NEW.run_at_day, NEW.timezone, NEW.is_active, NEW.last_run_at, NEW.next_run_at)
         IS NOT DISTINCT FROM
         (OLD.frequency, OLD.run_at_time, OLD.run_at_day, OLD.timezone, OLD.is_active, OLD.last_run_at, OLD.next_run_at) THEN
    RETURN NEW;
  END IF;
  IF NEW.is_active IS NULL OR NEW.timezone IS NULL
     OR NEW.frequency IS NULL OR NEW.frequency NOT IN ('hourly', 'daily', 'weekly', 'monthly')
     OR (NEW.run_at_day IS NOT NULL
         AND NOT ((NEW.frequency = 'weekly' AND NEW.run_at_day BETWEEN 1 AND 7)
                  OR (NEW.frequency = 'monthly' AND NEW.run_at_day BETWEEN 1 AND 31))) THEN
    RETURN NEW;
  END IF;
  IF NEW.is_active THEN
    NEW.next_run_at := tenancy.next_run_at(NEW.frequency, NEW.run_at_time, NEW.run_at_day, NEW.timezone,
                                           coalesce(NEW.last_run_at, now()));
  ELSE
    NEW.next_run_at := NULL;
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenancy.schedules_set_next_run_at() IS
  'Trigger: sets schedules.next_run_at with tenancy.next_run_at after coalesce(last_run_at, now()) while active, NULL while not.';
-- (BEFORE triggers fire in name order: schedules_check_timezone has checked the zone first.)
CREATE TRIGGER schedules_next_run_at
  BEFORE INSERT OR UPDATE OF frequency, run_at_time, run_at_day, timezone, is_active, last_run_at, next_run_at
  ON tenancy.schedules
  FOR EACH ROW EXECUTE FUNCTION tenancy.schedules_set_next_run_at();

-- has_feature -------------------------------------------------------------------------------

-- True iff the current organization has a subscription that is trialing or active, has
-- started and has not ended, to a plan that includes the feature. False without a context.
-- Runs as the caller: subscriptions are readable in the organization's context and the plan
-- catalog by everyone (the explicit organization filter also holds for roles that bypass RLS).
CREATE FUNCTION tenancy.has_feature(code text) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT tenancy.current_org_id() IS NOT NULL AND EXISTS (
    SELECT 1
      FROM tenancy.subscriptions s
      JOIN tenancy.plan_features pf ON pf.plan_id = s.plan_id
      JOIN tenancy.features f ON f.id = pf.feature_id
     WHERE s.organization_id = tenancy.current_org_id()
       AND s.status IN ('trialing', 'active')
       AND s.start_date <= now() AND (s.end_date IS NULL OR s.end_date > now())
       AND f.code = has_feature.code)
$$;
COMMENT ON FUNCTION tenancy.has_feature(text) IS
  'True iff the current organization''s trialing or active, current subscription includes the feature of that code.';

-- transformation versions -------------------------------------------------------------------

-- Numbers a new version of a transformation 1, 2, 3, ... and makes it the current version. The
-- transformation's row is locked first (FOR NO KEY UPDATE: foreign-key checks of other rows
-- still pass), so concurrent inserts of versions of one transformation are serialised: the
-- number read after the lock (a new snapshot, READ COMMITTED) sees every earlier version
-- committed, and there are no gaps or duplicates. (REPEATABLE READ: the second insert fails
-- with 40001, as the first one updated the transformation.) The number is the highest existing
-- one + 1 (current_version starts at 1 before any version exists, and an application may point
-- it back at an older version, so it is not a counter). A given version_number must be that
-- number (else 22023); omit it. Runs as the caller, so RLS applies: a transformation the caller
-- can see but not update needs the write role (42501); a row without a context or for another
-- organization is refused by row level security (42501), and one for a transformation the
-- caller cannot see by the foreign key (23503), as if it did not exist. Restores: with
-- row_security = off (pg_restore sets it; only roles that bypass row level security can write
-- then) a given version_number is kept and the transformation is left alone, since versions
-- are restored in the order they are stored, and its current_version and updated_at are
-- restored as they were.
CREATE FUNCTION tenancy.transformation_versions_number() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  next_number integer;
BEGIN
  IF NEW.version_number IS NOT NULL AND NOT current_setting('row_security')::boolean THEN
    RETURN NEW;  -- a restore: the version as it was dumped, its transformation untouched
  END IF;
  PERFORM FROM tenancy.transformations t
    WHERE t.organization_id = NEW.organization_id AND t.id = NEW.transformation_id
    FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    IF EXISTS (SELECT FROM tenancy.transformations t
                WHERE t.organization_id = NEW.organization_id AND t.id = NEW.transformation_id) THEN
      RAISE EXCEPTION 'adding a version needs write access to transformation %', NEW.transformation_id
        USING ERRCODE = '42501';
    END IF;
    -- Not there for the caller: no context, another organization's row (row level security
    -- refuses it, 42501) or no such transformation (the foreign key refuses it, 23503). The
    -- number only keeps NOT NULL from answering first; the row is never stored.
    NEW.version_number := coalesce(NEW.version_number, 1);
    RETURN NEW;
  END IF;
  SELECT coalesce(max(v.version_number), 0) + 1 INTO next_number
    FROM tenancy.transformation_versions v
   WHERE v.organization_id = NEW.organization_id AND v.transformation_id = NEW.transformation_id;
  IF NEW.version_number IS NOT NULL AND NEW.version_number <> next_number THEN
    RAISE EXCEPTION 'the next version of transformation % is %, not %',
      NEW.transformation_id, next_number, NEW.version_number
      USING ERRCODE = '22023', HINT = 'Omit version_number: it is assigned.';
  END IF;
  NEW.version_number := next_number;
  UPDATE tenancy.transformations t SET current_version = next_number
   WHERE t.organization_id = NEW.organization_id AND t.id = NEW.transformation_id;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenancy.transformation_versions_number() IS
  'Trigger: numbers a new transformation version (highest + 1, under a lock of the transformation) and makes it current.';
CREATE TRIGGER transformation_versions_number BEFORE INSERT ON tenancy.transformation_versions
  FOR EACH ROW EXECUTE FUNCTION tenancy.transformation_versions_number();
