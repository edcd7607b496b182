-- The shared cost ledger (API.md section 5): record_cost, reverse_entry, the append-only table,
-- sharing on and off, ledger_summary checked against hand-written GROUP BY queries for every
-- group_by/period combination, currency conversion with half-even rounding, the exact
-- money_sum aggregate (serial and parallel) and every refusal with its SQLSTATE. Its orgs,
-- users, projects, rates and role are its own, removed at the end. No random uuid or time is
-- printed: organizations are shown by their tag.

SET client_min_messages = warning;
SET DateStyle = 'ISO, YMD';

-- The application role, granted as an application would be.
CREATE ROLE regress_ledger_app NOLOGIN;
SELECT tenancy.grant_app_role('regress_ledger_app');

-- Fixed ids: led_id('A') is organization A, led_id('A:web') its project, and so on.
CREATE FUNCTION public.led_id(tag text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT md5('ledger:' || tag)::uuid $$;
-- The tag of an organization id (without reading organizations, which RLS narrows).
CREATE FUNCTION public.led_name(id uuid) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT t FROM unnest(ARRAY['A', 'B', 'C', 'D', 'E']) t WHERE public.led_id(t) = id $$;
-- Sets the context of a user in an organization for the session (as the superuser, before
-- SET ROLE): set_context(..., is_local => false). Returns the role in force.
CREATE FUNCTION public.led_context(org_tag text, user_tag text) RETURNS tenancy.org_role
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tenancy.set_context(public.led_id(org_tag), public.led_id(user_tag), is_local => false);
  RETURN tenancy.current_org_role();
END $$;

-- A, B and C (B will share its ledger with A, C never shares); D and E for conversions
-- (E shares with D).
INSERT INTO tenancy.organizations (id, name, slug) VALUES
  (led_id('A'), 'Ledger A', 'ledger-a'), (led_id('B'), 'Ledger B', 'ledger-b'),
  (led_id('C'), 'Ledger C', 'ledger-c'), (led_id('D'), 'Ledger D', 'ledger-d'),
  (led_id('E'), 'Ledger E', 'ledger-e');
INSERT INTO tenancy.users (id, email)
SELECT led_id(u), u || '@ledger.test'
  FROM unnest(ARRAY['a-owner', 'a-member', 'a-viewer', 'b-admin', 'b-member', 'd-member', 'e-owner']) u;
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  (led_id('A'), led_id('a-owner'), 'OWNER'), (led_id('A'), led_id('a-member'), 'MEMBER'),
  (led_id('A'), led_id('a-viewer'), 'VIEWER'), (led_id('B'), led_id('b-admin'), 'ADMIN'),
  (led_id('B'), led_id('b-member'), 'MEMBER'), (led_id('D'), led_id('d-member'), 'MEMBER'),
  (led_id('E'), led_id('e-owner'), 'OWNER');
INSERT INTO tenancy.projects (organization_id, id, name, deleted_at) VALUES
  (led_id('A'), led_id('A:web'), 'Web', NULL), (led_id('A'), led_id('A:api'), 'API', NULL),
  (led_id('A'), led_id('A:old'), 'Old', now()), (led_id('B'), led_id('B:web'), 'Web', NULL),
  (led_id('C'), led_id('C:web'), 'Web', NULL);
-- Rates to USD (the platform writes them). EUR changes on 1 Feb, 1 Mar and 1 Jul 2024; GBP on
-- 15 Jun 2024. There is no USD -> EUR rate: no inverse is ever derived.
INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES
  ('EUR', 'USD', '2024-01-01', 1.5), ('EUR', 'USD', '2024-02-01', 1.1),
  ('EUR', 'USD', '2024-03-01', 0.5), ('EUR', 'USD', '2024-07-01', 1.0837),
  ('GBP', 'USD', '2024-01-01', 1.25), ('GBP', 'USD', '2024-06-15', 1.2713);

---------------------------------------------------------------------------------------------
-- record_cost
---------------------------------------------------------------------------------------------

-- A's MEMBER records costs: in the context's organization, by the context's user. (Dated 2025,
-- outside the range the summaries below look at.)
SELECT led_context('A', 'a-member') AS role;
SET ROLE regress_ledger_app;
SELECT tenancy.record_cost(12.50, 'EUR', '2025-06-01', 'Rocket fuel', led_id('A:web')) AS e1 \gset
SELECT tenancy.record_cost(7, 'USD', '2025-06-02') AS e2 \gset
SELECT tenancy.record_cost(-3.25, 'GBP', '2025-06-03', 'Refund') AS e3 \gset
SELECT tenancy.record_cost(1.000, 'CHF', '2025-06-04', 'Trailing zeros are fine') AS e4 \gset
SELECT led_name(organization_id) AS org, created_by_id = led_id('a-member') AS by_member,
       project_id IS NOT DISTINCT FROM CASE WHEN id = :'e1' THEN led_id('A:web') END AS project, description, amount, currency,
       entry_date, reverses_entry_id IS NULL AS ordinary
  FROM tenancy.cost_ledger WHERE id IN (:'e1', :'e2', :'e3', :'e4') ORDER BY entry_date;

-- Another organization's project answers exactly like a missing one (42704), and so does a
-- soft-deleted project of A's own.
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT tenancy.record_cost(1, 'EUR', '2025-06-05', NULL, led_id('B:web'))$$),
  ($$SELECT tenancy.record_cost(1, 'EUR', '2025-06-05', NULL, led_id('no such project'))$$),
  ($$SELECT tenancy.record_cost(1, 'EUR', '2025-06-05', NULL, led_id('A:old'))$$)) AS t(s);

