-- The number of labs in each status, kept by triggers, so that an unfiltered lab list reads its
-- total from one row instead of counting every published lab on each request.
-- NOTE: each transaction that adds, deletes or archives a lab locks its status's row until it
-- ends, so such transactions run one at a time.
CREATE TABLE lab_status_counts (
  status TEXT PRIMARY KEY,
  labs BIGINT NOT NULL
);

INSERT INTO lab_status_counts (status, labs) VALUES
  ('published', (SELECT COUNT(*) FROM labs WHERE status = 'published')),
  ('archived', (SELECT COUNT(*) FROM labs WHERE status = 'archived'));

CREATE FUNCTION lab_status_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE lab_status_counts SET labs = labs - 1 WHERE status = OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE lab_status_counts SET labs = labs + 1 WHERE status = NEW.status;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER lab_status_counts_insert_delete AFTER INSERT OR DELETE ON labs
  FOR EACH ROW EXECUTE FUNCTION lab_status_counts_change();

CREATE TRIGGER lab_status_counts_update AFTER UPDATE OF status ON labs
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION lab_status_counts_change();
