DROP INDEX assignments_call;
ALTER TABLE assignments DROP COLUMN first_score;
ALTER TABLE assignments DROP COLUMN total;
