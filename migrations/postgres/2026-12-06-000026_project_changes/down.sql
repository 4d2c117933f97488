DROP TABLE project_changes;