-- Bad input (22023; an amount past numeric(18,2): 22003). Nothing is recorded.
SELECT count(*) AS entries_before FROM tenancy.cost_ledger WHERE organization_id = led_id('A') \gset
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT tenancy.record_cost(1, 'eur', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(1, 'EURO', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(1, 'EU', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(1, 'EUR ', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(1, '', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(1, NULL, '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(1.001, 'EUR', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(-0.005, 'EUR', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost('NaN', 'EUR', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost('Infinity', 'EUR', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost('-Infinity', 'EUR', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(NULL, 'EUR', '2025-06-05')$$),
  ($$SELECT tenancy.record_cost(1, 'EUR', NULL)$$),
  ($$SELECT tenancy.record_cost(1, 'EUR', 'infinity')$$),
  ($$SELECT tenancy.record_cost(1e16, 'EUR', '2025-06-05')$$)) AS t(s);
SELECT count(*) = :entries_before AS nothing_recorded FROM tenancy.cost_ledger WHERE organization_id = led_id('A');

-- The project check reads with a fresh snapshot, like the INSERT's foreign key check (and like
-- the statements of a VOLATILE PL/pgSQL function): a project created earlier in the same
-- statement counts.
WITH p AS (INSERT INTO tenancy.projects (organization_id, name) VALUES (led_id('A'), 'Same statement') RETURNING id)
SELECT tenancy.record_cost(2, 'EUR', '2025-06-06', 'same statement', (SELECT id FROM p)) IS NOT NULL AS recorded_for_new_project;
SELECT count(*) AS entries_before FROM tenancy.cost_ledger WHERE organization_id = led_id('A') \gset

-- A VIEWER may read but not write (42501), neither record nor reverse.
RESET ROLE;
SELECT led_context('A', 'a-viewer') AS role;
SET ROLE regress_ledger_app;
SELECT outcome($$SELECT tenancy.record_cost(1, 'EUR', '2025-06-05')$$) AS viewer_records,
       outcome(format('SELECT tenancy.reverse_entry(%L, %L)', :'e2', 'viewer')) AS viewer_reverses;
SELECT count(*) AS viewer_sees FROM tenancy.cost_ledger WHERE id IN (:'e1', :'e2', :'e3', :'e4');
-- Without a context: nothing to read, nothing to write (42501).
RESET ROLE;
SELECT tenancy.clear_context();
SET ROLE regress_ledger_app;
SELECT outcome($$SELECT tenancy.record_cost(1, 'EUR', '2025-06-05')$$) AS no_context_records,
       outcome(format('SELECT tenancy.reverse_entry(%L, %L)', :'e2', 'nobody')) AS no_context_reverses;
SELECT count(*) AS no_context_sees FROM tenancy.cost_ledger;
SELECT count(*) AS no_context_summary FROM tenancy.ledger_summary('2000-01-01', '2099-12-31');
RESET ROLE;
SELECT count(*) = :entries_before AS nothing_recorded FROM tenancy.cost_ledger WHERE organization_id = led_id('A');

---------------------------------------------------------------------------------------------
-- Append-only: UPDATE and DELETE raise 55000
---------------------------------------------------------------------------------------------

SELECT amount AS e1_amount, description AS e1_description FROM tenancy.cost_ledger WHERE id = :'e1' \gset
-- The application role as A's OWNER (the update and delete policies let it through, so the
-- trigger answers).
SELECT led_context('A', 'a-owner') AS role;
SET ROLE regress_ledger_app;
SELECT statement, result FROM outcomes(
  $$UPDATE tenancy.cost_ledger SET amount = 0 WHERE description = 'Rocket fuel'$$,
  $$UPDATE tenancy.cost_ledger SET description = 'Moon fuel' WHERE description = 'Rocket fuel'$$,
  $$UPDATE tenancy.cost_ledger SET created_by_id = NULL WHERE description = 'Rocket fuel'$$,
  $$DELETE FROM tenancy.cost_ledger WHERE description = 'Rocket fuel'$$);
RESET ROLE;
-- As A's MEMBER: an update meets the trigger; a delete is not even reached (delete policy:
-- ADMIN+), so it matches no row. As A's VIEWER neither is reached (update policy: MEMBER+).
SELECT led_context('A', 'a-member') AS role;
SET ROLE regress_ledger_app;
SELECT statement, result FROM outcomes(
  $$UPDATE tenancy.cost_ledger SET amount = 0 WHERE description = 'Rocket fuel'$$,
  $$DELETE FROM tenancy.cost_ledger WHERE description = 'Rocket fuel'$$);
RESET ROLE;
SELECT led_context('A', 'a-viewer') AS role;
SET ROLE regress_ledger_app;
SELECT statement, result FROM outcomes(
  $$UPDATE tenancy.cost_ledger SET amount = 0 WHERE description = 'Rocket fuel'$$,
  $$DELETE FROM tenancy.cost_ledger WHERE description = 'Rocket fuel'$$);
RESET ROLE;
-- The superuser (no row level security) is refused too.
SELECT statement, result FROM outcomes(
  $$UPDATE tenancy.cost_ledger SET amount = 0 WHERE description = 'Rocket fuel'$$,
  $$DELETE FROM tenancy.cost_ledger WHERE description = 'Rocket fuel'$$,
  $$DELETE FROM tenancy.cost_ledger WHERE organization_id = led_id('A')$$);
SELECT amount = :'e1_amount' AND description = :'e1_description' AS e1_unchanged,
       (SELECT count(*) FROM tenancy.cost_ledger WHERE organization_id = led_id('A')) = :entries_before AS nothing_deleted
  FROM tenancy.cost_ledger WHERE id = :'e1';

---------------------------------------------------------------------------------------------
-- Generated entries of A, B and C, and B sharing its ledger with A
---------------------------------------------------------------------------------------------

-- 2400 entries (800 per organization) from 2023-12-01 to 2025-01-03, dates, currencies and
-- projects drawn from md5 (so they do not follow the organization), about two per organization
-- and day: the summaries cover 2024, so entries fall on both sides of each bound, and groups
-- add several entries, even some of the finest (organization, project, currency, day). Amounts
-- from -1000.00 to 1000.00 (some whole), in EUR, USD and GBP, with and without project; no
-- creator (created_by_id would default to the context's user).
CREATE FUNCTION public.led_draw(salt text, i int, n int) RETURNS int LANGUAGE sql IMMUTABLE
AS $$ SELECT ('x' || substr(md5(salt || i), 1, 7))::bit(28)::int % n $$;
INSERT INTO tenancy.cost_ledger (organization_id, id, project_id, description, amount, currency, entry_date, created_by_id)
SELECT led_id(o), led_id('gen:' || i),
       CASE led_draw('project', i, 4) WHEN 0 THEN NULL WHEN 3 THEN CASE WHEN o = 'A' THEN led_id('A:api') END
                                      ELSE led_id(o || ':web') END,
       'generated',
       CASE WHEN i % 10 = 0 THEN ((i * 31) % 2001 - 1000)::numeric
            ELSE round(((i * 7919) % 200001 - 100000) / 100.0, 2) END,
       (ARRAY['EUR', 'USD', 'GBP'])[led_draw('currency', i, 3) + 1],
       date '2023-12-01' + led_draw('date', i, 400),
       NULL
  FROM generate_series(1, 2400) i, LATERAL (SELECT (ARRAY['A', 'B', 'C'])[i % 3 + 1]) AS t(o);
SELECT led_name(organization_id) AS org, count(*) AS entries, count(*) FILTER (WHERE entry_date BETWEEN '2024-01-01' AND '2024-12-31') AS in_2024,
       count(DISTINCT currency) AS currencies, count(DISTINCT project_id) AS projects,
       min(entry_date) AS first, max(entry_date) AS last
  FROM tenancy.cost_ledger WHERE description = 'generated' AND organization_id IN (led_id('A'), led_id('B'), led_id('C'))
 GROUP BY 1 ORDER BY 1;
-- Groups of the finest grouping (organization, project, currency, day) that add several entries.
SELECT count(*) AS finest_groups, count(*) FILTER (WHERE n > 1) AS with_several_entries
  FROM (SELECT count(*) AS n FROM tenancy.cost_ledger
         WHERE description = 'generated' AND organization_id IN (led_id('A'), led_id('B'), led_id('C'))
         GROUP BY organization_id, project_id, currency, entry_date) AS t;

-- Converted to USD at the rates in force, how many of A's and B's 2024 entries land exactly on
-- half a cent, and for how many of those half-even and round() disagree.
SELECT count(*) AS ties, count(*) FILTER (WHERE tenancy.round_half_even(l.amount * r.rate) <> round(l.amount * r.rate, 2)) AS round_differs
  FROM tenancy.cost_ledger l,
       LATERAL (SELECT x.rate FROM tenancy.fx_rates x WHERE x.base = l.currency AND x.quote = 'USD' AND x.rate_date <= l.entry_date
                 ORDER BY x.rate_date DESC LIMIT 1) AS r
 WHERE l.description = 'generated' AND l.organization_id IN (led_id('A'), led_id('B'))
   AND l.entry_date BETWEEN '2024-01-01' AND '2024-12-31'
   AND l.amount * r.rate * 1000 = trunc(l.amount * r.rate * 1000) AND abs(l.amount * r.rate * 1000) % 10 = 5;

-- B's ADMIN shares B's ledger with A.
SELECT led_context('B', 'b-admin') AS role;
SET ROLE regress_ledger_app;
SELECT tenancy.share_with(led_id('A'), 'ledger') IS NOT NULL AS shared;
RESET ROLE;

-- Sharing on: A's summary (default group_by organization, currency) shows B's rows too; not C's.
SELECT led_context('A', 'a-member') AS role;
SET ROLE regress_ledger_app;
SELECT led_name(organization_id) AS org, currency, total, entry_count
  FROM tenancy.ledger_summary('2024-01-01', '2024-12-31') ORDER BY 1, 2;
RESET ROLE;
-- The same totals by hand (as the superuser).
SELECT led_name(organization_id) AS org, currency, sum(amount) AS total, count(*) AS entry_count
  FROM tenancy.cost_ledger
 WHERE entry_date BETWEEN '2024-01-01' AND '2024-12-31' AND organization_id IN (led_id('A'), led_id('B'))
 GROUP BY 1, 2 ORDER BY 1, 2;

-- B never sees A's entries (sharing goes one way).
SELECT led_context('B', 'b-member') AS role;
SET ROLE regress_ledger_app;
SELECT led_name(organization_id) AS org, currency, entry_count
  FROM tenancy.ledger_summary('2024-01-01', '2024-12-31') ORDER BY 1, 2;
SELECT count(*) AS a_rows_seen_by_b FROM tenancy.cost_ledger WHERE organization_id = led_id('A');
RESET ROLE;

---------------------------------------------------------------------------------------------
-- reverse_entry
---------------------------------------------------------------------------------------------

SELECT led_context('A', 'a-member') AS role;
SET ROLE regress_ledger_app;
-- Reversing once: the opposite amount, same currency, date and project, the reason as its
-- description, linked to the original. A negative entry reverses to a positive one.
SELECT tenancy.reverse_entry(:'e1', 'booked twice') AS r1 \gset
SELECT tenancy.reverse_entry(:'e3', 'refund cancelled') AS r3 \gset
SELECT o.description AS original, o.amount AS original_amount, r.amount, r.currency = o.currency AS same_currency,
       r.entry_date = o.entry_date AS same_date, r.project_id IS NOT DISTINCT FROM o.project_id AS same_project,
       r.description, r.reverses_entry_id = o.id AS links_original, led_name(r.organization_id) AS org,
       r.created_by_id = led_id('a-member') AS by_member
  FROM tenancy.cost_ledger r JOIN tenancy.cost_ledger o ON o.id = r.reverses_entry_id
 WHERE r.id IN (:'r1', :'r3') ORDER BY o.entry_date;
-- B's entry gen:1 is visible to A (shared), C's gen:2 is not.
SELECT count(*) FILTER (WHERE id = led_id('gen:1')) AS b_entry_visible,
       count(*) FILTER (WHERE id = led_id('gen:2')) AS c_entry_visible
  FROM tenancy.cost_ledger;
SELECT count(*) AS entries_before FROM tenancy.cost_ledger \gset
-- Twice, a reversal, another organization's entry (shared or not: like a missing one), a
-- missing or NULL id, an empty reason.
SELECT label, outcome(statement) FROM (VALUES
  ('e1 a second time',       format('SELECT tenancy.reverse_entry(%L, %L)', :'e1', 'again')),
  ('the reversal r1',        format('SELECT tenancy.reverse_entry(%L, %L)', :'r1', 'undo the undo')),
  ('B''s entry, shared',     format('SELECT tenancy.reverse_entry(%L, %L)', led_id('gen:1'), 'not ours')),
  ('C''s entry, not shared', format('SELECT tenancy.reverse_entry(%L, %L)', led_id('gen:2'), 'not ours')),
  ('a missing id',           format('SELECT tenancy.reverse_entry(%L, %L)', led_id('no such entry'), 'gone')),
  ('NULL id',                format('SELECT tenancy.reverse_entry(NULL, %L)', 'gone')),
  ('empty reason',           format('SELECT tenancy.reverse_entry(%L, %L)', :'e2', '')),
  ('blank reason',           format('SELECT tenancy.reverse_entry(%L, %L)', :'e2', '   ')),
  ('NULL reason',            format('SELECT tenancy.reverse_entry(%L, NULL)', :'e2'))) AS t(label, statement);
SELECT outcome(format('SELECT tenancy.reverse_entry(%L, %L)', led_id('gen:1'), 'x'))
     = outcome(format('SELECT tenancy.reverse_entry(%L, %L)', led_id('no such entry'), 'x')) AS shared_like_missing;
SELECT count(*) = :entries_before AS nothing_recorded FROM tenancy.cost_ledger;
RESET ROLE;
-- B's entry stays unreversed.
SELECT count(*) AS reversals_of_b_entry FROM tenancy.cost_ledger WHERE reverses_entry_id = led_id('gen:1');

---------------------------------------------------------------------------------------------
-- ledger_summary against hand-written GROUP BY queries
---------------------------------------------------------------------------------------------

-- Half-even rounding to cents written by hand: a tie (exactly half a cent) goes to the even
-- cent, anything else as round().
CREATE FUNCTION public.led_half_even(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT round(CASE WHEN abs(x * 100 - trunc(x * 100)) = 0.5 AND trunc(x * 100) % 2 = 0
                    THEN trunc(x * 100) / 100 ELSE x END, 2)
$$;

-- The reference: a GROUP BY that names exactly the grouped columns (the others are NULL),
-- always the currency when nothing is converted, sum(amount), count(*); periods computed
-- without date_trunc; a conversion takes the latest rate on or before the entry date and
-- rounds each entry half-even.
CREATE FUNCTION public.led_reference(group_by text[], period text, target text, from_date date,
                                     to_date date, orgs uuid[])
RETURNS TABLE (organization_id uuid, project_id uuid, period_start date, currency text, total numeric,
               entry_count bigint)
LANGUAGE plpgsql AS $$
DECLARE
  org_col text := CASE WHEN 'organization' = ANY (group_by) THEN 'e.organization_id' END;
  project_col text := CASE WHEN 'project' = ANY (group_by) THEN 'e.project_id' END;
  period_col text := CASE period
    WHEN 'day' THEN 'e.entry_date'
    WHEN 'week' THEN '(e.entry_date - (extract(isodow FROM e.entry_date)::int - 1))'
    WHEN 'month' THEN 'make_date(extract(year FROM e.entry_date)::int, extract(month FROM e.entry_date)::int, 1)'
    WHEN 'quarter' THEN 'make_date(extract(year FROM e.entry_date)::int, (extract(quarter FROM e.entry_date)::int - 1) * 3 + 1, 1)'
    WHEN 'year' THEN 'make_date(extract(year FROM e.entry_date)::int, 1, 1)' END;
  currency_col text := CASE WHEN target IS NULL THEN 'e.currency::text' END;
  keys text[] := array_remove(ARRAY[org_col, project_col, period_col, currency_col], NULL);
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT %s, %s, %s, %s, sum(%s), count(*)
       FROM tenancy.cost_ledger e
       LEFT JOIN LATERAL (SELECT x.rate FROM tenancy.fx_rates x
                           WHERE x.base = e.currency AND x.quote = $3 AND x.rate_date <= e.entry_date
                           ORDER BY x.rate_date DESC LIMIT 1) r ON true
      WHERE e.entry_date BETWEEN $1 AND $2 AND e.organization_id = ANY ($4) %s',
    coalesce(org_col, 'NULL::uuid'), coalesce(project_col, 'NULL::uuid'),
    coalesce(period_col, 'NULL::date'), coalesce(currency_col, '$3'),
    CASE WHEN target IS NULL THEN 'e.amount'
         ELSE 'CASE WHEN e.currency = $3 THEN e.amount ELSE public.led_half_even(e.amount * r.rate) END' END,
    CASE WHEN cardinality(keys) > 0 THEN 'GROUP BY ' || array_to_string(keys, ', ') ELSE '' END)
  USING from_date, to_date, target, orgs;
END $$;

-- ledger_summary and the reference for one combination: its row count, and whether the two row
-- sets are equal (EXCEPT ALL both ways, totals compared as text so the scale counts too).
CREATE FUNCTION public.led_compare(group_by text[], period text, target text,
                                   OUT summary_rows bigint, OUT same boolean)
LANGUAGE sql AS $$
  WITH s AS (SELECT organization_id, project_id, period_start, currency, total::text AS total, entry_count
               FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', group_by, period, target)),
       r AS (SELECT organization_id, project_id, period_start, currency, total::text AS total, entry_count
               FROM public.led_reference(group_by, period, target, '2024-01-01', '2024-12-31',
                                         ARRAY[public.led_id('A'), public.led_id('B')]))
  SELECT (SELECT count(*) FROM s),
         NOT EXISTS (SELECT * FROM s EXCEPT ALL SELECT * FROM r)
         AND NOT EXISTS (SELECT * FROM r EXCEPT ALL SELECT * FROM s)
$$;

-- Every subset of {organization, project, currency, period}, with no period (where 'period'
-- is not named) and with each of the five periods; unconverted and converted to USD. As A's
-- MEMBER with B sharing: A's and B's entries of 2024.
SET ROLE regress_ledger_app;
CREATE TEMP TABLE led_combinations AS
SELECT m, p.n AS period_order, array_to_string(g.words, ',') AS group_by, p.period,
       n.summary_rows AS native_rows, n.same AS native_same, u.summary_rows AS usd_rows, u.same AS usd_same
  FROM generate_series(0, 15) AS m,
       LATERAL (SELECT ARRAY(SELECT w FROM unnest(ARRAY['organization', 'project', 'currency', 'period'])
                                    WITH ORDINALITY AS x(w, k)
                              WHERE m & (1 << (k::int - 1)) <> 0 ORDER BY k)) AS g(words),
       (VALUES (NULL::text, 0), ('day', 1), ('week', 2), ('month', 3), ('quarter', 4), ('year', 5)) AS p(period, n),
       LATERAL public.led_compare(g.words, p.period, NULL) AS n,
       LATERAL public.led_compare(g.words, p.period, 'USD') AS u
 WHERE NOT ('period' = ANY (g.words) AND p.period IS NULL);
SELECT group_by, period, native_rows, native_same, usd_rows, usd_same FROM led_combinations ORDER BY m, period_order;
-- All of them at once.
SELECT count(*) AS combinations, bool_and(native_same) AS all_native_same, bool_and(usd_same) AS all_usd_same
  FROM led_combinations;
DROP TABLE led_combinations;
-- Without currency in group_by and without a target, rows are still per currency; with a
-- target, currency is the target and there is one row.
SELECT currency, entry_count FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{}') ORDER BY 1;
SELECT currency, entry_count FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{}', NULL, 'USD');
-- Weeks start on Monday, quarters and months on their first day.
SELECT DISTINCT extract(isodow FROM period_start) AS week_starts_on
  FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{}', 'week');
SELECT period_start, sum(entry_count) AS entries
  FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{}', 'quarter') GROUP BY 1 ORDER BY 1;
-- Bounds are inclusive: a one-day range has exactly that day's entries.
SELECT (SELECT sum(entry_count) FROM tenancy.ledger_summary('2024-12-31', '2024-12-31'))
     = (SELECT count(*) FROM tenancy.cost_ledger WHERE entry_date = '2024-12-31') AS last_day_inclusive,
       (SELECT count(*) FROM tenancy.cost_ledger WHERE entry_date = '2024-12-31') AS last_day_entries;

---------------------------------------------------------------------------------------------
-- org_ids narrows within what is visible
---------------------------------------------------------------------------------------------

-- C has entries in 2024, but is not visible to A: naming it returns nothing for it.
RESET ROLE;
SELECT count(*) AS c_entries_2024 FROM tenancy.cost_ledger
 WHERE organization_id = led_id('C') AND entry_date BETWEEN '2024-01-01' AND '2024-12-31';
SET ROLE regress_ledger_app;
SELECT t.label, ARRAY(SELECT DISTINCT led_name(s.organization_id) FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', org_ids => t.orgs) s ORDER BY 1) AS orgs,
       (SELECT coalesce(sum(s.entry_count), 0) FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', org_ids => t.orgs) s) AS entries
  FROM (VALUES ('NULL (all visible)', NULL::uuid[]), ('{A,B}', ARRAY[led_id('A'), led_id('B')]),
               ('{B}', ARRAY[led_id('B')]), ('{A}', ARRAY[led_id('A')]), ('{C}', ARRAY[led_id('C')]),
               ('{A,C}', ARRAY[led_id('A'), led_id('C')]), ('{B,C}', ARRAY[led_id('B'), led_id('C')]),
               ('{no such org}', ARRAY[led_id('Z')]), ('{}', '{}'::uuid[])) AS t(label, orgs);
-- Narrowed rows are the unnarrowed rows of that organization.
SELECT NOT EXISTS (
         (SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', org_ids => ARRAY[led_id('B')])
          EXCEPT ALL
          SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31') WHERE organization_id = led_id('B'))
         UNION ALL
         (SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31') WHERE organization_id = led_id('B')
          EXCEPT ALL
          SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', org_ids => ARRAY[led_id('B')]))) AS b_rows_same;

---------------------------------------------------------------------------------------------
-- Writes stay with the own organization
---------------------------------------------------------------------------------------------

-- A's MEMBER (B sharing with A): a row for B (or C) is refused by the policy (42501); B's
-- shared rows cannot be updated or deleted through it (no row matches). record_cost always
-- writes A's (above).
RESET ROLE;
SELECT count(*) AS entries_before, sum(amount) FILTER (WHERE organization_id = led_id('B')) AS b_sum_before
  FROM tenancy.cost_ledger \gset
SET ROLE regress_ledger_app;
SELECT statement, result FROM outcomes(
  $$INSERT INTO tenancy.cost_ledger (organization_id, amount, currency, entry_date) VALUES (led_id('B'), 1, 'EUR', '2025-06-10')$$,
  $$INSERT INTO tenancy.cost_ledger (organization_id, amount, currency, entry_date) VALUES (led_id('C'), 1, 'EUR', '2025-06-10')$$,
  $$UPDATE tenancy.cost_ledger SET amount = 0 WHERE organization_id = led_id('B')$$,
  $$DELETE FROM tenancy.cost_ledger WHERE organization_id = led_id('B')$$);
RESET ROLE;
SELECT count(*) = :entries_before AS nothing_added,
       sum(amount) FILTER (WHERE organization_id = led_id('B')) = :b_sum_before AS b_rows_unchanged
  FROM tenancy.cost_ledger;

---------------------------------------------------------------------------------------------
-- Sharing off
---------------------------------------------------------------------------------------------

SELECT led_context('B', 'b-admin') AS role;
SET ROLE regress_ledger_app;
SELECT tenancy.unshare(led_id('A'), 'ledger');
RESET ROLE;
-- B's rows vanish from A's summary, and from A's reads.
SELECT led_context('A', 'a-member') AS role;
SET ROLE regress_ledger_app;
SELECT led_name(organization_id) AS org, currency, total, entry_count
  FROM tenancy.ledger_summary('2024-01-01', '2024-12-31') ORDER BY 1, 2;
SELECT count(*) AS b_rows_seen_by_a FROM tenancy.cost_ledger WHERE organization_id = led_id('B');
SELECT count(*) AS b_rows_narrowed FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', org_ids => ARRAY[led_id('B')]);
-- The summary still matches the reference, now over A alone.
SELECT count(*) AS a_rows,
       NOT EXISTS (SELECT organization_id, project_id, period_start, currency, total::text, entry_count
                     FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,project,currency}', 'month')
                   EXCEPT ALL
                   SELECT organization_id, project_id, period_start, currency, total::text, entry_count
                     FROM led_reference('{organization,project,currency}', 'month', NULL, '2024-01-01', '2024-12-31', ARRAY[led_id('A')]))
   AND NOT EXISTS (SELECT organization_id, project_id, period_start, currency, total::text, entry_count
                     FROM led_reference('{organization,project,currency}', 'month', NULL, '2024-01-01', '2024-12-31', ARRAY[led_id('A')])
                   EXCEPT ALL
                   SELECT organization_id, project_id, period_start, currency, total::text, entry_count
                     FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,project,currency}', 'month')) AS same
  FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,project,currency}', 'month');

---------------------------------------------------------------------------------------------
-- ledger_summary: bad input (22023)
---------------------------------------------------------------------------------------------

-- A missing rate names the pair and the date: A's entries are in EUR, USD and GBP, and there
-- is no rate to JPY; nor USD -> EUR (no inverse of EUR -> USD is derived).
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', period => 'hour')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', period => 'Month')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', period => '')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organisation}')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,month}')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,NULL}')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', NULL)$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{period}')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,period}', NULL, 'USD')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-12-31', '2024-01-01')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-02', '2024-01-01')$$),
  ($$SELECT * FROM tenancy.ledger_summary(NULL, '2024-01-01')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', NULL)$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', target_currency => 'usd')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', target_currency => 'US')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', target_currency => 'USDX')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', target_currency => '')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', target_currency => 'JPY')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2024-03-05', '2024-12-31', target_currency => 'EUR')$$),
  ($$SELECT * FROM tenancy.ledger_summary('2023-12-01', '2024-12-31', target_currency => 'USD')$$)) AS t(s);
