-- Residents' demands (群众诉求) and the year's topics (选题) drawn from them. Villages register
-- demands and settle or escalate them; towns accept and answer them or make them topics; calls
-- list topics (call_scoring.topics: {"ids": […], "required": bool}) and bids answer one
-- (bids.topic_id). Existing calls list no topic and existing bids answer none.
CREATE TABLE topics (
    id INTEGER PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX topics_year ON topics(year, id);

CREATE TABLE demands (
    id INTEGER PRIMARY KEY NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    channel TEXT NOT NULL CHECK (channel IN ('visit', 'meeting', 'online', 'hotline', 'other')),
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Who raised it, when they agree to be named: seen by the village and the town, never public.
    reporter_name TEXT,
    reporter_contact TEXT,
    status TEXT NOT NULL CHECK (status IN ('registered', 'resolved_locally', 'escalated', 'accepted', 'answered', 'topic')),
    topic_id BIGINT REFERENCES topics(id),
    escalated_at TIMESTAMP,
    reminded_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX demands_region ON demands(region_code, status);
CREATE INDEX demands_topic ON demands(topic_id);

-- Every move of a demand, with its note (the first row: registered).
CREATE TABLE demand_events (
    id INTEGER PRIMARY KEY NOT NULL,
    demand_id BIGINT NOT NULL REFERENCES demands(id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX demand_events_demand ON demand_events(demand_id, id);

ALTER TABLE call_scoring ADD COLUMN topics TEXT;
ALTER TABLE bids ADD COLUMN topic_id BIGINT REFERENCES topics(id);
