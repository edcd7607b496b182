-- One role's round in org A (included by rls_isolation.sql after rls_as(...)): what the
-- application role sees, which writes go through, and that org B's rows are untouched.
SET LOCAL ROLE regress_rls_app;
SELECT rls_org(organization_id) AS org, id, title, secret FROM rls_docs ORDER BY org, id;
SELECT id, project_id, title, secret FROM rls_tasks ORDER BY id;
SELECT id, name FROM rls_projects ORDER BY id;
SELECT * FROM outcomes(
  $$INSERT INTO rls_docs (organization_id, id, title, secret) VALUES (rls_a(), 10, 'new', 'new')$$,
  $$INSERT INTO rls_docs (organization_id, id, title, secret) VALUES (rls_b(), 10, 'new', 'new')$$,
  $$UPDATE rls_docs SET title = title || '+'$$,
  $$UPDATE rls_docs SET title = 'x' WHERE organization_id = rls_b()$$,
  $$UPDATE rls_docs SET organization_id = rls_b() WHERE id = 1$$,
  $$DELETE FROM rls_docs WHERE organization_id = rls_b()$$,
  $$DELETE FROM rls_docs WHERE id = 2$$,
  $$INSERT INTO rls_tasks (id, project_id, title, secret) VALUES (110, 10, 'new', 'new')$$,
  $$INSERT INTO rls_tasks (id, project_id, title, secret) VALUES (210, 20, 'new', 'new')$$,
  $$UPDATE rls_tasks SET title = title || '+'$$,
  $$UPDATE rls_tasks SET title = 'x' WHERE id = 200$$,
  $$UPDATE rls_tasks SET project_id = 20 WHERE id = 100$$,
  $$DELETE FROM rls_tasks WHERE id = 200$$,
  $$DELETE FROM rls_tasks WHERE id = 101$$);
SELECT rls_org(organization_id) AS org, id, title, secret FROM rls_docs ORDER BY org, id;
SELECT id, project_id, title, secret FROM rls_tasks ORDER BY id;
RESET ROLE;
SELECT rls_org(organization_id) AS org, id, title, secret FROM rls_docs ORDER BY org, id;
SELECT id, project_id, title, secret FROM rls_tasks ORDER BY id;
ROLLBACK;