-- A one-day range is fine (from_date = to_date), and so is a period named both ways.
SELECT outcome($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-01-01')$$) AS same_day,
       outcome($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{period,period}', 'year')$$) AS period_twice;
RESET ROLE;

---------------------------------------------------------------------------------------------
-- money_sum equals sum() exactly
---------------------------------------------------------------------------------------------

-- Small cases: the value, its text (display scale) and its binary form (numeric_send).
SELECT label, tenancy.money_sum(v)::text AS money_sum, sum(v)::text AS sum,
       tenancy.money_sum(v) IS NOT DISTINCT FROM sum(v) AS same_value,
       numeric_send(tenancy.money_sum(v)) IS NOT DISTINCT FROM numeric_send(sum(v)) AS same_bytes
  FROM (VALUES
    ('5, 1.5, 2.25', 5::numeric), ('5, 1.5, 2.25', 1.5), ('5, 1.5, 2.25', 2.25),
    ('5 and 1.5', 5), ('5 and 1.5', 1.5),
    ('whole numbers', 5), ('whole numbers', -12),
    ('1.230 (scale 3, two decimals)', 1.230),
    ('1.5 - 1.5', 1.5), ('1.5 - 1.5', -1.5),
    ('1.50 - 1.5', 1.50), ('1.50 - 1.5', -1.5),
    ('negatives', -0.01), ('negatives', -999999.99), ('negatives', NULL),
    ('with NULLs', NULL), ('with NULLs', 0.10), ('with NULLs', NULL),
    ('only NULL', NULL),
    ('10^16 and more (128-bit path)', 12345678901234567890.12), ('10^16 and more (128-bit path)', -0.12),
    ('9e35 + 7e35', 9e35), ('9e35 + 7e35', 7e35),
    ('1e36, the 128-bit edge', 1e36), ('1e36, the 128-bit edge', 0.27),
    ('0.00', 0.00)) AS t(label, v)
 GROUP BY label ORDER BY label COLLATE "C";
-- No rows: NULL, like sum.
SELECT tenancy.money_sum(v) IS NULL AS empty_is_null, sum(v) IS NULL AS sum_too FROM (SELECT 1::numeric WHERE false) AS t(v);

-- Refusals (22003): a third decimal, NaN, infinities, a value or a total out of range.
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (1.23), (1.234)) t(v)$$),
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (0.001)) t(v)$$),
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (1.231), (-0.001)) t(v)$$),
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (1::numeric), ('NaN')) t(v)$$),
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (1::numeric), ('Infinity')) t(v)$$),
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (1::numeric), ('-Infinity')) t(v)$$),
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (2e36)) t(v)$$),
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (9e35), (9e35)) t(v)$$),
  ($$SELECT tenancy.money_sum(v) FROM (VALUES (-9e35), (-9e35)) t(v)$$)) AS t(s);

