-- A lab's rubric for machine-written review drafts. criteria_json is a JSON array of
-- {"name", "description"} objects.
CREATE TABLE lab_rubrics (
  lab_id BIGINT PRIMARY KEY,
  enabled INTEGER NOT NULL,
  criteria_json TEXT NOT NULL,
  scale_min INTEGER NOT NULL,
  scale_max INTEGER NOT NULL,
  updated_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- One machine-written draft per submission, and the job that writes it. status: 'queued',
-- 'running' (held by the worker with lease_token until lease_expires_at), 'done' or 'failed'
-- (max_attempts failed requests or invalid outputs; error says why). rubric_json is the rubric
-- at the time the draft was queued; draft_json the validated scores and summary.
CREATE TABLE rubric_reviews (
  id BIGSERIAL PRIMARY KEY,
  submission_id BIGINT NOT NULL UNIQUE,
  lab_id BIGINT NOT NULL,
  rubric_json TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  run_after BIGINT NOT NULL,
  lease_token TEXT,
  lease_expires_at BIGINT,
  model TEXT,
  draft_json TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);

CREATE INDEX rubric_reviews_ready ON rubric_reviews (status, run_after, id);
