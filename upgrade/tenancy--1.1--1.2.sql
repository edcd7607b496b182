-- tenancy 1.1 -> 1.2: faster ledger paths, same signatures, results and errors.
-- - record_cost is written in C: the PL/pgSQL checks cost more per call than the INSERT's margin.
-- - ledger_summary computes its totals in a MATERIALIZED CTE and orders only them: ordering
--   inside made the planner sort every entry (it expects as many groups as entries).
-- - ledger_fx_rates_complete compares each entry with its pair's first rate, instead of an
--   anti-join that was planned as entries x rates with daily rates.
\echo Use "ALTER EXTENSION tenancy UPDATE TO '1.2'" to load this file. \quit

CREATE OR REPLACE FUNCTION tenancy.record_cost(amount numeric, currency text, entry_date date,
                                    description text DEFAULT NULL, project_id uuid DEFAULT NULL)
RETURNS uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS 'MODULE_PATHNAME', 'tenancy_record_cost';

CREATE OR REPLACE FUNCTION tenancy.ledger_fx_rates_complete(from_date date, to_date date,
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

CREATE OR REPLACE FUNCTION tenancy.ledger_summary(from_date date, to_date date,
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
