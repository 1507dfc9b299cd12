-- The version of the text with which each source indexed all of its documents (see
-- SearchIndex::TextVersion).
CREATE TABLE search_text_versions (
  doc_type TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
