-- Numbered amendments (更正公告) and answers to questions (答疑) to a published tender; each one
-- re-issues the tender announcement PDF as a new version. An amendment may extend closes_at.
CREATE TABLE call_amendments (
    id BIGSERIAL PRIMARY KEY,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    no INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('amendment', 'answer')),
    body TEXT NOT NULL,
    -- The deadline before and after, when this amendment extended it.
    old_closes_at TIMESTAMP,
    new_closes_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (call_id, no)
);
