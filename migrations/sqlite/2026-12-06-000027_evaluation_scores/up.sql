-- Evaluation on indicators: the points per indicator a verified mid-term or final evaluation was
-- given (JSON [{key, points}]) and their total in hundredths of a point; the grade itself stays on
-- the milestone. Earlier evaluations were graded without indicators and have no row.
CREATE TABLE evaluation_scores (
    milestone_id BIGINT PRIMARY KEY NOT NULL REFERENCES project_milestones(id),
    scores TEXT NOT NULL,
    total BIGINT NOT NULL CHECK (total >= 0),
    scored_by BIGINT NOT NULL REFERENCES users(id),
    scored_at TIMESTAMP NOT NULL
);
