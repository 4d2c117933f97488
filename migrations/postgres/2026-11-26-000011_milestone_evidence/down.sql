DROP INDEX attachments_milestone;
ALTER TABLE attachments DROP COLUMN milestone_id;
