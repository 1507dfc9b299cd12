-- One row per indexed lab or article, with its text and a weighted tsvector:
-- title A, tags B, summary C, body D (ts_rank_cd weighs them 1.0, 0.4, 0.2, 0.1).
CREATE TABLE search_documents (
  id BIGSERIAL PRIMARY KEY,
  doc_type TEXT NOT NULL,
  doc_id BIGINT NOT NULL,
  author_id BIGINT NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  tags_text TEXT NOT NULL,
  summary TEXT NOT NULL,
  body TEXT NOT NULL,
  document TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', tags_text), 'B') ||
    setweight(to_tsvector('english', summary), 'C') ||
    setweight(to_tsvector('english', body), 'D')
  ) STORED,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (doc_type, doc_id)
);

CREATE INDEX search_documents_by_document ON search_documents USING GIN (document);

CREATE TABLE search_document_tags (
  document_id BIGINT NOT NULL REFERENCES search_documents (id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (document_id, tag)
);

CREATE INDEX search_document_tags_by_tag ON search_document_tags (tag, document_id);
