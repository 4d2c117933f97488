-- The wider role CHECK on users stays: narrowing it would need the rebuild again and refuse existing evaluator accounts.
DROP TABLE evaluation_notices;
DROP TABLE project_evaluators;
ALTER TABLE evaluation_scores DROP COLUMN site_visit;
