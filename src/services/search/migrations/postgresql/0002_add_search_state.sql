-- Nothing to add on PostgreSQL: search_state belongs to the FTS5 ranker of SQLite.
SELECT 1;
