DROP TABLE points_ledger;
DROP TABLE points_exchanges;
DROP TABLE points_store_items;
DROP TABLE points_objections;
DROP TABLE points_claims;
DROP TABLE points_postings;
DROP TABLE points_catalogues;
DROP TABLE points_participants;
