-- Every published document (PDF) with its SHA-256; the bytes live under DATA_DIR/documents.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    size BIGINT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    current BOOLEAN NOT NULL,
    audit_head TEXT NOT NULL
);
CREATE INDEX documents_entity ON documents(kind, entity_id);
