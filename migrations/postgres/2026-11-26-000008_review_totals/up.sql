-- A submitted review's total (Σ weight × score / max, the exact decimal as text) and its first
-- criterion's score, written when the review is submitted: the rubric is frozen once the call is
-- published, so the ranking reads one row per review instead of every criterion's score.
-- Rows submitted before this migration keep NULL and are totalled from their scores.
ALTER TABLE assignments ADD COLUMN total TEXT;
ALTER TABLE assignments ADD COLUMN first_score BIGINT;
CREATE INDEX assignments_call ON assignments(call_id, status);
