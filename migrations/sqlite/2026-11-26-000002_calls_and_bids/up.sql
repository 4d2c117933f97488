-- Calls with their pools, rubric and categories; bids with budget lines and milestones.
-- Money in BIGINT fen; scores and score thresholds in BIGINT hundredths of a point.

CREATE TABLE calls (
    id INTEGER PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    announcement TEXT NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    notice_days INTEGER NOT NULL,
    notice_working_days BOOLEAN NOT NULL,
    project_start DATE NOT NULL,
    project_end DATE NOT NULL,
    min_grant BIGINT NOT NULL CHECK (min_grant >= 0),
    max_grant BIGINT NOT NULL CHECK (max_grant >= 0),
    max_bids_per_org INTEGER NOT NULL,
    score_threshold BIGINT NOT NULL,
    personnel_pct INTEGER,
    admin_pct INTEGER,
    forbidden_categories TEXT NOT NULL,
    tranches TEXT NOT NULL,
    fund_source TEXT NOT NULL CHECK (fund_source IN ('budget', 'lottery', 'other')),
    reference_prefix TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'review', 'notice', 'final', 'closed')),
    next_seq BIGINT NOT NULL DEFAULT 0,
    cloned_from BIGINT REFERENCES calls(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    published_by BIGINT REFERENCES users(id)
);
CREATE INDEX calls_status ON calls(status, id);

CREATE TABLE pools (
    id INTEGER PRIMARY KEY NOT NULL,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    level TEXT NOT NULL CHECK (level IN ('district', 'town')),
    region_code TEXT NOT NULL REFERENCES regions(code),
    name TEXT NOT NULL,
    budget BIGINT NOT NULL CHECK (budget >= 0),
    reserved BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= budget),
    UNIQUE (call_id, region_code)
);

CREATE TABLE criteria (
    id INTEGER PRIMARY KEY NOT NULL,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    weight INTEGER NOT NULL,
    max_score BIGINT NOT NULL,
    UNIQUE (call_id, key)
);

CREATE TABLE call_categories (
    id INTEGER PRIMARY KEY NOT NULL,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    max_projects INTEGER,
    max_amount BIGINT,
    scope TEXT NOT NULL CHECK (scope IN ('pool', 'call')),
    UNIQUE (call_id, key)
);

CREATE TABLE bids (
    id INTEGER PRIMARY KEY NOT NULL,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    pool_id BIGINT NOT NULL REFERENCES pools(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    category TEXT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    service_region_code TEXT REFERENCES regions(code),
    beneficiary_kind TEXT NOT NULL,
    beneficiary_count INTEGER NOT NULL,
    start_date DATE,
    end_date DATE,
    requested BIGINT NOT NULL CHECK (requested >= 0),
    matching BIGINT NOT NULL CHECK (matching >= 0),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'withdrawn', 'eligible', 'ineligible',
        'needs_correction', 'proposed', 'not_funded', 'funded')),
    seq BIGINT,
    reference TEXT UNIQUE,
    submitted_at TIMESTAMP,
    withdrawn_at TIMESTAMP,
    screening_note TEXT,
    correction_items TEXT,
    correction_due DATE,
    screened_by BIGINT REFERENCES users(id),
    screened_at TIMESTAMP,
    approved BIGINT CHECK (approved IS NULL OR (approved >= 0 AND approved <= requested)),
    finance_note TEXT,
    finance_by BIGINT REFERENCES users(id),
    finance_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (call_id, seq)
);
CREATE INDEX bids_call_status ON bids(call_id, status);
CREATE INDEX bids_org ON bids(organisation_id, call_id);

CREATE TABLE budget_lines (
    id INTEGER PRIMARY KEY NOT NULL,
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    position INTEGER NOT NULL,
    category TEXT NOT NULL,
    item TEXT NOT NULL,
    quantity TEXT,
    unit_price BIGINT,
    amount BIGINT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX budget_lines_bid ON budget_lines(bid_id, position);

CREATE TABLE bid_milestones (
    id INTEGER PRIMARY KEY NOT NULL,
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    due_date DATE NOT NULL,
    deliverable TEXT NOT NULL
);
CREATE INDEX bid_milestones_bid ON bid_milestones(bid_id, position);
