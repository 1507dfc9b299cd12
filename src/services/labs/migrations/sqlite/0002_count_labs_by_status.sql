-- The number of labs in each status, kept by triggers, so that an unfiltered lab list reads its
-- total from one row instead of counting every published lab on each request.
CREATE TABLE lab_status_counts (
  status TEXT PRIMARY KEY,
  labs INTEGER NOT NULL
);

INSERT INTO lab_status_counts (status, labs) VALUES
  ('published', (SELECT COUNT(*) FROM labs WHERE status = 'published')),
  ('archived', (SELECT COUNT(*) FROM labs WHERE status = 'archived'));

CREATE TRIGGER lab_status_counts_insert AFTER INSERT ON labs
BEGIN
  UPDATE lab_status_counts SET labs = labs + 1 WHERE status = NEW.status;
END;

CREATE TRIGGER lab_status_counts_delete AFTER DELETE ON labs
BEGIN
  UPDATE lab_status_counts SET labs = labs - 1 WHERE status = OLD.status;
END;

CREATE TRIGGER lab_status_counts_update AFTER UPDATE OF status ON labs
WHEN OLD.status <> NEW.status
BEGIN
  UPDATE lab_status_counts SET labs = labs - 1 WHERE status = OLD.status;
  UPDATE lab_status_counts SET labs = labs + 1 WHERE status = NEW.status;
END;
