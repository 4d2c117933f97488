-- Expert review: recorded draws, assignments (one per reviewer and bid), scores per criterion.
-- Scores are BIGINT hundredths of a point.

CREATE TABLE reviewer_draws (
    id INTEGER PRIMARY KEY NOT NULL,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    seed TEXT NOT NULL,
    reviewers_per_bid INTEGER NOT NULL,
    reason TEXT,
    -- Reviews are due by this local date (reminders before and after it).
    due_on DATE,
    active BOOLEAN NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reviewer_draws_call ON reviewer_draws(call_id, id);

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY NOT NULL,
    draw_id BIGINT NOT NULL REFERENCES reviewer_draws(id),
    call_id BIGINT NOT NULL REFERENCES calls(id),
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    reviewer_id BIGINT NOT NULL REFERENCES users(id),
    -- assigned → accepted (no conflict declared) → submitted; or conflict
    status TEXT NOT NULL CHECK (status IN ('assigned', 'accepted', 'conflict', 'submitted', 'replaced')),
    replacement_no INTEGER NOT NULL DEFAULT 0,
    conflict_reason TEXT,
    comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    reminded_before_at TIMESTAMP,
    reminded_after_at TIMESTAMP,
    UNIQUE (draw_id, bid_id, reviewer_id)
);
CREATE INDEX assignments_reviewer ON assignments(reviewer_id, status);
CREATE INDEX assignments_bid ON assignments(bid_id);

CREATE TABLE review_scores (
    assignment_id BIGINT NOT NULL REFERENCES assignments(id),
    criterion TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score >= 0),
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assignment_id, criterion)
);

CREATE TABLE allocation_overrides (
    call_id BIGINT NOT NULL REFERENCES calls(id),
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    fund BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (call_id, bid_id)
);
