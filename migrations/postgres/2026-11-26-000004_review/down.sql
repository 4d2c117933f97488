DROP TABLE review_scores;
DROP TABLE assignments;
DROP TABLE reviewer_draws;
DROP TABLE allocation_overrides;
