#!/usr/bin/python3
"""Fill an openlabs database with generated labs and articles for bench/run.sh.

The database, SQLite (--database) or PostgreSQL (--database-url), must already hold labs and
articles imported from a real corpus with `openlabs import`. Their text is the source material:
each generated document takes four in five of its sentences from one imported document and the
rest from any, so each stays on one topic and word frequencies stay close to the corpus. Rows go
straight into the tables of the labs, articles and search services, because the HTTP API or the
importers would take hours for 100,000 documents. On PostgreSQL the search rows go into
search_documents, whose tsvector column the server computes (GENERATED ALWAYS ... STORED).

SQLite gets every row in one transaction. PostgreSQL gets them through `psql` (COPY FROM STDIN,
so no Python driver is needed) in one transaction per batch of documents. A trigger on labs
updates one row of lab_status_counts per inserted lab, and in one long transaction each update
would walk every earlier version of that row. Stop the server before running this.

Generated articles reuse the PDF blob of a random imported article. Their page text is
generated, so a search finds words that the PDF itself does not contain.
"""

import argparse
import csv
import io
import json
import random
import re
import sqlite3
import subprocess
import sys
import time

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]{2,}")
MIN_SENTENCE_WORDS = 4
MAX_SENTENCE_WORDS = 60
# Spread of created_at over the past two years, in milliseconds.
HISTORY_MS = 2 * 365 * 24 * 3600 * 1000
BATCH = 2000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--database", help="path of the openlabs SQLite file")
    target.add_argument("--database-url",
                        help="postgresql://USER@HOST:PORT/DB of an openlabs PostgreSQL database, "
                             "passed to psql")
    parser.add_argument("--labs", type=int, required=True,
                        help="number of labs the database contains afterwards, imported ones included")
    parser.add_argument("--articles", type=int, required=True,
                        help="number of articles the database contains afterwards, imported ones included")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    return parser.parse_args()


class SourceText:
    """Sentences, title words, tags and authors taken from the imported documents."""

    def __init__(self, db):
        # The sentences of each imported document, so that a generated document can stay on
        # the topic of one of them.
        self.documents = []
        self.title_words = []
        # A lab's body is read as the search index stores it: the text of its Markdown without
        # syntax (MarkdownToText in src/services/labs). Generated bodies are indexed as written,
        # so they contain words and no Markdown.
        for title, description, body in db.rows(db.LAB_TEXTS):
            self.add_document([description, body.replace("\x01", "")])
            self.title_words += WORD.findall(title)
        for article_id, title, abstract in db.rows("SELECT id, title, abstract FROM articles"):
            self.add_document([abstract] + db.article_pages(article_id))
            self.title_words += WORD.findall(title)
        self.documents = [sentences for sentences in self.documents if sentences]
        self.sentences = [sentence for sentences in self.documents for sentence in sentences]
        tags = {row[0] for row in db.rows(
            "SELECT tag FROM lab_tags UNION SELECT tag FROM article_tags")}
        self.tags = sorted(tags) or ["generated"]
        authors = set()
        for (authors_json,) in db.rows("SELECT authors FROM articles"):
            authors.update(json.loads(authors_json))
        self.authors = sorted(authors) or ["Generated Author"]
        if len(self.sentences) < 100 or len(self.title_words) < 20:
            sys.exit("error: the database holds too little imported text to generate from; "
                     "run `openlabs import labs` and `openlabs import articles` first")
        self.mean_words = sum(s.count(" ") + 1 for s in self.sentences) / len(self.sentences)

    def add_document(self, texts):
        sentences = []
        for text in texts:
            for sentence in SENTENCE_END.split(text):
                words = sentence.split()
                if MIN_SENTENCE_WORDS <= len(words) <= MAX_SENTENCE_WORDS:
                    sentences.append(" ".join(words))
        self.documents.append(sentences)

    def topic(self, rng):
        """The sentences of one imported document, the main source of a generated one."""
        return rng.choice(self.documents)

    def paragraph(self, rng, topic, words):
        """About `words` words: four in five sentences from `topic`, the rest from any document."""
        count = max(1, round(words / self.mean_words))
        on_topic = sum(1 for _ in range(count) if rng.random() < 0.8)
        parts = rng.choices(topic, k=on_topic) + rng.choices(self.sentences, k=count - on_topic)
        rng.shuffle(parts)
        return " ".join(parts)

    def title(self, rng):
        return " ".join(rng.choices(self.title_words, k=rng.randint(3, 8))).capitalize()

    def tag_list(self, rng):
        return rng.sample(self.tags, min(len(self.tags), rng.randint(1, 4)))


