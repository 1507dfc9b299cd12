-- A lab's rubric for machine-written review drafts. criteria_json is a JSON array of
-- {"name", "description"} objects.
CREATE TABLE lab_rubrics (
  lab_id INTEGER PRIMARY KEY,
  enabled INTEGER NOT NULL,
  criteria_json TEXT NOT NULL,
  scale_min INTEGER NOT NULL,
  scale_max INTEGER NOT NULL,
  updated_by INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- One machine-written draft per submission, and the job that writes it. status: 'queued',
-- 'running' (held by the worker with lease_token until lease_expires_at), 'done' or 'failed'
-- (max_attempts failed requests or invalid outputs; error says why). rubric_json is the rubric
-- at the time the draft was queued; draft_json the validated scores and summary.
CREATE TABLE rubric_reviews (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL UNIQUE,
  lab_id INTEGER NOT NULL,
  rubric_json TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  run_after INTEGER NOT NULL,
  lease_token TEXT,
  lease_expires_at INTEGER,
  model TEXT,
  draft_json TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);

CREATE INDEX rubric_reviews_ready ON rubric_reviews (status, run_after, id);
