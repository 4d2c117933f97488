-- The programme year: money belongs to a yearly fund per region (专项资金: the district at least
-- 1,000,000.00 a year, each town at least 200,000.00), and every call's pools draw on the funds
-- of their regions for the call's year. `committed` is the sum of the budgets of published pools
-- on the fund; publishing raises it with one conditional UPDATE, never past `amount`.
CREATE TABLE funds (
    id BIGSERIAL PRIMARY KEY,
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    region_code TEXT NOT NULL REFERENCES regions(code),
    level TEXT NOT NULL CHECK (level IN ('district', 'town')),
    name TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    source TEXT NOT NULL CHECK (source IN ('budget', 'lottery', 'other')),
    committed BIGINT NOT NULL DEFAULT 0 CHECK (committed >= 0),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (year, region_code),
    CHECK (committed <= amount)
);

-- Carry every existing pool forward: each region's pools of a year become that region's fund for
-- the year, its amount the pools' sum (at least the floor), committed what published calls hold.
INSERT INTO funds (year, region_code, level, name, amount, source, committed, created_by, created_at)
SELECT c.year, p.region_code, MIN(p.level), MIN(r.name) || CAST(c.year AS TEXT) || '年公益创投专项资金',
       GREATEST(SUM(p.budget), CASE WHEN MIN(p.level) = 'district' THEN 100000000 ELSE 20000000 END),
       MIN(c.fund_source),
       SUM(CASE WHEN c.status <> 'draft' THEN p.budget ELSE 0 END),
       MIN(c.created_by), MIN(c.created_at)
FROM pools p
JOIN calls c ON c.id = p.call_id
JOIN regions r ON r.code = p.region_code
GROUP BY c.year, p.region_code;

-- Set on publishing (or when a draft names its fund); carried forward for every existing pool.
ALTER TABLE pools ADD COLUMN fund_id BIGINT REFERENCES funds(id);
UPDATE pools SET fund_id = (
    SELECT f.id FROM funds f JOIN calls c ON c.year = f.year
    WHERE c.id = pools.call_id AND f.region_code = pools.region_code
);
CREATE INDEX pools_fund ON pools (fund_id);

-- Every year's working-day calendar beyond the shipped ones: the admin loads a year's holidays
-- and make-up working days; a year is known once it has a row in calendar_years.
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    loaded_by BIGINT NOT NULL REFERENCES users(id),
    loaded_at TIMESTAMP NOT NULL
);
CREATE TABLE calendar_days (
    day DATE PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL REFERENCES calendar_years(year),
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
);
