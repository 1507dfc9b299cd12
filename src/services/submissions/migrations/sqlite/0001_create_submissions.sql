-- status: 'submitted', 'in_review', 'accepted', 'rejected', or 'withdrawn' while a deletion
-- refunds its points (the row is removed once the refund has succeeded).
-- lab_author_id is the lab's author when the learner submitted, so that the review queue can
-- find the labs a reviewer wrote without reading the labs service's tables.
CREATE TABLE submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  lab_id INTEGER NOT NULL,
  lab_author_id INTEGER NOT NULL,
  learner_id INTEGER NOT NULL,
  text TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'submitted'
    CHECK (status IN ('submitted', 'in_review', 'accepted', 'rejected', 'withdrawn')),
  cost_points INTEGER NOT NULL,
  reviews_count INTEGER NOT NULL DEFAULT 0,
  final_score INTEGER,
  claimed_by INTEGER,
  claim_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  decided_at INTEGER
);

-- At most one open or accepted submission per learner and lab; a rejected one may be retried.
CREATE UNIQUE INDEX submissions_one_active ON submissions (lab_id, learner_id)
  WHERE status IN ('submitted', 'in_review', 'accepted');
CREATE INDEX submissions_by_learner ON submissions (learner_id, id);
CREATE INDEX submissions_by_lab ON submissions (lab_id, id);
CREATE INDEX submissions_open ON submissions (status, created_at, id);

CREATE TABLE submission_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
  blob_key TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE INDEX submission_files_by_submission ON submission_files (submission_id, id);

-- One row per counted review: the verdicts that decide a submission. The review's content lives
-- in the feedback service; the unique pair makes a reviewer count once per submission.
CREATE TABLE submission_verdicts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
  reviewer_id INTEGER NOT NULL,
  review_id INTEGER NOT NULL UNIQUE,
  verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject')),
  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  created_at INTEGER NOT NULL,
  UNIQUE (submission_id, reviewer_id)
);

CREATE INDEX submission_verdicts_by_reviewer ON submission_verdicts (reviewer_id);
