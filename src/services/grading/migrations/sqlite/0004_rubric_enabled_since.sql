-- The time since which the lab's rubric has been enabled without a gap; NULL while it is
-- disabled. While a model is configured, each submission made since then must have a rubric
-- review draft, which the reconciliation checks. Rubrics enabled before this column existed
-- count from their last update.
ALTER TABLE lab_rubrics ADD COLUMN enabled_since INTEGER;
UPDATE lab_rubrics SET enabled_since = updated_at WHERE enabled = 1;
