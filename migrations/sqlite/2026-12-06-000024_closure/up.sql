-- 结项: a project's final accounts as the organisation filed them (replaced until it closes) and,
-- once staff close it, the refund recorded. `refunded` lowers what the fund has paid out; the
-- unspent rest of the approved amount went back to the pool when it closed. Existing projects
-- have no row (not yet closed) and keep everything they had.
CREATE TABLE project_closures (
    project_id BIGINT PRIMARY KEY NOT NULL REFERENCES projects(id),
    final_accounts TEXT NOT NULL,
    spent BIGINT NOT NULL CHECK (spent >= 0),
    note TEXT NOT NULL,
    filed_by BIGINT NOT NULL REFERENCES users(id),
    filed_at TIMESTAMP NOT NULL,
    refunded BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    refund_reference TEXT,
    refunded_on DATE,
    released BIGINT NOT NULL DEFAULT 0 CHECK (released >= 0),
    closed_by BIGINT REFERENCES users(id),
    closed_at TIMESTAMP
);
