-- Reminders before a milestone's due date (sent once), and how a project ended early:
-- terminated after a failed evaluation, with any amount to recover (clawback, in fen).
ALTER TABLE project_milestones ADD COLUMN reminded_at TIMESTAMP;
ALTER TABLE projects ADD COLUMN clawback BIGINT NOT NULL DEFAULT 0 CHECK (clawback >= 0);
ALTER TABLE projects ADD COLUMN ended_at TIMESTAMP;
ALTER TABLE projects ADD COLUMN end_note TEXT;
