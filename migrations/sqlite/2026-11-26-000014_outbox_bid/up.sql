-- The bid a mail is about: the worker re-checks the bid's state before sending, and a mail no
-- longer true (a receipt for a bid withdrawn meanwhile) is 'cancelled', not sent. SQLite cannot
-- alter a CHECK constraint, so the table is rebuilt.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_token TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    bid_id BIGINT
);
INSERT INTO outbox_new (id, kind, to_addr, subject, body, status, attempts, next_attempt_at, lease_token,
                        lease_until, last_error, created_at, sent_at)
SELECT id, kind, to_addr, subject, body, status, attempts, next_attempt_at, lease_token, lease_until,
       last_error, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
