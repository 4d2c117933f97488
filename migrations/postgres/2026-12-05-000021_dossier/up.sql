-- The application dossier (申报书): a call's sections and required documents, and each bid's
-- section texts and output indicators (产出指标), one row per bid that has any. Existing bids
-- keep everything they had (no row: no sections, no outputs); existing calls require none.
ALTER TABLE call_scoring ADD COLUMN dossier TEXT;

CREATE TABLE bid_dossier (
    bid_id BIGINT PRIMARY KEY NOT NULL REFERENCES bids(id),
    sections TEXT NOT NULL,
    outputs TEXT NOT NULL
);
