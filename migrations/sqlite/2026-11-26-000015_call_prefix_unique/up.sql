-- Bid references are PREFIX-YEAR-SEQ and unique across calls: no two published calls of a year may
-- share a prefix (the publish service says so in Chinese; this holds under concurrent publishes).
CREATE UNIQUE INDEX calls_year_prefix ON calls(year, reference_prefix) WHERE status <> 'draft';
