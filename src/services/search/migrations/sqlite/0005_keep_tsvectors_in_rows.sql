-- Nothing to change on SQLite: the storage of tsvectors belongs to the PostgreSQL index.
SELECT 1;