-- Generated data: 100000 values, a seventh of them NULL (group 6 only NULLs), negatives,
-- scales 0, 1 and 2, some beyond 10^16.
CREATE TABLE public.ledger_amounts (g int NOT NULL, v numeric);
INSERT INTO public.ledger_amounts
SELECT i % 7,
       CASE WHEN i % 7 = 6 OR i % 11 = 0 THEN NULL
            WHEN i % 997 = 0 THEN (i::numeric * 1000000000000000000 + 0.5) * (1 - 2 * (i % 2))
            WHEN i % 3 = 0 THEN ((i * 7919) % 20001 - 10000)::numeric
            WHEN i % 3 = 1 THEN round(((i * 7919) % 20001 - 10000) / 10.0, 1)
            ELSE round(((i * 7919) % 200001 - 100000) / 100.0, 2) END
  FROM generate_series(1, 100000) i;
ANALYZE public.ledger_amounts;
SELECT count(*) AS values, count(v) AS non_null, count(*) FILTER (WHERE scale(v) = 0) AS scale_0,
       count(*) FILTER (WHERE scale(v) = 1) AS scale_1, count(*) FILTER (WHERE scale(v) = 2) AS scale_2,
       count(*) FILTER (WHERE v < 0) AS negative, count(*) FILTER (WHERE abs(v) >= 1e16) AS beyond_1e16
  FROM public.ledger_amounts;

