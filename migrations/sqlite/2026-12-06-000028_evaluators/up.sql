-- Third-party evaluators and published evaluation results. Two roles join the users' CHECK:
-- `evaluator` (assigned per project) and `community` (one village; its features come later).
-- SQLite cannot alter a CHECK, so users is rebuilt with foreign keys off (the documented
-- procedure: copy, drop, rename; the other tables' references follow the name), every row and
-- id kept. Existing users keep their roles; no project has an evaluator, no call a notice.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY NOT NULL,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'finance', 'reviewer', 'org', 'evaluator', 'community')),
    region_code TEXT REFERENCES regions(code),
    organisation_id BIGINT REFERENCES organisations(id),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK ((role = 'org') = (organisation_id IS NOT NULL))
);
INSERT INTO users_new (id, login, password_hash, display_name, email, role, region_code, organisation_id, active,
                       created_at, must_change_password)
SELECT id, login, password_hash, display_name, email, role, region_code, organisation_id, active, created_at,
       must_change_password FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_organisation ON users(organisation_id);

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
    id INTEGER PRIMARY KEY NOT NULL,
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
COMMIT;
PRAGMA foreign_keys = ON;
