-- A call's screening checklist (资格审查清单) and each bid's ticks from its latest screening.
-- Existing calls have no checklist and existing screenings stand as they were.
ALTER TABLE call_scoring ADD COLUMN screening_checklist TEXT;

CREATE TABLE bid_checklist (
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    key TEXT NOT NULL,
    ok BOOLEAN NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (bid_id, key)
);
