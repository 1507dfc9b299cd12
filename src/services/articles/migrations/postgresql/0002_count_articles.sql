-- The number of articles, kept by triggers, so that an unfiltered article list reads its total
-- from one row instead of counting every article on each request.
-- NOTE: each transaction that adds or deletes an article locks this row until it ends, so such
-- transactions run one at a time.
CREATE TABLE article_count (
  articles BIGINT NOT NULL
);

INSERT INTO article_count (articles) SELECT COUNT(*) FROM articles;

CREATE FUNCTION article_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE article_count SET articles = articles + CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
  RETURN NULL;
END;
$$;

CREATE TRIGGER article_count_insert_delete AFTER INSERT OR DELETE ON articles
  FOR EACH ROW EXECUTE FUNCTION article_count_change();
