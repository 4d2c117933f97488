-- Project milestones (signing, evaluations, the bid's own), reported spending, and payments.
CREATE TABLE project_milestones (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('signing', 'midterm', 'final', 'custom')),
    title TEXT NOT NULL,
    due_date DATE NOT NULL,
    -- The tranche this milestone releases when verified (none for the bid's own milestones).
    tranche_seq INTEGER,
    status TEXT NOT NULL CHECK (status IN ('pending', 'reported', 'verified')),
    report_text TEXT,
    reported_at TIMESTAMP,
    grade TEXT,
    note TEXT,
    verified_by BIGINT REFERENCES users(id),
    verified_at TIMESTAMP,
    -- When the organisation and staff were told the milestone is overdue (once).
    overdue_notified_at TIMESTAMP,
    UNIQUE (project_id, seq)
);

CREATE TABLE milestone_actuals (
    milestone_id BIGINT NOT NULL REFERENCES project_milestones(id),
    category TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (milestone_id, category)
);

CREATE TABLE payments (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    milestone_id BIGINT NOT NULL REFERENCES project_milestones(id),
    tranche_seq INTEGER NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    paid_on DATE NOT NULL,
    reference TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_project ON payments(project_id);

ALTER TABLE project_tranches ADD COLUMN paid BIGINT NOT NULL DEFAULT 0 CHECK (paid >= 0);
