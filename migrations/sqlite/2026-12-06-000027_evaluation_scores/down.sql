DROP TABLE evaluation_scores;
