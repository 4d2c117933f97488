-- Documents an organisation keeps in its profile (登记证书, 章程, 年报 …) with an optional last
-- valid day; every bid counts them among a call's required documents until they expire. The
-- bytes live with the other files, named by SHA-256. Removal is soft (deleted_at) so a bid
-- submitted earlier still shows what it relied on. Existing organisations start with none.
CREATE TABLE organisation_documents (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    valid_until DATE,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX organisation_documents_org ON organisation_documents(organisation_id, id);
