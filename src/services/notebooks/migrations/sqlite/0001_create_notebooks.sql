-- A notebook belongs to a lab or an article, which other services own, so parent_id has no
-- foreign key. A learner's copy (kind 'copy') records the notebook it was saved from in copy_of
-- and uses that notebook's assets; it outlives the original.
CREATE TABLE notebooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  parent_type TEXT NOT NULL CHECK (parent_type IN ('lab', 'article')),
  parent_id INTEGER NOT NULL,
  owner_id INTEGER NOT NULL,
  kind TEXT NOT NULL DEFAULT 'original' CHECK (kind IN ('original', 'copy')),
  copy_of INTEGER,
  title TEXT NOT NULL,
  app_arguments TEXT NOT NULL DEFAULT '',
  header TEXT NOT NULL DEFAULT '',
  generated_with TEXT NOT NULL DEFAULT '',
  revision INTEGER NOT NULL DEFAULT 1,
  -- Set on imported notebooks: the file's path relative to the import folder, and its SHA-256.
  source_key TEXT,
  source_sha256 TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (parent_type, parent_id, source_key)
);

CREATE INDEX notebooks_by_parent ON notebooks (parent_type, parent_id, kind, id);
CREATE INDEX notebooks_by_owner ON notebooks (owner_id, kind, copy_of, id);

-- Cells in page order. Positions are dense from 0 but not unique-constrained, so that a
-- reorder can rewrite them row by row.
CREATE TABLE notebook_cells (
  id TEXT PRIMARY KEY,
  notebook_id INTEGER NOT NULL REFERENCES notebooks (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  code TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX notebook_cells_by_notebook ON notebook_cells (notebook_id, position);

CREATE TABLE notebook_assets (
  id TEXT PRIMARY KEY,
  notebook_id INTEGER NOT NULL REFERENCES notebooks (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (notebook_id, path)
);
