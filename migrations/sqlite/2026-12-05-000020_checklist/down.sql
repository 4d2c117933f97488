DROP TABLE bid_checklist;
ALTER TABLE call_scoring DROP COLUMN screening_checklist;
