DROP TABLE evaluation_notices;
DROP TABLE project_evaluators;
ALTER TABLE evaluation_scores DROP COLUMN site_visit;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'staff', 'finance', 'reviewer', 'org'));
