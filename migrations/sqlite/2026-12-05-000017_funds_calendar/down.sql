DROP TABLE calendar_days;
DROP TABLE calendar_years;
DROP INDEX pools_fund;
ALTER TABLE pools DROP COLUMN fund_id;
DROP TABLE funds;