def next_id(db, table):
    return int(db.rows(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0][0]) + 1


# The CJK letters that the search index writes with the byte 0x01 on each side, so that the
# tokenizer reads each as a word: the blocks of IsCjk in src/services/search/search_text.cc.
CJK_LETTER = re.compile(
    "([\u1100-\u11ff\u3040-\u309f\u30a0-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0002fa1f\U00030000-\U0003134f])")


def separate_cjk(text):
    """Return text as the search index stores it, with 0x01 around each CJK letter."""
    return CJK_LETTER.sub("\x01\\1\x01", text)


def index_rows(doc_type, doc_id, search_id, author_id, created_at, title, tags, summary, body):
    """Return the search_documents fields, the search_document_tags rows and the indexed text."""
    return (
        (search_id, doc_type, doc_id, author_id, created_at, created_at),
        [(search_id, tag) for tag in tags],
        (separate_cjk(title), separate_cjk(" ".join(tags)), separate_cjk(summary),
         separate_cjk(body)),
    )


# The columns of the tables that both databases have, in the order of the rows added to them.
COLUMNS = {
    "labs": ("id", "title", "description", "body", "author_id", "status", "views",
             "submission_count", "source_key", "source_sha256", "created_at", "updated_at"),
    "lab_tags": ("lab_id", "tag", "position"),
    "articles": ("id", "title", "abstract", "authors", "uploader_id", "filename", "blob_key",
                 "size", "sha256", "page_count", "views", "created_at", "updated_at"),
    "article_tags": ("article_id", "tag", "position"),
    "article_pages": ("article_id", "page_number", "text"),
}


class SqliteDatabase:
    """The SQLite database of --database, written in one transaction."""

    LAB_TEXTS = ("SELECT l.title, l.description, f.body FROM labs l "
                 "JOIN search_documents d ON d.doc_type = 'lab' AND d.doc_id = l.id "
                 "JOIN search_fts f ON f.rowid = d.id")
    # The search text lives in the FTS5 table search_fts, whose rowid is search_documents.id.
    COLUMNS = dict(COLUMNS,
                   search_documents=("id", "doc_type", "doc_id", "author_id", "created_at",
                                     "updated_at"),
                   search_document_tags=("document_id", "tag"),
                   search_fts=("rowid", "title", "tags", "summary", "body"))

    def __init__(self, path):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA cache_size = -262144")

    def rows(self, sql):
        return self.db.execute(sql).fetchall()

    def article_pages(self, article_id):
        return [row[0] for row in self.db.execute(
            "SELECT text FROM article_pages WHERE article_id = ?", (article_id,))]

    def search_rows(self, document, text):
        """Return (table, row) pairs that index a document."""
        return [("search_documents", document), ("search_fts", (document[0],) + text)]

    def begin(self):
        self.db.execute("BEGIN")

    def write(self, table_rows):
        for table, rows in table_rows:
            columns = self.COLUMNS[table]
            self.db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                                f"VALUES ({', '.join('?' * len(columns))})", rows)

    def finish(self):
        # The server keeps token counts of search_fts in memory and reloads them when this changes.
        self.db.execute("UPDATE search_state SET generation = generation + 1 WHERE id = 1")
        self.db.execute("COMMIT")
        self.db.execute("PRAGMA optimize")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


