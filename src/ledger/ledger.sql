-- The shared cost ledger's functions (API.md section 5): the exact money_sum aggregate,
-- half-even rounding, record_cost, reverse_entry and ledger_summary. The tables are in
-- src/schema/ledger.sql.

-- money_sum ----------------------------------------------------------------------------------

CREATE FUNCTION tenancy.money_sum_transition(internal, numeric) RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_transition';
CREATE FUNCTION tenancy.money_sum_combine(internal, internal) RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_combine';
CREATE FUNCTION tenancy.money_sum_serialize(internal) RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_serialize';
CREATE FUNCTION tenancy.money_sum_deserialize(bytea, internal) RETURNS internal
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_deserialize';
CREATE FUNCTION tenancy.money_sum_final(internal) RETURNS numeric
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_final';
COMMENT ON FUNCTION tenancy.money_sum_transition(internal, numeric) IS 'money_sum: adds one amount (internal).';
COMMENT ON FUNCTION tenancy.money_sum_combine(internal, internal) IS 'money_sum: merges two partial sums (internal).';
COMMENT ON FUNCTION tenancy.money_sum_serialize(internal) IS 'money_sum: a partial sum as bytes (internal).';
COMMENT ON FUNCTION tenancy.money_sum_deserialize(bytea, internal) IS 'money_sum: a partial sum from bytes (internal).';
COMMENT ON FUNCTION tenancy.money_sum_final(internal) IS 'money_sum: the total (internal).';

CREATE AGGREGATE tenancy.money_sum(numeric) (
  SFUNC = tenancy.money_sum_transition,
  STYPE = internal,
  SSPACE = 48,
  FINALFUNC = tenancy.money_sum_final,
  COMBINEFUNC = tenancy.money_sum_combine,
  SERIALFUNC = tenancy.money_sum_serialize,
  DESERIALFUNC = tenancy.money_sum_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE tenancy.money_sum(numeric) IS
  'Exact sum of amounts with at most 2 decimals (128-bit cents): equal to sum(numeric), faster; 22003 beyond its range.';

CREATE FUNCTION tenancy.round_half_even(value numeric, places int DEFAULT 2) RETURNS numeric
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_round_half_even';
COMMENT ON FUNCTION tenancy.round_half_even(numeric, int) IS
  'Rounds to places decimals, halves to the even neighbour (banker''s rounding), exactly.';

-- Writing ----------------------------------------------------------------------------------

-- 42501 unless the context's role is at least MEMBER (the ledger's write role).
CREATE FUNCTION tenancy.require_ledger_writer() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
BEGIN
  IF tenancy.current_org_id() IS NULL OR NOT tenancy.has_role('MEMBER') THEN
    RAISE EXCEPTION 'writing to the ledger needs a tenant context with the MEMBER role or higher'
      USING ERRCODE = '42501';
  END IF;
  RETURN tenancy.current_org_id();
END;
$$;
COMMENT ON FUNCTION tenancy.require_ledger_writer() IS
  'The context''s organization, or 42501 when the context may not write to the ledger.';

-- 22023 unless currency is three upper-case letters.
CREATE FUNCTION tenancy.check_currency(currency text, argument text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF currency IS NULL OR currency !~ '^[A-Z]{3}$' THEN
    RAISE EXCEPTION '% must be an ISO 4217 code: three upper-case letters', argument USING ERRCODE = '22023';
  END IF;
END;
$$;
COMMENT ON FUNCTION tenancy.check_currency(text, text) IS 'Raises 22023 unless the text is three upper-case letters.';

-- Records a cost of the context's organization (MEMBER+). The amount must be finite with at
-- most 2 decimals (the column would otherwise round it silently); a project must be one of the
-- organization's live projects (another organization's answers like a missing one, 42704).
-- SECURITY DEFINER: the application role cannot insert into cost_ledger itself, so every entry
-- passes these checks; the organization and user are the context's.
-- Written in C (record_cost_pg.cpp): in PL/pgSQL the checks cost more than the INSERT's margin.
CREATE FUNCTION tenancy.record_cost(amount numeric, currency text, entry_date date,
                                    description text DEFAULT NULL, project_id uuid DEFAULT NULL)
RETURNS uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS 'MODULE_PATHNAME', 'tenancy_record_cost';
COMMENT ON FUNCTION tenancy.record_cost(numeric, text, date, text, uuid) IS
  'Records a cost entry of the context''s organization (MEMBER+); returns its id.';

