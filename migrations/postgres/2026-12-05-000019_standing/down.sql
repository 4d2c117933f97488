DROP TABLE organisation_standing;
ALTER TABLE call_scoring DROP COLUMN eligibility;
