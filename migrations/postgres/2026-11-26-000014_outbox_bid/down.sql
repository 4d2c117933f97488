DELETE FROM outbox WHERE status = 'cancelled';
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'dead'));
ALTER TABLE outbox DROP COLUMN bid_id;
