-- A counter that every change of search_fts increments in its transaction, so that the ranker
-- knows when the token counts it keeps in memory are out of date (see fts5_rank.h).
CREATE TABLE search_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL
);

INSERT INTO search_state (id, generation) VALUES (1, 0);
