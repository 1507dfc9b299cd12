-- One row per indexed lab, article or notebook. `version` is the source's update time, so the
-- indexer can tell a changed document from an unchanged one.
CREATE TABLE assistant_documents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  doc_type TEXT NOT NULL,
  doc_id INTEGER NOT NULL,
  title TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (doc_type, doc_id)
);

-- The passages of a document in reading order. `embedding` is the passage's vector as base64 of
-- little-endian float32 values, or NULL until the embedding endpoint has produced it.
CREATE TABLE assistant_passages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id INTEGER NOT NULL REFERENCES assistant_documents (id) ON DELETE CASCADE,
  doc_type TEXT NOT NULL,
  doc_id INTEGER NOT NULL,
  ordinal INTEGER NOT NULL,
  heading TEXT NOT NULL,
  anchor TEXT NOT NULL,
  page INTEGER NOT NULL,
  cell INTEGER NOT NULL,
  solution INTEGER NOT NULL,
  text TEXT NOT NULL,
  embedding TEXT,
  embedding_model TEXT,
  created_at INTEGER NOT NULL
);

CREATE INDEX assistant_passages_by_document ON assistant_passages (document_id, ordinal);
CREATE INDEX assistant_passages_by_source ON assistant_passages (doc_type, doc_id);

-- Column order matters: bm25() weights are given in this order (heading, text).
CREATE VIRTUAL TABLE assistant_passages_fts USING fts5(
  heading, text,
  tokenize = 'porter unicode61'
);

-- Background jobs that bring a document's passages in step with its source. At most one queued
-- job per document; a running job whose lease has passed is taken again.
CREATE TABLE assistant_index_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  doc_type TEXT NOT NULL,
  doc_id INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  run_after INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX assistant_index_jobs_one_queued ON assistant_index_jobs (doc_type, doc_id)
  WHERE state = 'queued';
CREATE INDEX assistant_index_jobs_by_state ON assistant_index_jobs (state, run_after);

-- The assistant's mode for a lab, set by its author: 'on', 'guide' or 'off'. No row means 'on'.
CREATE TABLE assistant_lab_settings (
  lab_id INTEGER PRIMARY KEY,
  mode TEXT NOT NULL,
  updated_by INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE assistant_conversations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  scope_type TEXT NOT NULL,
  scope_id INTEGER NOT NULL,
  title TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX assistant_conversations_by_user ON assistant_conversations
  (user_id, scope_type, scope_id, updated_at);

-- `citations` is a JSON array of the references an assistant message cites.
CREATE TABLE assistant_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id INTEGER NOT NULL REFERENCES assistant_conversations (id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  citations TEXT NOT NULL,
  generated_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE INDEX assistant_messages_by_conversation ON assistant_messages (conversation_id, id);
