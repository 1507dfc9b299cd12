-- A review of one submission. The unique pair lets a reviewer review a submission once, even
-- when two of their requests race. helpfulness is the submitter's rating (1 to 5), set once.
CREATE TABLE reviews (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL,
  reviewer_id INTEGER NOT NULL,
  content TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject')),
  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  helpfulness INTEGER CHECK (helpfulness BETWEEN 1 AND 5),
  rated_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (submission_id, reviewer_id)
);

CREATE INDEX reviews_by_reviewer ON reviews (reviewer_id, id);

CREATE TABLE review_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  review_id INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
  blob_key TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE INDEX review_files_by_review ON review_files (review_id, id);
