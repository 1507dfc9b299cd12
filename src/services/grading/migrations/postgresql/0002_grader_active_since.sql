-- The time since which the lab has had a grader without a gap: a new version keeps the
-- active_since of the version it replaces, and the first version after a detach starts anew.
-- Submissions made since then must each have a grading job, which the reconciliation checks.
ALTER TABLE lab_graders ADD COLUMN active_since BIGINT;
UPDATE lab_graders SET active_since = created_at;
