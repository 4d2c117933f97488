ALTER TABLE projects DROP COLUMN welfare_matching;
DROP TABLE welfare_disclosures;
DROP TABLE welfare_grants;
DROP TABLE welfare_pots;
DROP TABLE welfare_donations;
DROP TABLE welfare_campaigns;
DROP TABLE welfare_plans;
DROP TABLE welfare_committee_members;
DROP TABLE welfare_funds;
