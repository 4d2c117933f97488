-- An organisation's standing, entered by district staff with evidence: annual inspections, its
-- rating, the abnormal and dishonest lists, penalties, debarment and suspension, one row each,
-- never edited (a suspension is lifted by setting its end). Existing organisations start with
-- none; existing calls set no eligibility rules (their scoring rows keep everything they had).
CREATE TABLE organisation_standing (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL CHECK (kind IN ('annual_inspection', 'rating', 'abnormal_list', 'dishonest_list',
                                       'penalty', 'debarment', 'suspension')),
    year INTEGER,
    result TEXT NOT NULL,
    since DATE,
    until DATE,
    note TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX organisation_standing_org ON organisation_standing(organisation_id, kind, id);

ALTER TABLE call_scoring ADD COLUMN eligibility TEXT;