-- Serial.
SET max_parallel_workers_per_gather = 0;
SELECT tenancy.money_sum(v)::text AS serial_total, numeric_send(tenancy.money_sum(v)) AS serial_bytes
  FROM public.ledger_amounts \gset
SELECT g, tenancy.money_sum(v)::text AS money_sum, sum(v)::text AS sum,
       tenancy.money_sum(v) IS NOT DISTINCT FROM sum(v) AS same_value,
       numeric_send(tenancy.money_sum(v)) IS NOT DISTINCT FROM numeric_send(sum(v)) AS same_bytes
  FROM public.ledger_amounts GROUP BY g ORDER BY g;

-- Parallel: partial aggregates in the workers, combined in the leader.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT tenancy.money_sum(v), sum(v) FROM public.ledger_amounts;
SELECT tenancy.money_sum(v)::text AS money_sum, sum(v)::text AS sum,
       tenancy.money_sum(v) = sum(v) AS same_value,
       tenancy.money_sum(v)::text = sum(v)::text AS same_text,
       numeric_send(tenancy.money_sum(v)) = numeric_send(sum(v)) AS same_bytes,
       tenancy.money_sum(v)::text = :'serial_total' AS same_as_serial,
       numeric_send(tenancy.money_sum(v)) = :'serial_bytes' AS same_bytes_as_serial
  FROM public.ledger_amounts;
