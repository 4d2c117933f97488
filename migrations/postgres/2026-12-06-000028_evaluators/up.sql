-- Third-party evaluators and published evaluation results. Two roles join the users' CHECK:
-- `evaluator` (assigned per project) and `community` (one village; its features come later).
-- Existing users keep their roles; no project has an evaluator and no call an evaluation notice.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'staff', 'finance', 'reviewer', 'org', 'evaluator', 'community'));

CREATE TABLE project_evaluators (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    assigned_by BIGINT NOT NULL REFERENCES users(id),
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_evaluators_user ON project_evaluators(user_id);

-- The evaluator's site-visit notes (实地走访记录), kept with the points; none for earlier evaluations.
ALTER TABLE evaluation_scores ADD COLUMN site_visit TEXT;

-- A published list of a call's verified mid-term or final grades (公示), its objection window
-- ending on `ends_on`; `entries` is the JSON snapshot printed in the PDF.
CREATE TABLE evaluation_notices (
    id BIGSERIAL PRIMARY KEY,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    kind TEXT NOT NULL CHECK (kind IN ('midterm', 'final')),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    title TEXT NOT NULL,
    entries TEXT NOT NULL,
    ends_on DATE NOT NULL,
    published_by BIGINT NOT NULL REFERENCES users(id),
    published_at TIMESTAMP NOT NULL,
    UNIQUE (call_id, kind, seq)
);
