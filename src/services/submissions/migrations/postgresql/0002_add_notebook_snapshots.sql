-- A file that is the snapshot of a learner's notebook copy records the copy's id; 0 marks an
-- uploaded file.
ALTER TABLE submission_files ADD COLUMN notebook_copy_id BIGINT NOT NULL DEFAULT 0;
