-- The number of published labs that carry each tag, kept by triggers, so that GET /api/v1/tags
-- reads one small table instead of grouping every tag of every lab on each request. A tag
-- without published labs has no row.
-- NOTE: a transaction that changes the tags of a published lab locks their count rows until it
-- ends, so lab writes that share a tag run one at a time. ReplaceTags and the triggers below
-- lock them in byte order of the tags, so that two such writes cannot deadlock.
CREATE TABLE lab_tag_counts (
  tag TEXT PRIMARY KEY,
  labs BIGINT NOT NULL
);

CREATE INDEX lab_tag_counts_by_labs ON lab_tag_counts (labs DESC, tag);

INSERT INTO lab_tag_counts (tag, labs)
  SELECT t.tag, COUNT(*) FROM lab_tags t JOIN labs l ON l.id = t.lab_id
  WHERE l.status = 'published' GROUP BY t.tag;

-- The ids of the labs that are not published, few next to the published ones, so that a count
-- over lab_tags leaves them out without reading the labs rows.
CREATE INDEX labs_unpublished ON labs (id) WHERE status <> 'published';

-- Adds `delta` to the count of `tag_name` and drops its row when the count reaches 0.
CREATE FUNCTION lab_tag_counts_add(tag_name TEXT, delta BIGINT) RETURNS void LANGUAGE sql AS $$
  INSERT INTO lab_tag_counts AS c (tag, labs) VALUES (tag_name, delta)
    ON CONFLICT (tag) DO UPDATE SET labs = c.labs + EXCLUDED.labs;
  DELETE FROM lab_tag_counts WHERE tag = tag_name AND labs = 0;
$$;

-- True when lab `lab_id` is published, NULL when it does not exist (as while ON DELETE CASCADE
-- removes its tags). The row is read FOR SHARE, so that a concurrent status change waits for
-- this transaction or this transaction waits for it, and the counts see the final status.
CREATE FUNCTION lab_tag_counts_is_published(lab_id BIGINT) RETURNS boolean LANGUAGE sql AS $$
  SELECT status = 'published' FROM labs WHERE id = lab_id FOR SHARE;
$$;

CREATE FUNCTION lab_tag_counts_tag_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') AND lab_tag_counts_is_published(OLD.lab_id) THEN
    PERFORM lab_tag_counts_add(OLD.tag, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND lab_tag_counts_is_published(NEW.lab_id) THEN
    PERFORM lab_tag_counts_add(NEW.tag, 1);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER lab_tag_counts_tag_insert_delete AFTER INSERT OR DELETE ON lab_tags
  FOR EACH ROW EXECUTE FUNCTION lab_tag_counts_tag_change();

CREATE TRIGGER lab_tag_counts_tag_update AFTER UPDATE OF lab_id, tag ON lab_tags
  FOR EACH ROW WHEN (OLD.lab_id <> NEW.lab_id OR OLD.tag <> NEW.tag)
  EXECUTE FUNCTION lab_tag_counts_tag_change();

-- Moves the tags of a lab that leaves or enters the published status, in tag order. A deleted
-- lab is counted out before its row goes, because ON DELETE CASCADE removes its tags after it.
CREATE FUNCTION lab_tag_counts_lab_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lab_tag TEXT;
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- Locks the lab's status count row before its tag rows, in the order that inserting a lab
    -- locks them, so that a delete and an insert cannot deadlock.
    PERFORM 1 FROM lab_status_counts WHERE status = OLD.status FOR UPDATE;
    FOR lab_tag IN SELECT tag FROM lab_tags WHERE lab_id = OLD.id ORDER BY tag COLLATE "C" LOOP
      PERFORM lab_tag_counts_add(lab_tag, -1);
    END LOOP;
    RETURN OLD;
  END IF;
  FOR lab_tag IN SELECT tag FROM lab_tags WHERE lab_id = NEW.id ORDER BY tag COLLATE "C" LOOP
    PERFORM lab_tag_counts_add(lab_tag, CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END);
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE TRIGGER lab_tag_counts_lab_delete BEFORE DELETE ON labs
  FOR EACH ROW WHEN (OLD.status = 'published')
  EXECUTE FUNCTION lab_tag_counts_lab_change();

-- Named to fire after lab_status_counts_update, which locks the status count rows first.
CREATE TRIGGER lab_tag_counts_status_update AFTER UPDATE OF status ON labs
  FOR EACH ROW WHEN ((OLD.status = 'published') <> (NEW.status = 'published'))
  EXECUTE FUNCTION lab_tag_counts_lab_change();
