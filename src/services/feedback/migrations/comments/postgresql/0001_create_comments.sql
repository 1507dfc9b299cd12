-- Threaded comments. target_type and target_id name a row of another service (a lab or an
-- article), so there is no foreign key to it. root_id is the top-level comment of the thread
-- (0 for a top-level comment itself), so that one query loads a whole thread.
CREATE TABLE comments (
  id BIGSERIAL PRIMARY KEY,
  target_type TEXT NOT NULL CHECK (target_type IN ('lab', 'article')),
  target_id BIGINT NOT NULL,
  parent_id BIGINT NOT NULL DEFAULT 0,
  root_id BIGINT NOT NULL DEFAULT 0,
  depth INTEGER NOT NULL DEFAULT 0,
  author_id BIGINT NOT NULL,
  content TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  edited INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX comments_by_target ON comments (target_type, target_id, parent_id, id);
CREATE INDEX comments_by_root ON comments (root_id, id);
CREATE INDEX comments_by_parent ON comments (parent_id);
