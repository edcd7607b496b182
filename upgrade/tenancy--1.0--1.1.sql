-- tenancy 1.0 -> 1.1: ledger_summary becomes an inlinable SQL function (a standard body, no SET
-- clause) whose argument and fx-rate checks are two helper functions, so that a prepared call
-- is planned like the equivalent hand-written query. Same signature, results and errors.
\echo Use "ALTER EXTENSION tenancy UPDATE TO '1.1'" to load this file. \quit

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
  SELECT l.currency, l.entry_date INTO missing
    FROM tenancy.cost_ledger l
   WHERE l.entry_date BETWEEN from_date AND to_date
     AND (org_ids IS NULL OR l.organization_id = ANY (org_ids))
     AND l.currency <> target_currency
     AND NOT EXISTS (SELECT 1 FROM tenancy.fx_rates r
                      WHERE r.base = l.currency AND r.quote = target_currency::char(3)
                        AND r.rate_date <= l.entry_date)
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
-- runs once in the leader even in a parallel plan.
CREATE OR REPLACE FUNCTION tenancy.ledger_summary(from_date date, to_date date,
                                       group_by text[] DEFAULT '{organization,currency}',
                                       period text DEFAULT NULL, target_currency text DEFAULT NULL,
                                       org_ids uuid[] DEFAULT NULL)
RETURNS TABLE (organization_id uuid, project_id uuid, period_start date, currency text,
               total numeric, entry_count bigint)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
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
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4;
END;
COMMENT ON FUNCTION tenancy.ledger_summary(date, date, text[], text, text, uuid[]) IS
  'Ledger totals of the visible organizations by organization/project/currency/period, optionally converted to one currency.';
