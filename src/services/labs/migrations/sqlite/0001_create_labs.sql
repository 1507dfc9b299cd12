CREATE TABLE labs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  author_id INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'archived')),
  views INTEGER NOT NULL DEFAULT 0,
  submission_count INTEGER NOT NULL DEFAULT 0,
  -- Set on imported labs: the file's path relative to the import folder, and its SHA-256.
  source_key TEXT UNIQUE,
  source_sha256 TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX labs_by_status_created ON labs (status, created_at DESC, id DESC);
CREATE INDEX labs_by_status_popularity ON labs (status, submission_count DESC, views DESC, id);
CREATE INDEX labs_by_author ON labs (author_id, id);

CREATE TABLE lab_tags (
  lab_id INTEGER NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (lab_id, tag)
);

CREATE INDEX lab_tags_by_tag ON lab_tags (tag, lab_id);

CREATE TABLE lab_assets (
  id TEXT PRIMARY KEY,
  lab_id INTEGER NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (lab_id, path)
);
