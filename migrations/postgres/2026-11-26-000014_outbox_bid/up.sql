-- The bid a mail is about: the worker re-checks the bid's state before sending, and a mail no
-- longer true (a receipt for a bid withdrawn meanwhile) is 'cancelled', not sent.
ALTER TABLE outbox ADD COLUMN bid_id BIGINT REFERENCES bids(id);
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'dead', 'cancelled'));