def copy_field(value):
    """Return value as a field of COPY's text format, with \\N for NULL.

    Backslashes, tabs and line breaks are escaped.
    """
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


class PostgresDatabase:
    """The PostgreSQL database of --database-url, read and written through psql."""

    LAB_TEXTS = ("SELECT l.title, l.description, d.body FROM labs l "
                 "JOIN search_documents d ON d.doc_type = 'lab' AND d.doc_id = l.id ORDER BY l.id")
    # The search text lives in search_documents itself, beside the tsvector it generates.
    COLUMNS = dict(COLUMNS,
                   search_documents=("id", "doc_type", "doc_id", "author_id", "title",
                                     "tags_text", "summary", "body", "created_at", "updated_at"),
                   search_document_tags=("document_id", "tag"))
    # The tables whose id column takes its default from a sequence, which must move past the
    # ids written here so that the server's next insert does not collide with them.
    SEQUENCE_TABLES = ("labs", "articles", "search_documents")

    def __init__(self, url):
        self.url = url
        self.path = url
        self.pages = None
        self.writer = None

    def rows(self, sql):
        """Return the rows of a query with every value as a string.

        COPY's CSV format writes NULL and the empty string alike, so queries read only NOT NULL
        columns.
        """
        result = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-c",
             f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"],
            check=True, capture_output=True, text=True)
        return [tuple(row) for row in csv.reader(io.StringIO(result.stdout))]

    def article_pages(self, article_id):
        if self.pages is None:
            self.pages = {}
            for page_article, text in self.rows(
                    "SELECT article_id, text FROM article_pages ORDER BY article_id, page_number"):
                self.pages.setdefault(page_article, []).append(text)
        return self.pages.get(article_id, [])

    def search_rows(self, document, text):
        """Return (table, row) pairs that index a document."""
        return [("search_documents", document[:4] + text + document[4:])]

    def begin(self):
        self.writer = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-f", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)

    def write(self, table_rows):
        out = self.writer.stdin
        out.write("BEGIN;\n")
        for table, rows in table_rows:
            out.write(f"COPY {table} ({', '.join(self.COLUMNS[table])}) FROM STDIN;\n")
            for row in rows:
                out.write("\t".join(copy_field(value) for value in row))
                out.write("\n")
            out.write("\\.\n")
        out.write("COMMIT;\n")

    def finish(self):
        out = self.writer.stdin
        for table in self.SEQUENCE_TABLES:
            out.write(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"(SELECT MAX(id) FROM {table}));\n")
        out.write("ANALYZE;\n")
        out.close()
        if self.writer.wait() != 0:
            sys.exit(f"error: psql failed with status {self.writer.returncode}; the batches "
                     "before the failure stay committed, so start again from a fresh import")


class Writer:
    """Collects rows and writes them, BATCH documents at a time."""

    def __init__(self, db):
        self.db = db
        self.rows = {}
        self.documents = 0

    def add(self, table, row):
        self.rows.setdefault(table, []).append(row)

    def add_index(self, rows):
        document, tags, text = rows
        for table, row in self.db.search_rows(document, text):
            self.add(table, row)
        for tag_row in tags:
            self.add("search_document_tags", tag_row)
        self.documents += 1
        if self.documents % BATCH == 0:
            self.flush()

    def flush(self):
        # Referenced tables come first, for the foreign keys.
        order = ("labs", "lab_tags", "articles", "article_tags", "article_pages",
                 "search_documents", "search_document_tags", "search_fts")
        batch = [(table, self.rows[table]) for table in order if self.rows.get(table)]
        if batch:
            self.db.write(batch)
        self.rows = {}


