DROP TABLE bid_dossier;
ALTER TABLE call_scoring DROP COLUMN dossier;
