-- uploader_id is a user id of the users service, which owns that table, so there is no foreign
-- key. authors is a JSON array of names, in the uploader's order.
CREATE TABLE articles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  abstract TEXT NOT NULL DEFAULT '',
  authors TEXT NOT NULL DEFAULT '[]',
  uploader_id INTEGER NOT NULL,
  filename TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  page_count INTEGER NOT NULL,
  views INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX articles_by_created ON articles (created_at DESC, id DESC);
CREATE INDEX articles_by_views ON articles (views DESC, created_at DESC, id DESC);
CREATE INDEX articles_by_uploader ON articles (uploader_id, created_at DESC, id DESC);
CREATE INDEX articles_by_sha256 ON articles (sha256);

CREATE TABLE article_tags (
  article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (article_id, tag)
);

CREATE INDEX article_tags_by_tag ON article_tags (tag, article_id);

-- The text of each page, for citing page numbers.
CREATE TABLE article_pages (
  article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  page_number INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (article_id, page_number)
);
