ALTER TABLE bids DROP COLUMN topic_id;
ALTER TABLE call_scoring DROP COLUMN topics;
DROP TABLE demand_events;
DROP TABLE demands;
DROP TABLE topics;
