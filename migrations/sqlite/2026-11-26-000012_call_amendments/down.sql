DROP TABLE call_amendments;
