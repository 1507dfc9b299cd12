-- The number of articles, kept by triggers, so that an unfiltered article list reads its total
-- from one row instead of counting every article on each request.
CREATE TABLE article_count (
  articles INTEGER NOT NULL
);

INSERT INTO article_count (articles) SELECT COUNT(*) FROM articles;

CREATE TRIGGER article_count_insert AFTER INSERT ON articles
BEGIN
  UPDATE article_count SET articles = articles + 1;
END;

CREATE TRIGGER article_count_delete AFTER DELETE ON articles
BEGIN
  UPDATE article_count SET articles = articles - 1;
END;
