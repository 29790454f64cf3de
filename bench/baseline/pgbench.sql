-- pgbench script: the same 4-row transaction as the bare Apollo + pg baseline
-- (bench/baseline/bare-apollo-pg.ts). Tables: bench/baseline/tables.sql.
\set amount random(1000, 10000)
\set score random(300, 1000)
BEGIN;
INSERT INTO bench_application (id, user_id, product, amount, term_months, purpose, status)
  VALUES (gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'PERSONAL_LOAN', :amount, 36, 'debt consolidation', 'APPROVED');
INSERT INTO bench_decision (id, application_id, outcome, score, grade, apr, trace)
  VALUES (gen_random_uuid(), gen_random_uuid(), 'APPROVED', :score, 'A', 7.99, '[{"component":"BUREAU_SCORE","points":335,"maxPoints":400},{"component":"ALTERNATIVE_DATA","points":60,"maxPoints":60},{"component":"DEBT_TO_INCOME","points":250,"maxPoints":250},{"component":"EMPLOYMENT","points":150,"maxPoints":150},{"component":"OVERDRAFTS","points":100,"maxPoints":100}]');
INSERT INTO bench_audit (id, actor_id, action, target_id, changes)
  VALUES (gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'application.submit', gen_random_uuid(), '{"status":"APPROVED","amount":"5000.00"}');
INSERT INTO bench_outbox (topic, payload)
  VALUES ('application.decided', '{"outcome":"APPROVED","score":895,"grade":"A"}');
COMMIT;
