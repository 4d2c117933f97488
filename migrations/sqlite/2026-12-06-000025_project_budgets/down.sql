DROP TABLE project_budgets;
