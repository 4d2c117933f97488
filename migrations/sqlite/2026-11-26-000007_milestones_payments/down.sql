DROP TABLE payments;
DROP TABLE milestone_actuals;
DROP TABLE project_milestones;