-- Grouped: the plan has partial aggregation too (its exact shape is the planner's choice).
CREATE FUNCTION public.led_partial_plan(query text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  line text;
  partial boolean := false;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    partial := partial OR line ~ 'Partial (Hash|Group)?Aggregate';
  END LOOP;
  RETURN partial;
END $$;
SELECT led_partial_plan('SELECT g, tenancy.money_sum(v), sum(v) FROM public.ledger_amounts GROUP BY g') AS partial_grouped_plan;
SELECT g, tenancy.money_sum(v)::text AS money_sum, sum(v)::text AS sum,
       tenancy.money_sum(v) IS NOT DISTINCT FROM sum(v) AS same_value,
       numeric_send(tenancy.money_sum(v)) IS NOT DISTINCT FROM numeric_send(sum(v)) AS same_bytes
  FROM public.ledger_amounts GROUP BY g ORDER BY g;
-- A refusal in a parallel plan: 22003 too.
INSERT INTO public.ledger_amounts VALUES (0, 0.001);
SELECT outcome($$SELECT tenancy.money_sum(v) FROM public.ledger_amounts$$) AS parallel_refusal;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- On the ledger itself, per organization and currency.
SELECT count(*) AS groups, bool_and(m::text = s::text AND numeric_send(m) = numeric_send(s)) AS all_same
  FROM (SELECT tenancy.money_sum(amount) AS m, sum(amount) AS s FROM tenancy.cost_ledger
         WHERE organization_id IN (led_id('A'), led_id('B'), led_id('C'))
         GROUP BY organization_id, currency) AS t;

---------------------------------------------------------------------------------------------
-- Conversion between rate changes, half-even per entry
---------------------------------------------------------------------------------------------

-- round_half_even against round(): ties go to the even neighbour (round() goes away from zero),
-- everything else the same.
SELECT v, tenancy.round_half_even(v) AS half_even, round(v, 2) AS round
  FROM (VALUES (1.545), (-1.545), (1.535), (0.005), (0.015), (-0.005), (2.525), (9.995), (1.5451),
               (1.5450000), (1.544), (1.5), (-0.004)) AS t(v);
SELECT tenancy.round_half_even(2.5, 0) AS "2.5", tenancy.round_half_even(3.5, 0) AS "3.5",
       tenancy.round_half_even(-2.5, 0) AS "-2.5", tenancy.round_half_even(1.5, 3) AS "1.5 to 3",
       tenancy.round_half_even(NULL) IS NULL AS null_in_null_out,
       outcome($$SELECT tenancy.round_half_even(1.5, -1)$$) AS negative_places;

-- D's MEMBER and E's OWNER record the example (E shares with D). Products with the rate in
-- force on each date; ties at the third decimal marked.
--   D 2024-01-01 EUR   1.03 x 1.5  (on the first rate date)       =   1.545  -> 1.54  (round 1.55)
--   D 2024-01-15 EUR  -1.03 x 1.5  (between 1 Jan and 1 Feb)      =  -1.545  -> -1.54 (round -1.55)
--   D 2024-01-20 GBP   2.02 x 1.25                                =   2.525  -> 2.52  (round 2.53)
--   D 2024-02-01 EUR   1.03 x 1.1  (on a rate date)               =   1.133  -> 1.13
--   D 2024-02-29 EUR 100.00 x 1.1  (the day before 0.5 applies)   = 110.000  -> 110.00
--   D 2024-03-01 EUR   0.05 x 0.5                                 =   0.025  -> 0.02  (round 0.03)
--   D 2024-03-20 EUR   0.01 x 0.5                                 =   0.005  -> 0.00  (round 0.01)
--   D 2024-03-21 USD   5.00 (already USD)                         =            5.00
--   D 2024-03-31 EUR   2.50 x 0.5                                 =   1.25   -> 1.25
--   E 2024-01-10 USD  10.00                                       =            10.00
--   E 2024-02-15 EUR   2.05 x 1.1                                 =   2.255  -> 2.26  (round 2.26)
--   E 2024-03-15 GBP   4.10 x 1.25                                =   5.125  -> 5.12  (round 5.13)
SELECT led_context('E', 'e-owner') AS role;
SET ROLE regress_ledger_app;
SELECT tenancy.share_with(led_id('D'), 'ledger') IS NOT NULL AS shared;
SELECT count(tenancy.record_cost(amount, currency, entry_date, 'fx example')) AS recorded
  FROM (VALUES (10.00, 'USD', date '2024-01-10'), (2.05, 'EUR', '2024-02-15'), (4.10, 'GBP', '2024-03-15'))
       AS t(amount, currency, entry_date);
RESET ROLE;
SELECT led_context('D', 'd-member') AS role;
SET ROLE regress_ledger_app;
SELECT count(tenancy.record_cost(amount, currency, entry_date, 'fx example')) AS recorded
  FROM (VALUES (1.03, 'EUR', date '2024-01-01'), (-1.03, 'EUR', '2024-01-15'), (2.02, 'GBP', '2024-01-20'),
               (1.03, 'EUR', '2024-02-01'), (100.00, 'EUR', '2024-02-29'), (0.05, 'EUR', '2024-03-01'),
               (0.01, 'EUR', '2024-03-20'), (5.00, 'USD', '2024-03-21'), (2.50, 'EUR', '2024-03-31'))
       AS t(amount, currency, entry_date);

-- Entry by entry (each on its own day): the day's converted total is the half-even rounding
-- of amount x the rate in force (the latest on or before the date), not round()'s.
SELECT led_name(l.organization_id) AS org, l.entry_date, l.currency, l.amount, h.rate,
       l.amount * h.rate AS exact, s.total AS converted, round(l.amount * h.rate, 2) AS by_round,
       s.total = tenancy.round_half_even(l.amount * h.rate) AS half_even,
       s.total <> round(l.amount * h.rate, 2) AS round_differs, s.entry_count
  FROM tenancy.cost_ledger l
  JOIN (VALUES ('EUR', date '2024-01-01', 1.5), ('EUR', '2024-01-15', 1.5), ('GBP', '2024-01-20', 1.25),
               ('EUR', '2024-02-01', 1.1), ('EUR', '2024-02-29', 1.1), ('EUR', '2024-03-01', 0.5),
               ('EUR', '2024-03-20', 0.5), ('USD', '2024-03-21', 1), ('EUR', '2024-03-31', 0.5),
               ('USD', '2024-01-10', 1), ('EUR', '2024-02-15', 1.1), ('GBP', '2024-03-15', 1.25))
       AS h(currency, entry_date, rate) ON h.currency = l.currency AND h.entry_date = l.entry_date
  LEFT JOIN tenancy.ledger_summary('2024-01-01', '2024-03-31', '{organization}', 'day', 'USD') s
       ON s.organization_id = l.organization_id AND s.period_start = l.entry_date
 ORDER BY 1, 2;

-- Summed per entry after rounding: D's first quarter in USD, against the unrounded products
-- and against rounding with round().
SELECT (SELECT total FROM tenancy.ledger_summary('2024-01-01', '2024-03-31', '{}', NULL, 'USD', ARRAY[led_id('D')])) AS half_even_total,
       sum(round(l.amount * r.rate, 2)) AS round_total, sum(l.amount * r.rate) AS unrounded_total
  FROM tenancy.cost_ledger l
  CROSS JOIN LATERAL (SELECT coalesce((SELECT x.rate FROM tenancy.fx_rates x
                                        WHERE x.base = l.currency AND x.quote = 'USD' AND x.rate_date <= l.entry_date
                                        ORDER BY x.rate_date DESC LIMIT 1), 1) AS rate) AS r
 WHERE l.organization_id = led_id('D');

-- The example in full: by organization and currency, per month, in USD (as D, which sees E's
-- shared entries). By hand: D January 1.54 - 1.54 + 2.52 = 2.52 (3 entries), February
-- 1.13 + 110.00 = 111.13 (2), March 0.02 + 0.00 + 5.00 + 1.25 = 6.27 (4); E January 10.00,
-- February 2.26, March 5.12 (1 each).
SELECT led_name(organization_id) AS org, project_id, period_start, currency, total, entry_count
  FROM tenancy.ledger_summary('2024-01-01', '2024-03-31', '{organization,currency}', 'month', 'USD')
 ORDER BY 1, 3;
-- Unconverted, the same entries stay per currency: D EUR 1.03 - 1.03 + 1.03 + 100.00 + 0.05 +
-- 0.01 + 2.50 = 103.59, GBP 2.02, USD 5.00; E EUR 2.05, GBP 4.10, USD 10.00.
SELECT led_name(organization_id) AS org, period_start, currency, total, entry_count
  FROM tenancy.ledger_summary('2024-01-01', '2024-03-31', '{organization,currency}')
 ORDER BY 1, 3;
-- Converted to USD over the whole quarter without grouping: one row, 2.52 + 111.13 + 6.27 +
-- 10.00 + 2.26 + 5.12 = 137.30.
SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-03-31', '{}', NULL, 'USD');

-- Missing rates are errors naming the pair and the date, never skipped: an entry before the
-- first EUR rate, an entry in a currency without any rate, and D's (and E's shared) USD entries
-- asked in EUR (no USD -> EUR rate). Leaving the entry out of the range makes it work again.
BEGIN;
SELECT tenancy.record_cost(1.00, 'EUR', '2023-12-31', 'before the first rate') IS NOT NULL AS recorded;
SELECT outcome($$SELECT * FROM tenancy.ledger_summary('2023-12-01', '2024-03-31', target_currency => 'USD')$$) AS before_first_rate,
       outcome($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-03-31', target_currency => 'USD')$$) AS range_after_it;
SELECT tenancy.record_cost(500, 'JPY', '2024-02-10', 'no rate at all') IS NOT NULL AS recorded;
SELECT outcome($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-03-31', target_currency => 'USD')$$) AS no_jpy_rate,
       outcome($$SELECT * FROM tenancy.ledger_summary('2024-02-11', '2024-03-31', target_currency => 'USD')$$) AS range_after_it,
       outcome($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-03-31', target_currency => 'EUR')$$) AS usd_to_eur,
       outcome($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-03-31')$$) AS unconverted;
ROLLBACK;
RESET ROLE;

---------------------------------------------------------------------------------------------
-- Declarations
---------------------------------------------------------------------------------------------

SELECT p.oid::regprocedure AS function, p.prokind, p.provolatile, p.proparallel, p.proisstrict, p.prosecdef,
       has_function_privilege('regress_ledger_app', p.oid, 'EXECUTE') AS app_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND p.proname IN ('money_sum', 'round_half_even', 'record_cost', 'reverse_entry', 'ledger_summary')
 ORDER BY p.proname;
SELECT a.aggcombinefn::regproc AS combine, a.aggserialfn::regproc AS serial, a.aggdeserialfn::regproc AS deserial
  FROM pg_aggregate a WHERE a.aggfnoid = 'tenancy.money_sum(numeric)'::regprocedure;

-- ledger_summary is inlined into the calling query (its plan reads cost_ledger itself, with no
-- Function Scan), also in a prepared statement's generic plan, where the argument checks still
-- come first and the rows are those of the custom plan.
CREATE FUNCTION public.led_plan(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || query;
END $$;
SELECT bool_or(line ~ 'Function Scan') AS function_scan, bool_or(line ~ 'on cost_ledger') AS reads_cost_ledger
  FROM public.led_plan($$SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,currency}', 'month')$$) AS line;
SELECT public.led_context('A', 'a-member');
CREATE TEMP TABLE led_custom AS
  SELECT * FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,project,period}', 'quarter');
SET plan_cache_mode = force_generic_plan;
PREPARE led_summary(date, date, text[], text, text) AS
  SELECT * FROM tenancy.ledger_summary($1, $2, $3, $4, $5);
SELECT bool_or(line ~ 'Function Scan') AS function_scan, bool_or(line ~ 'on cost_ledger') AS reads_cost_ledger
  FROM public.led_plan($$EXECUTE led_summary('2024-01-01', '2024-12-31', '{organization}', 'month', NULL)$$) AS line;
CREATE TEMP TABLE led_generic AS
  EXECUTE led_summary('2024-01-01', '2024-12-31', '{organization,project,period}', 'quarter', NULL);
SELECT (SELECT count(*) FROM led_custom) AS custom_rows,
       NOT EXISTS (SELECT * FROM led_custom EXCEPT ALL SELECT * FROM led_generic)
       AND NOT EXISTS (SELECT * FROM led_generic EXCEPT ALL SELECT * FROM led_custom) AS same_rows;
SELECT outcome($$EXECUTE led_summary('2024-12-31', '2024-01-01', '{organization}', NULL, NULL)$$) AS dates_reversed,
       outcome($$EXECUTE led_summary('2024-01-01', '2024-12-31', '{colour}', NULL, NULL)$$) AS unknown_word,
       outcome($$EXECUTE led_summary('2024-01-01', '2024-12-31', '{period}', NULL, NULL)$$) AS period_missing,
       outcome($$EXECUTE led_summary('2024-01-01', '2024-12-31', '{period}', 'fortnight', NULL)$$) AS unknown_period,
       outcome($$EXECUTE led_summary('2024-01-01', '2024-12-31', '{organization}', NULL, 'usd')$$) AS bad_currency;
DEALLOCATE led_summary;
RESET plan_cache_mode;
DROP TABLE led_custom, led_generic;

---------------------------------------------------------------------------------------------
-- Clean up
---------------------------------------------------------------------------------------------

SELECT tenancy.clear_context();
-- Deleting a user keeps the entries it recorded (created_by_id becomes NULL: the one change
-- the append-only trigger lets through); deleting the organizations removes their entries.
SELECT count(*) AS a_entries, count(*) FILTER (WHERE created_by_id = led_id('a-member')) AS by_a_member
  FROM tenancy.cost_ledger WHERE organization_id = led_id('A');
SELECT count(*) AS a_entries FROM tenancy.cost_ledger WHERE organization_id = led_id('A') \gset
DELETE FROM tenancy.users WHERE id = led_id('a-member');
SELECT count(*) = :a_entries AS entries_kept, count(created_by_id) AS creators_left
  FROM tenancy.cost_ledger WHERE organization_id = led_id('A');
DELETE FROM tenancy.organizations WHERE id IN (led_id('A'), led_id('B'), led_id('C'), led_id('D'), led_id('E'));
SELECT count(*) AS entries_left FROM tenancy.cost_ledger
 WHERE organization_id IN (led_id('A'), led_id('B'), led_id('C'), led_id('D'), led_id('E'));
DELETE FROM tenancy.users WHERE email LIKE '%@ledger.test';
DELETE FROM tenancy.fx_rates WHERE quote = 'USD' AND base IN ('EUR', 'GBP') AND rate_date BETWEEN '2024-01-01' AND '2024-12-31';
DROP TABLE public.ledger_amounts;
SELECT tenancy.revoke_app_role('regress_ledger_app');
DROP ROLE regress_ledger_app;
DROP FUNCTION public.led_compare(text[], text, text), public.led_reference(text[], text, text, date, date, uuid[]),
  public.led_half_even(numeric), public.led_draw(text, int, int), public.led_partial_plan(text), public.led_plan(text), public.led_context(text, text),
  public.led_name(uuid), public.led_id(text);
RESET DateStyle;
RESET client_min_messages;
