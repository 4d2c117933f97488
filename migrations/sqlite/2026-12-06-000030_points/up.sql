-- Volunteer points (积分制): each village's participants, its monthly catalogue (every version
-- kept with the reason for the change), claims valued by the catalogue of the activity's month and
-- reviewed in two steps by two people, monthly postings open to objections, the append-only ledger,
-- the 积分超市 with its stock, and exchanges with their redemption codes. New tables only: nothing
-- existing changes.
CREATE TABLE points_participants (
    id INTEGER PRIMARY KEY NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    name TEXT NOT NULL,
    phone TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'household')),
    -- JSON array of tags (平安志愿者, 微网格员, 党员 …).
    tags TEXT NOT NULL,
    -- Points exchanged so far; never more than the credits that became spendable (checked by the
    -- exchange's conditional update, so concurrent exchanges cannot overdraw).
    spent BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_participants_region ON points_participants(region_code, id);

-- A village's own rules where it differs from the defaults (3 days to claim, 3 days of objections).
CREATE TABLE points_settings (
    region_code TEXT PRIMARY KEY NOT NULL REFERENCES regions(code),
    claim_days INTEGER NOT NULL CHECK (claim_days BETWEEN 1 AND 31),
    objection_days INTEGER NOT NULL CHECK (objection_days BETWEEN 1 AND 15),
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE points_catalogues (
    id INTEGER PRIMARY KEY NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    month TEXT NOT NULL,
    version INTEGER NOT NULL,
    -- JSON array of {code, category, name, points, monthly_cap}.
    items TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (region_code, month, version)
);

CREATE TABLE points_postings (
    id INTEGER PRIMARY KEY NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    month TEXT NOT NULL,
    posted_on DATE NOT NULL,
    objection_until DATE NOT NULL,
    spendable_from DATE NOT NULL,
    claims INTEGER NOT NULL,
    points BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_postings_region ON points_postings(region_code, month);

CREATE TABLE points_claims (
    id INTEGER PRIMARY KEY NOT NULL,
    participant_id BIGINT NOT NULL REFERENCES points_participants(id),
    region_code TEXT NOT NULL REFERENCES regions(code),
    catalogue_id BIGINT NOT NULL REFERENCES points_catalogues(id),
    item_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    category TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points IN (3, 5, 10, 15, 20)),
    activity_date DATE NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('filed', 'checked', 'approved', 'rejected', 'posted', 'reversed')),
    first_by BIGINT REFERENCES users(id),
    first_at TIMESTAMP,
    first_note TEXT,
    second_by BIGINT REFERENCES users(id),
    second_at TIMESTAMP,
    second_note TEXT,
    posting_id BIGINT REFERENCES points_postings(id),
    filed_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    -- The second step is never the first reviewer's.
    CHECK (second_by IS NULL OR first_by IS NULL OR second_by <> first_by)
);
CREATE INDEX points_claims_region ON points_claims(region_code, status, activity_date);
CREATE INDEX points_claims_participant ON points_claims(participant_id, item_code, activity_date);

CREATE TABLE points_objections (
    id INTEGER PRIMARY KEY NOT NULL,
    posting_id BIGINT NOT NULL REFERENCES points_postings(id),
    claim_id BIGINT REFERENCES points_claims(id),
    body TEXT NOT NULL,
    contact TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'dismissed')),
    decision_note TEXT,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_objections_posting ON points_objections(posting_id, id);

CREATE TABLE points_store_items (
    id INTEGER PRIMARY KEY NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    name TEXT NOT NULL,
    points_price INTEGER NOT NULL CHECK (points_price > 0),
    stock INTEGER NOT NULL CHECK (stock >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_store_items_region ON points_store_items(region_code, id);

CREATE TABLE points_exchanges (
    id INTEGER PRIMARY KEY NOT NULL,
    participant_id BIGINT NOT NULL REFERENCES points_participants(id),
    code TEXT NOT NULL UNIQUE,
    points BIGINT NOT NULL CHECK (points > 0),
    -- JSON array of {store_item_id, name, qty, points}.
    lines TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_exchanges_participant ON points_exchanges(participant_id, id);

-- Append-only: credits for posted claims (spendable from the posting's date), their reversals,
-- and exchanges (negative). A participant's balance is the sum of the entries available today.
CREATE TABLE points_ledger (
    id INTEGER PRIMARY KEY NOT NULL,
    participant_id BIGINT NOT NULL REFERENCES points_participants(id),
    delta BIGINT NOT NULL CHECK (delta <> 0),
    kind TEXT NOT NULL CHECK (kind IN ('claim', 'reversal', 'exchange')),
    claim_id BIGINT REFERENCES points_claims(id),
    exchange_id BIGINT REFERENCES points_exchanges(id),
    available_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_ledger_participant ON points_ledger(participant_id, available_on);