-- Reverses an entry of the context's organization (MEMBER+): a new entry with the opposite
-- amount, the same currency, date and project, and the reason as its description. Another
-- organization's entry (even one shared with the caller) answers like a missing one (42704);
-- an entry already reversed, or a reversal, cannot be reversed (55000). SECURITY DEFINER, as
-- record_cost: it reads only the context's organization's entries.
CREATE FUNCTION tenancy.reverse_entry(entry_id uuid, reason text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  org uuid := tenancy.require_ledger_writer();
  original record;
  new_id uuid;
BEGIN
  IF reason IS NULL OR btrim(reason) = '' THEN
    RAISE EXCEPTION 'reason must not be empty' USING ERRCODE = '22023';
  END IF;
  SELECT l.* INTO original FROM tenancy.cost_ledger l
   WHERE l.organization_id = org AND l.id = entry_id;
  IF original.id IS NULL THEN
    RAISE EXCEPTION 'ledger entry does not exist' USING ERRCODE = '42704';
  END IF;
  IF original.reverses_entry_id IS NOT NULL THEN
    RAISE EXCEPTION 'a reversing entry cannot be reversed' USING ERRCODE = '55000',
      HINT = 'Record a new entry instead.';
  END IF;
  BEGIN
    INSERT INTO tenancy.cost_ledger (organization_id, project_id, description, amount, currency,
                                     entry_date, reverses_entry_id, created_by_id)
    VALUES (org, original.project_id, reason, -original.amount, original.currency,
            original.entry_date, original.id, tenancy.current_user_id())
    RETURNING id INTO new_id;
  EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'ledger entry has already been reversed' USING ERRCODE = '55000';
  END;
  RETURN new_id;
END;
$$;
COMMENT ON FUNCTION tenancy.reverse_entry(uuid, text) IS
  'Reverses an entry of the context''s organization with an opposite entry; returns its id.';

-- Reading ----------------------------------------------------------------------------------

-- Totals of the entries the caller may see (its organization and those sharing 'ledger' with
-- it: the table's policy), dated from_date to to_date inclusive, optionally narrowed to org_ids,
-- grouped by any of organization, project, currency, period (columns not grouped are NULL).
-- A period groups by period_start (day, ISO week from Monday, month, quarter, year) and implies
-- 'period'. Amounts are never added across currencies: without target_currency the rows are
-- always per currency; with it, every entry is converted at the latest fx rate (base = its
-- currency, quote = target) on or before its date, rounded half-even to 2 decimals, then
-- summed, and currency is the target. A missing rate is an error naming the pair and date.
-- The argument checks of ledger_summary (22023 with a hint); true when they pass. IMMUTABLE:
-- with constant arguments the planner runs it while planning, otherwise it is the summary's
-- one-time filter, evaluated before any row is read.
CREATE FUNCTION tenancy.ledger_summary_arguments_valid(from_date date, to_date date,
                                                       group_by text[], period text,
                                                       target_currency text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  word text;
BEGIN
  IF from_date IS NULL OR to_date IS NULL THEN
    RAISE EXCEPTION 'from_date and to_date must not be NULL' USING ERRCODE = '22023';
  END IF;
  IF from_date > to_date THEN
    RAISE EXCEPTION 'from_date (%) is after to_date (%)', from_date, to_date USING ERRCODE = '22023';
  END IF;
  IF group_by IS NULL THEN
    RAISE EXCEPTION 'group_by must not be NULL' USING ERRCODE = '22023';
  END IF;
  FOREACH word IN ARRAY group_by LOOP
    IF word IS NULL OR word NOT IN ('organization', 'project', 'currency', 'period') THEN
      RAISE EXCEPTION 'unknown group_by word "%"', coalesce(word, 'NULL') USING ERRCODE = '22023',
        HINT = 'Use organization, project, currency and period.';
    END IF;
  END LOOP;
  IF period IS NOT NULL AND period NOT IN ('day', 'week', 'month', 'quarter', 'year') THEN
    RAISE EXCEPTION 'unknown period "%"', period USING ERRCODE = '22023',
      HINT = 'Use day, week, month, quarter or year.';
  END IF;
  IF 'period' = ANY (group_by) AND period IS NULL THEN
    RAISE EXCEPTION 'group_by period needs a period' USING ERRCODE = '22023',
      HINT = 'Pass period => ''day'', ''week'', ''month'', ''quarter'' or ''year''.';
  END IF;
  IF target_currency IS NOT NULL THEN
    PERFORM tenancy.check_currency(target_currency, 'target_currency');
  END IF;
  RETURN true;
END;
$$;
COMMENT ON FUNCTION tenancy.ledger_summary_arguments_valid(date, date, text[], text, text) IS
  'ledger_summary''s argument checks: true, or 22023 naming the bad argument.';

-- 22023 naming the earliest entry (by date, then currency) that ledger_summary would have to
-- convert to target_currency without an fx rate on or before its date; true when there is none.
-- Reads with the caller's rights, so only entries the caller may see count.
CREATE FUNCTION tenancy.ledger_fx_rates_complete(from_date date, to_date date,
                                                 target_currency text, org_ids uuid[])
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE COST 10000
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  missing record;
BEGIN
  -- An entry has no rate on or before its date exactly when its date is before the pair's
  -- first rate (or the pair has none): one row per currency to compare with, however many
  -- daily rates there are (a NOT EXISTS on rate_date <= entry_date was planned as a hash
  -- anti-join on the currency alone, entries x rates).
  SELECT l.currency, l.entry_date INTO missing
    FROM tenancy.cost_ledger l
    LEFT JOIN (SELECT r.base, min(r.rate_date) AS first_rate_date
                 FROM tenancy.fx_rates r
                WHERE r.quote = target_currency::char(3)
                GROUP BY r.base) first_rates ON first_rates.base = l.currency
   WHERE l.entry_date BETWEEN from_date AND to_date
     AND (org_ids IS NULL OR l.organization_id = ANY (org_ids))
     AND l.currency <> target_currency
     AND (first_rates.first_rate_date IS NULL OR l.entry_date < first_rates.first_rate_date)
   ORDER BY l.entry_date, l.currency
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'no fx rate % -> % on or before %', missing.currency, target_currency, missing.entry_date
      USING ERRCODE = '22023', HINT = 'Add the rate to tenancy.fx_rates.';
  END IF;
  RETURN true;
END;
$$;
COMMENT ON FUNCTION tenancy.ledger_fx_rates_complete(date, date, text, uuid[]) IS
  'ledger_summary''s conversion check: true, or 22023 naming the first pair and date without an fx rate.';

-- A SQL function with a standard body and no SET clause, so that the planner inlines it into
-- the calling query: a prepared call is planned once, with its grouping keys folded to
-- constants, exactly like the hand-written query (names are bound when the function is
-- created, so the caller's search_path cannot redirect them). The checks run first, as the
-- query's one-time filters; the fx-rate check, which reads the entries, is a sub-select, so it
-- runs once in the leader even in a parallel plan. The totals are a MATERIALIZED CTE, planned
-- on their own, then ordered: ordering inside would make the planner sort every entry for a
-- GroupAggregate (it expects about as many groups as entries, where there are a few dozen),
-- with text comparisons on the currency, instead of hashing them and sorting the few totals.
CREATE FUNCTION tenancy.ledger_summary(from_date date, to_date date,
                                       group_by text[] DEFAULT '{organization,currency}',
                                       period text DEFAULT NULL, target_currency text DEFAULT NULL,
                                       org_ids uuid[] DEFAULT NULL)
RETURNS TABLE (organization_id uuid, project_id uuid, period_start date, currency text,
               total numeric, entry_count bigint)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH totals (organization_id, project_id, period_start, currency, total, entry_count) AS MATERIALIZED (
  SELECT CASE WHEN 'organization' = ANY (ledger_summary.group_by) THEN l.organization_id END,
         CASE WHEN 'project' = ANY (ledger_summary.group_by) THEN l.project_id END,
         CASE WHEN ledger_summary.period IS NOT NULL
              THEN date_trunc(ledger_summary.period, l.entry_date::timestamp)::date END,
         coalesce(ledger_summary.target_currency, l.currency::text),
         tenancy.money_sum(
           CASE WHEN ledger_summary.target_currency IS NULL
                  OR l.currency::text = ledger_summary.target_currency
                THEN l.amount
                ELSE tenancy.round_half_even(l.amount * (
                       SELECT r.rate FROM tenancy.fx_rates r
                        WHERE r.base = l.currency AND r.quote = ledger_summary.target_currency::char(3)
                          AND r.rate_date <= l.entry_date
                        ORDER BY r.rate_date DESC LIMIT 1), 2) END),
         count(*)
    FROM tenancy.cost_ledger l
   WHERE tenancy.ledger_summary_arguments_valid(ledger_summary.from_date, ledger_summary.to_date,
                                                ledger_summary.group_by, ledger_summary.period,
                                                ledger_summary.target_currency)
     AND (ledger_summary.target_currency IS NULL
          OR (SELECT tenancy.ledger_fx_rates_complete(ledger_summary.from_date, ledger_summary.to_date,
                                                      ledger_summary.target_currency,
                                                      ledger_summary.org_ids)))
     AND l.entry_date BETWEEN ledger_summary.from_date AND ledger_summary.to_date
     AND (ledger_summary.org_ids IS NULL OR l.organization_id = ANY (ledger_summary.org_ids))
   GROUP BY 1, 2, 3, 4)
  SELECT * FROM totals ORDER BY 1, 2, 3, 4;
END;
COMMENT ON FUNCTION tenancy.ledger_summary(date, date, text[], text, text, uuid[]) IS
  'Ledger totals of the visible organizations by organization/project/currency/period, optionally converted to one currency.';
