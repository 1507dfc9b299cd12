-- One row per indexed lab or article. The text lives only in search_fts, whose rowid is this id.
CREATE TABLE search_documents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  doc_type TEXT NOT NULL,
  doc_id INTEGER NOT NULL,
  author_id INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (doc_type, doc_id)
);

CREATE TABLE search_document_tags (
  document_id INTEGER NOT NULL REFERENCES search_documents (id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (document_id, tag)
);

CREATE INDEX search_document_tags_by_tag ON search_document_tags (tag, document_id);

-- Column order matters: bm25() weights are given in this order (title, tags, summary, body).
CREATE VIRTUAL TABLE search_fts USING fts5(
  title, tags, summary, body,
  tokenize = 'porter unicode61'
);
