ALTER TABLE projects DROP COLUMN end_note;
ALTER TABLE projects DROP COLUMN ended_at;
ALTER TABLE projects DROP COLUMN clawback;
ALTER TABLE project_milestones DROP COLUMN reminded_at;
