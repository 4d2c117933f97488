DROP TABLE project_tranches;
DROP TABLE projects;
DROP TABLE objections;
DROP TABLE notices;
