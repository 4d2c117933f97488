-- 项目优化 and budget changes: each project's budget by version. Version 1 is the bid's own budget
-- lines (bid_budget_lines, not copied here); each re-budget or approved change adds the next
-- version, lines as JSON with amounts in fen. Existing projects keep version 1 unchanged.
CREATE TABLE project_budgets (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    version INTEGER NOT NULL CHECK (version >= 2),
    lines TEXT NOT NULL,
    total BIGINT NOT NULL CHECK (total >= 0),
    reason TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, version)
);
