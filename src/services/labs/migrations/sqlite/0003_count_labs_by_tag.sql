-- The number of published labs that carry each tag, kept by triggers, so that GET /api/v1/tags
-- reads one small table instead of grouping every tag of every lab on each request. A tag
-- without published labs has no row.
CREATE TABLE lab_tag_counts (
  tag TEXT PRIMARY KEY,
  labs INTEGER NOT NULL
);

CREATE INDEX lab_tag_counts_by_labs ON lab_tag_counts (labs DESC, tag);

INSERT INTO lab_tag_counts (tag, labs)
  SELECT t.tag, COUNT(*) FROM lab_tags t JOIN labs l ON l.id = t.lab_id
  WHERE l.status = 'published' GROUP BY t.tag;

-- The ids of the labs that are not published, few next to the published ones, so that a count
-- over lab_tags leaves them out without reading the labs rows.
CREATE INDEX labs_unpublished ON labs (id) WHERE status <> 'published';

CREATE TRIGGER lab_tag_counts_tag_insert AFTER INSERT ON lab_tags
WHEN (SELECT status FROM labs WHERE id = NEW.lab_id) = 'published'
BEGIN
  INSERT INTO lab_tag_counts (tag, labs) VALUES (NEW.tag, 1)
    ON CONFLICT (tag) DO UPDATE SET labs = labs + 1;
END;

-- When a lab is deleted, its tags go by ON DELETE CASCADE after its row, so this trigger finds
-- no lab and lab_tag_counts_lab_delete counts them instead.
CREATE TRIGGER lab_tag_counts_tag_delete AFTER DELETE ON lab_tags
WHEN (SELECT status FROM labs WHERE id = OLD.lab_id) = 'published'
BEGIN
  UPDATE lab_tag_counts SET labs = labs - 1 WHERE tag = OLD.tag;
  DELETE FROM lab_tag_counts WHERE tag = OLD.tag AND labs = 0;
END;

CREATE TRIGGER lab_tag_counts_tag_update AFTER UPDATE OF lab_id, tag ON lab_tags
BEGIN
  UPDATE lab_tag_counts SET labs = labs - 1
    WHERE tag = OLD.tag AND (SELECT status FROM labs WHERE id = OLD.lab_id) = 'published';
  DELETE FROM lab_tag_counts WHERE tag = OLD.tag AND labs = 0;
  INSERT INTO lab_tag_counts (tag, labs)
    SELECT NEW.tag, 1 WHERE (SELECT status FROM labs WHERE id = NEW.lab_id) = 'published'
    ON CONFLICT (tag) DO UPDATE SET labs = labs + 1;
END;

CREATE TRIGGER lab_tag_counts_lab_delete BEFORE DELETE ON labs
WHEN OLD.status = 'published'
BEGIN
  UPDATE lab_tag_counts SET labs = labs - 1
    WHERE tag IN (SELECT tag FROM lab_tags WHERE lab_id = OLD.id);
  DELETE FROM lab_tag_counts
    WHERE labs = 0 AND tag IN (SELECT tag FROM lab_tags WHERE lab_id = OLD.id);
END;

-- A lab that leaves or enters the published status takes its tags along.
CREATE TRIGGER lab_tag_counts_status_update AFTER UPDATE OF status ON labs
WHEN (OLD.status = 'published') <> (NEW.status = 'published')
BEGIN
  INSERT INTO lab_tag_counts (tag, labs)
    SELECT tag, CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END
    FROM lab_tags WHERE lab_id = NEW.id
    ON CONFLICT (tag) DO UPDATE SET labs = labs + excluded.labs;
  DELETE FROM lab_tag_counts
    WHERE labs = 0 AND tag IN (SELECT tag FROM lab_tags WHERE lab_id = NEW.id);
END;
