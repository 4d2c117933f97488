DROP TABLE bid_milestones;
DROP TABLE budget_lines;
DROP TABLE bids;
DROP TABLE call_categories;
DROP TABLE criteria;
DROP TABLE pools;
DROP TABLE calls;
