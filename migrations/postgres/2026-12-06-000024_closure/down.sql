DROP TABLE project_closures;
