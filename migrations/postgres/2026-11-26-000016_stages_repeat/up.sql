-- Composite scoring in stages (书面评审 → 入围 → 现场答辩), a bonus for matching funds, and the
-- repeat-funding rule. Stage 0 is always the written stage scored on the call's own criteria, so
-- a call without stages is a call with one stage and nothing else changes for it.

CREATE TABLE call_stages (
    id BIGSERIAL PRIMARY KEY,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    position INTEGER NOT NULL CHECK (position >= 0),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    weight INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 100),
    -- 'defence' stages are scored on site, in scheduled sessions, and locked when complete.
    kind TEXT NOT NULL CHECK (kind IN ('written', 'defence')),
    UNIQUE (call_id, position),
    UNIQUE (call_id, key)
);

-- One row per call that sets any of these (absent: repeat funding allowed, no bonus).
CREATE TABLE call_scoring (
    call_id BIGINT PRIMARY KEY NOT NULL REFERENCES calls(id),
    repeat_rule TEXT NOT NULL CHECK (repeat_rule IN ('allow', 'refuse', 'renewal_only')),
    bonus_name TEXT,
    -- Every full `bonus_unit` fen of matching funds earns `bonus_step` hundredths of a point,
    -- up to `bonus_cap` hundredths.
    bonus_unit BIGINT CHECK (bonus_unit > 0),
    bonus_step BIGINT CHECK (bonus_step > 0),
    bonus_cap BIGINT CHECK (bonus_cap > 0)
);

ALTER TABLE criteria ADD COLUMN stage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviewer_draws ADD COLUMN stage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD COLUMN stage INTEGER NOT NULL DEFAULT 0;
CREATE INDEX assignments_call_stage ON assignments(call_id, stage, status);

-- The bids that go on to a later stage, with the earlier stage's score that put them there.
CREATE TABLE shortlists (
    call_id BIGINT NOT NULL REFERENCES calls(id),
    stage INTEGER NOT NULL,
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    rank INTEGER NOT NULL,
    score BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (call_id, stage, bid_id)
);

CREATE TABLE defence_sessions (
    id BIGSERIAL PRIMARY KEY,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    stage INTEGER NOT NULL,
    venue TEXT NOT NULL,
    day DATE NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

-- A bid defends once per stage: the unique index holds that under concurrent scheduling.
CREATE TABLE defence_slots (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES defence_sessions(id),
    call_id BIGINT NOT NULL REFERENCES calls(id),
    stage INTEGER NOT NULL,
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    position INTEGER NOT NULL,
    starts TEXT NOT NULL,
    UNIQUE (call_id, stage, bid_id)
);
CREATE INDEX defence_slots_session ON defence_slots(session_id, position);

-- A renewal (续期项目) names the earlier project; `repeat_of` is the earlier project a submitted
-- bid looks like (same organisation, similar title), for staff to confirm at screening. Its own
-- table: most bids have neither.
CREATE TABLE bid_repeats (
    bid_id BIGINT PRIMARY KEY NOT NULL REFERENCES bids(id),
    renewal_of BIGINT REFERENCES projects(id),
    repeat_of BIGINT REFERENCES projects(id)
);
