DROP INDEX calls_year_prefix;
