DROP TABLE meeting_showcases;
DROP TABLE promotion_meetings;
DROP TABLE awards;
DROP TABLE award_funds;
