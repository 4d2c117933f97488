-- Evidence attached to a milestone report: an attachment of the project's bid that names the
-- milestone (same storage, checks and access rules as the bid's own attachments).
ALTER TABLE attachments ADD COLUMN milestone_id BIGINT REFERENCES project_milestones(id);
CREATE INDEX attachments_milestone ON attachments(milestone_id);
