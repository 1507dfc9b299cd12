#!/usr/bin/python3
"""Add generated learner activity to an openlabs SQLite database for bench/recommendations.sh.

The database must already contain published labs and articles (bench/generate_content.py fills
it). Each learner follows one or two tags: most of their submissions and comments go to labs
and articles with those tags, the rest anywhere, so that the recommender finds communities.
Rows go straight into the tables of the submissions and comments services in one transaction,
because the HTTP API would take hours for this many rows.
"""

import argparse
import random
import sqlite3
import sys
import time

STATUSES = ["accepted"] * 5 + ["rejected"] * 2 + ["submitted"] * 3
ON_TOPIC_SHARE = 0.8


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="path of the openlabs SQLite file")
    parser.add_argument("--first-learner", type=int, default=1,
                        help="user id of the first learner (default: 1)")
    parser.add_argument("--learners", type=int, default=5000,
                        help="learners, with consecutive user ids (default: 5000)")
    parser.add_argument("--submissions", type=int, default=12,
                        help="mean submissions per learner (default: 12)")
    parser.add_argument("--comments", type=int, default=4,
                        help="mean comments per learner (default: 4)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    return parser.parse_args()


def items_by_tag(db, table, tag_table, key):
    by_tag = {}
    for item_id, tag in db.execute(
            f"SELECT t.{key}, t.tag FROM {tag_table} t JOIN {table} i ON i.id = t.{key}"):
        by_tag.setdefault(tag, []).append(item_id)
    return by_tag


def pick(rng, preferred, everything, count):
    """Return up to `count` distinct ids, most from `preferred`."""
    chosen = set()
    attempts = 0
    while len(chosen) < count and attempts < count * 10:
        attempts += 1
        pool = preferred if preferred and rng.random() < ON_TOPIC_SHARE else everything
        chosen.add(rng.choice(pool))
    return sorted(chosen)


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    db = sqlite3.connect(args.database)
    labs = [row[0] for row in db.execute("SELECT id FROM labs WHERE status = 'published'")]
    articles = [row[0] for row in db.execute("SELECT id FROM articles")]
    if not labs or not articles:
        sys.exit("error: the database has no published lab or no article; "
                 "run bench/generate_content.py first")
    lab_authors = dict(db.execute("SELECT id, author_id FROM labs"))
    labs_by_tag = items_by_tag(db, "labs", "lab_tags", "lab_id")
    articles_by_tag = items_by_tag(db, "articles", "article_tags", "article_id")
    tags = sorted(labs_by_tag)
    sentences = [row[0] for row in db.execute("SELECT description FROM labs LIMIT 2000") if row[0]]

    now = int(time.time() * 1000)
    review_id = (db.execute("SELECT COALESCE(MAX(review_id), 0) FROM submission_verdicts")
                 .fetchone()[0]) + 1
    learners = range(args.first_learner, args.first_learner + args.learners)
    submissions, verdicts, comments = [], [], []
    decided = []  # (submission uuid, learner, status)
    for learner in learners:
        followed = rng.sample(tags, min(len(tags), rng.randint(1, 2)))
        preferred_labs = [lab for tag in followed for lab in labs_by_tag.get(tag, [])]
        preferred_articles = [item for tag in followed for item in articles_by_tag.get(tag, [])]
        count = max(1, int(rng.expovariate(1 / args.submissions)))
        for lab in pick(rng, preferred_labs, labs, count):
            status = rng.choice(STATUSES)
            uuid = f"bench-{learner}-{lab}"
            created = now - rng.randrange(30 * 24 * 3600 * 1000)
            text = rng.choice(sentences) if sentences else "My answer."
            submissions.append((uuid, lab, lab_authors[lab], learner, text, status, created,
                                created))
            if status in ("accepted", "rejected"):
                decided.append((uuid, learner, status))
        count = max(0, int(rng.expovariate(1 / args.comments))) if args.comments else 0
        for _ in range(count):
            on_labs = rng.random() < 0.7
            pool = (preferred_labs or labs) if on_labs else (preferred_articles or articles)
            created = now - rng.randrange(30 * 24 * 3600 * 1000)
            text = rng.choice(sentences) if sentences else "Thanks."
            comments.append(("lab" if on_labs else "article", rng.choice(pool), learner, text,
                             created, created))

    db.executemany(
        "INSERT INTO submissions (uuid, lab_id, lab_author_id, learner_id, text, status, "
        "cost_points, reviews_count, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?, ?)", submissions)
    ids = dict(db.execute("SELECT uuid, id FROM submissions WHERE uuid LIKE 'bench-%'"))
    for uuid, learner, status in decided:
        reviewer = rng.choice(learners)
        if reviewer == learner:
            continue
        verdict = "accept" if status == "accepted" else "reject"
        verdicts.append((ids[uuid], reviewer, review_id, verdict, rng.randint(0, 100), now))
        review_id += 1
    db.executemany(
        "INSERT INTO submission_verdicts (submission_id, reviewer_id, review_id, verdict, score, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)", verdicts)
    db.executemany(
        "INSERT INTO comments (target_type, target_id, author_id, content, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?)", comments)
    db.commit()
    print(f"added {len(submissions)} submissions, {len(verdicts)} verdicts and "
          f"{len(comments)} comments by {args.learners} learners", file=sys.stderr)


if __name__ == "__main__":
    main()
