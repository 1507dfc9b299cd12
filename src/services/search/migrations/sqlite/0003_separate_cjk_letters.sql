-- Whether the search_fts rows written before CJK letters were separated in indexed text (see
-- kCjkSeparator in search_text.h) have been rewritten. SQLite has no regexp_replace, so the
-- search index rewrites them in C++ when it starts and then sets this to 1.
ALTER TABLE search_state ADD COLUMN cjk_separated INTEGER NOT NULL DEFAULT 0;
