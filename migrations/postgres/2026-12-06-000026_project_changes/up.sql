-- 项目变更: an organisation's change requests (team, venue, beneficiaries, schedule, budget), staff's
-- decision and, for large budget moves, finance's. An approved budget change adds a budget
-- version; an approved schedule change moves the final evaluation. Existing projects have none.
CREATE TABLE project_changes (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL CHECK (kind IN ('team', 'venue', 'beneficiaries', 'schedule', 'budget')),
    description TEXT NOT NULL,
    budget_lines TEXT,
    new_end_date DATE,
    moved BIGINT NOT NULL DEFAULT 0,
    needs_finance BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'awaiting_finance', 'approved', 'rejected')),
    staff_note TEXT,
    staff_by BIGINT REFERENCES users(id),
    staff_at TIMESTAMP,
    finance_note TEXT,
    finance_by BIGINT REFERENCES users(id),
    finance_at TIMESTAMP,
    budget_version INTEGER,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX project_changes_project ON project_changes(project_id, id);
