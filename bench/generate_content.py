#!/usr/bin/python3
"""Fill an openlabs SQLite database with generated labs and articles for bench/run.sh.

The database must already hold labs and articles imported from a real corpus with
`openlabs import`. Their text is the source material: each generated document takes four in
five of its sentences from one imported document and the rest from any, so each stays on one
topic and word frequencies stay close to the corpus. Rows go straight into the tables of the labs, articles and search services in one
transaction, because the HTTP API or the importers would take hours for 100,000 documents.

Generated articles reuse the PDF blob of a random imported article. Their page text is
generated, so a search finds words that the PDF itself does not contain.
"""

import argparse
import json
import random
import re
import sqlite3
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
    parser.add_argument("--database", required=True, help="path of the openlabs SQLite file")
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
        for title, description, body in db.execute(
                "SELECT l.title, l.description, f.body FROM labs l "
                "JOIN search_documents d ON d.doc_type = 'lab' AND d.doc_id = l.id "
                "JOIN search_fts f ON f.rowid = d.id"):
            self.add_document([description, body.replace("\x01", "")])
            self.title_words += WORD.findall(title)
        for article_id, title, abstract in db.execute("SELECT id, title, abstract FROM articles"):
            pages = [row[0] for row in db.execute(
                "SELECT text FROM article_pages WHERE article_id = ?", (article_id,))]
            self.add_document([abstract] + pages)
            self.title_words += WORD.findall(title)
        self.documents = [sentences for sentences in self.documents if sentences]
        self.sentences = [sentence for sentences in self.documents for sentence in sentences]
        tags = {row[0] for row in db.execute(
            "SELECT tag FROM lab_tags UNION SELECT tag FROM article_tags")}
        self.tags = sorted(tags) or ["generated"]
        authors = set()
        for (authors_json,) in db.execute("SELECT authors FROM articles"):
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
    return (db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]) + 1


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
    """Return the rows of search_documents, search_document_tags and search_fts for a document."""
    return (
        (search_id, doc_type, doc_id, author_id, created_at, created_at),
        [(search_id, tag) for tag in tags],
        (search_id, separate_cjk(title), separate_cjk(" ".join(tags)), separate_cjk(summary),
         separate_cjk(body)),
    )


class Writer:
    """Collects rows and inserts them with executemany, BATCH documents at a time."""

    STATEMENTS = {
        "labs": "INSERT INTO labs (id, title, description, body, author_id, status, views, "
                "submission_count, source_key, source_sha256, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'published', ?, 0, NULL, '', ?, ?)",
        "lab_tags": "INSERT INTO lab_tags (lab_id, tag, position) VALUES (?, ?, ?)",
        "articles": "INSERT INTO articles (id, title, abstract, authors, uploader_id, filename, "
                    "blob_key, size, sha256, page_count, views, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "article_tags": "INSERT INTO article_tags (article_id, tag, position) VALUES (?, ?, ?)",
        "article_pages": "INSERT INTO article_pages (article_id, page_number, text) "
                         "VALUES (?, ?, ?)",
        "search_documents": "INSERT INTO search_documents (id, doc_type, doc_id, author_id, "
                            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        "search_document_tags": "INSERT INTO search_document_tags (document_id, tag) "
                                "VALUES (?, ?)",
        "search_fts": "INSERT INTO search_fts (rowid, title, tags, summary, body) "
                      "VALUES (?, ?, ?, ?, ?)",
    }

    def __init__(self, db):
        self.db = db
        self.rows = {table: [] for table in self.STATEMENTS}
        self.documents = 0

    def add_index(self, rows):
        document, tags, text = rows
        self.rows["search_documents"].append(document)
        self.rows["search_document_tags"] += tags
        self.rows["search_fts"].append(text)
        self.documents += 1
        if self.documents % BATCH == 0:
            self.flush()

    def flush(self):
        for table, statement in self.STATEMENTS.items():
            if self.rows[table]:
                self.db.executemany(statement, self.rows[table])
                self.rows[table] = []


def generate_labs(db, source, rng, count, author_id, now, writer):
    lab_id, search_id = next_id(db, "labs"), next_id(db, "search_documents")
    for _ in range(count):
        created_at = now - rng.randrange(HISTORY_MS)
        topic = source.topic(rng)
        title = source.title(rng)
        description = source.paragraph(rng, topic, rng.randint(10, 30))
        body = "\n\n".join(source.paragraph(rng, topic, rng.randint(40, 120))
                           for _ in range(rng.randint(2, 5)))
        tags = source.tag_list(rng)
        writer.rows["labs"].append((lab_id, title, description, body, author_id,
                                    rng.randrange(500), created_at, created_at))
        writer.rows["lab_tags"] += [(lab_id, tag, i) for i, tag in enumerate(tags)]
        writer.add_index(index_rows("lab", lab_id, search_id, author_id, created_at, title, tags,
                                    description, body))
        lab_id += 1
        search_id += 1


def generate_articles(db, source, rng, count, uploader_id, now, writer):
    pdfs = db.execute("SELECT filename, blob_key, size, sha256, page_count FROM articles").fetchall()
    if not pdfs:
        sys.exit("error: no imported article to take a PDF blob from; "
                 "run `openlabs import articles` first")
    article_id, search_id = next_id(db, "articles"), next_id(db, "search_documents")
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
        writer.rows["articles"].append((article_id, title, abstract, json.dumps(authors),
                                        uploader_id, filename, blob_key, size, sha256, len(pages),
                                        rng.randrange(500), created_at, created_at))
        writer.rows["article_tags"] += [(article_id, tag, i) for i, tag in enumerate(tags)]
        writer.rows["article_pages"] += [(article_id, i + 1, page) for i, page in enumerate(pages)]
        summary = ", ".join(authors) + ".\n" + abstract
        body = "".join(page + "\n" for page in pages)
        writer.add_index(index_rows("article", article_id, search_id, uploader_id, created_at,
                                    title, tags, summary, body))
        article_id += 1
        search_id += 1


def main():
    args = parse_args()
    started = time.monotonic()
    db = sqlite3.connect(args.database, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA cache_size = -262144")
    source = SourceText(db)
    rng = random.Random(args.seed)
    now = int(time.time() * 1000)

    lab_count = db.execute("SELECT COUNT(*) FROM labs").fetchone()[0]
    article_count = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    author_row = db.execute("SELECT author_id FROM labs ORDER BY id LIMIT 1").fetchone()
    uploader_row = db.execute("SELECT uploader_id FROM articles ORDER BY id LIMIT 1").fetchone()
    if author_row is None or uploader_row is None:
        sys.exit("error: import labs and articles before generating more")
    new_labs = max(0, args.labs - lab_count)
    new_articles = max(0, args.articles - article_count)
    print(f"Generating {new_labs} labs and {new_articles} articles from "
          f"{len(source.sentences)} sentences of {len(source.documents)} imported documents "
          f"into {args.database}", file=sys.stderr)

    db.execute("BEGIN")
    writer = Writer(db)
    generate_labs(db, source, rng, new_labs, author_row[0], now, writer)
    writer.flush()
    generate_articles(db, source, rng, new_articles, uploader_row[0], now, writer)
    writer.flush()
    # The server keeps token counts of search_fts in memory and reloads them when this changes.
    db.execute("UPDATE search_state SET generation = generation + 1 WHERE id = 1")
    db.execute("COMMIT")
    db.execute("PRAGMA optimize")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(f"Generated {new_labs + new_articles} documents in "
          f"{time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
