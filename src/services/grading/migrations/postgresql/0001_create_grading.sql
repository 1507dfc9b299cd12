-- Grader versions attached to labs. The archive is stored as uploaded in the blob store; the
-- newest row with active = 1 is the lab's grader.
CREATE TABLE lab_graders (
  id BIGSERIAL PRIMARY KEY,
  lab_id BIGINT NOT NULL,
  version BIGINT NOT NULL,
  blob_key TEXT NOT NULL,
  archive_name TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('tests', 'command')),
  test_count INTEGER NOT NULL,
  -- the grader's settings and test names, as JSON, so that reading them needs no unpacking
  summary_json TEXT NOT NULL,
  uploaded_by BIGINT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  UNIQUE (lab_id, version)
);

-- One grading run of one submission. status: 'queued', 'running', 'done' (a result exists) or
-- 'failed' (the machinery failed max_attempts times, or the grader is broken). A running job
-- belongs to the worker holding lease_token until lease_expires_at; only that worker may finish
-- it, so a job taken over after a crash is never completed twice.
CREATE TABLE grading_jobs (
  id BIGSERIAL PRIMARY KEY,
  submission_id BIGINT NOT NULL,
  lab_id BIGINT NOT NULL,
  grader_id BIGINT NOT NULL REFERENCES lab_graders (id),
  batch TEXT,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  run_after BIGINT NOT NULL,
  lease_token TEXT,
  lease_expires_at BIGINT,
  score DOUBLE PRECISION,
  max_score DOUBLE PRECISION,
  previous_score DOUBLE PRECISION,
  result_json TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT
);

-- A new submission is queued once, whatever retries the caller makes.
CREATE UNIQUE INDEX grading_jobs_one_initial ON grading_jobs (submission_id) WHERE batch IS NULL;
CREATE UNIQUE INDEX grading_jobs_one_per_batch ON grading_jobs (batch, submission_id)
  WHERE batch IS NOT NULL;
CREATE INDEX grading_jobs_ready ON grading_jobs (status, run_after, id);
CREATE INDEX grading_jobs_by_submission ON grading_jobs (submission_id, id);
CREATE INDEX grading_jobs_by_lab ON grading_jobs (lab_id, id);