def generate_labs(db, source, rng, count, author_id, now, writer, search_id):
    """Add `count` labs with search ids from `search_id` on, and return the next search id."""
    lab_id = next_id(db, "labs")
    for _ in range(count):
        created_at = now - rng.randrange(HISTORY_MS)
        topic = source.topic(rng)
        title = source.title(rng)
        description = source.paragraph(rng, topic, rng.randint(10, 30))
        body = "\n\n".join(source.paragraph(rng, topic, rng.randint(40, 120))
                           for _ in range(rng.randint(2, 5)))
        tags = source.tag_list(rng)
        writer.add("labs", (lab_id, title, description, body, author_id, "published",
                            rng.randrange(500), 0, None, "", created_at, created_at))
        for i, tag in enumerate(tags):
            writer.add("lab_tags", (lab_id, tag, i))
        writer.add_index(index_rows("lab", lab_id, search_id, author_id, created_at, title, tags,
                                    description, body))
        lab_id += 1
        search_id += 1
    return search_id


def generate_articles(db, source, rng, count, uploader_id, now, writer, search_id):
    pdfs = db.rows("SELECT filename, blob_key, size, sha256, page_count FROM articles")
    if not pdfs:
        sys.exit("error: no imported article to take a PDF blob from; "
                 "run `openlabs import articles` first")
    article_id = next_id(db, "articles")
    for _ in range(count):
        created_at = now - rng.randrange(HISTORY_MS)
        topic = source.topic(rng)
        title = source.title(rng)
        abstract = source.paragraph(rng, topic, rng.randint(60, 150))
        authors = rng.sample(source.authors, min(len(source.authors), rng.randint(1, 4)))
        tags = source.tag_list(rng)
        filename, blob_key, size, sha256, page_count = rng.choice(pdfs)
        pages = [source.paragraph(rng, topic, rng.randint(150, 300))
                 for _ in range(rng.randint(1, 3))]
        writer.add("articles", (article_id, title, abstract, json.dumps(authors), uploader_id,
                                filename, blob_key, size, sha256, len(pages), rng.randrange(500),
                                created_at, created_at))
        for i, tag in enumerate(tags):
            writer.add("article_tags", (article_id, tag, i))
        for i, page in enumerate(pages):
            writer.add("article_pages", (article_id, i + 1, page))
        summary = ", ".join(authors) + ".\n" + abstract
        body = "".join(page + "\n" for page in pages)
        writer.add_index(index_rows("article", article_id, search_id, uploader_id, created_at,
                                    title, tags, summary, body))
        article_id += 1
        search_id += 1


def main():
    args = parse_args()
    started = time.monotonic()
    if args.database:
        db = SqliteDatabase(args.database)
    else:
        db = PostgresDatabase(args.database_url)
    source = SourceText(db)
    rng = random.Random(args.seed)
    now = int(time.time() * 1000)

    lab_count = int(db.rows("SELECT COUNT(*) FROM labs")[0][0])
    article_count = int(db.rows("SELECT COUNT(*) FROM articles")[0][0])
    author_rows = db.rows("SELECT author_id FROM labs ORDER BY id LIMIT 1")
    uploader_rows = db.rows("SELECT uploader_id FROM articles ORDER BY id LIMIT 1")
    if not author_rows or not uploader_rows:
        sys.exit("error: import labs and articles before generating more")
    new_labs = max(0, args.labs - lab_count)
    new_articles = max(0, args.articles - article_count)
    print(f"Generating {new_labs} labs and {new_articles} articles from "
          f"{len(source.sentences)} sentences of {len(source.documents)} imported documents "
          f"into {db.path}", file=sys.stderr)

    # Read before writing: psql may not have committed the labs when the articles begin.
    search_id = next_id(db, "search_documents")
    db.begin()
    writer = Writer(db)
    search_id = generate_labs(db, source, rng, new_labs, int(author_rows[0][0]), now, writer,
                              search_id)
    writer.flush()
    generate_articles(db, source, rng, new_articles, int(uploader_rows[0][0]), now, writer,
                      search_id)
    writer.flush()
    db.finish()
    print(f"Generated {new_labs + new_articles} documents in "
          f"{time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
