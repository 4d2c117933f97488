ALTER TABLE call_scoring DROP COLUMN aftercare;
