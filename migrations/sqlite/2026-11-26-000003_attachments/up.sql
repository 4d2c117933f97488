-- Files attached to bids. The bytes live under DATA_DIR/files by SHA-256; the row keeps the
-- original name for display and downloads.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY NOT NULL,
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    kind TEXT NOT NULL,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX attachments_bid ON attachments(bid_id);
