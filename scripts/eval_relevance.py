#!/usr/bin/env python3
"""Relevance evaluation of briefs against whole-story BM25 engines on Reuters-21578.

Run through scripts/eval-relevance (which fetches the data and builds the
binaries). Judgments come from the collection's human topic labels: for a
topic, the stories labelled with it are relevant, all others are not. Every
engine sees the same stories (those `briefs` indexes: a title and/or a body),
answers the same queries (data/relevance-queries.tsv, all words required) and
is scored at story (brief) level: P@10, nDCG@10 (binary gains, log2
discount), MAP@100 (average precision over the top 100 divided by
min(#relevant, 100)). Standard library only.
"""

import argparse
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
import time

DEPTH = 100  # ranked stories asked of every engine, and the MAP cut-off
CUT = 10  # P@10 and nDCG@10
LOSSES_SHOWN = 5
HITS_SHOWN = 5
ENGINES = ("briefs", "fts5", "tantivy", "lucene")
LABELS = {
    "briefs": "briefs (--per-brief 1)",
    "fts5": "SQLite FTS5 bm25, porter",
    "tantivy": "tantivy en_stem BM25",
    "lucene": "Lucene BM25 EnglishAnalyzer",
}


class EngineUnavailable(Exception):
    """An engine that cannot run here; the evaluation goes on without it."""


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the test


def load_stories(path):
    """The stories briefs indexes (title and/or body), in file order, keyed by id."""
    stories = {}
    with open(path, encoding="utf-8") as archive:
        for number, line in enumerate(archive, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            title = (record.get("title") or "").strip()
            body = (record.get("body") or "").strip()
            if not title and not body:
                continue
            story_id = str(record.get("id") or number)
            if story_id in stories:
                raise SystemExit(f"eval-relevance: story id {story_id} occurs twice in {path}")
            stories[story_id] = {"title": record.get("title") or "",
                                 "body": record.get("body") or "",
                                 "topics": record.get("topics") or []}
    return stories


def load_queries(path):
    """(topic, query) pairs of the queries file; `#` starts a comment line."""
    queries = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[1].strip():
                raise SystemExit(f"eval-relevance: {path} line {number}: expected `topic<TAB>query`")
            queries.append((parts[0].strip(), parts[1].strip()))
    return queries


def judgments(stories, topics):
    relevant = {topic: set() for topic in topics}
    for story_id, story in stories.items():
        for topic in story["topics"]:
            if topic in relevant:
                relevant[topic].add(story_id)
    return relevant


# ---------------------------------------------------------------- metrics


def precision_at(ranking, relevant, cut=CUT):
    return sum(1 for story in ranking[:cut] if story in relevant) / cut


def ndcg_at(ranking, relevant, cut=CUT):
    dcg = sum(1 / math.log2(rank + 2) for rank, story in enumerate(ranking[:cut]) if story in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(cut, len(relevant))))
    return dcg / ideal if ideal else 0.0


def average_precision_at(ranking, relevant, depth=DEPTH):
    found, total = 0, 0.0
    for rank, story in enumerate(ranking[:depth], 1):
        if story in relevant:
            found += 1
            total += found / rank
    denominator = min(len(relevant), depth)
    return total / denominator if denominator else 0.0


def scores(ranking, relevant):
    return {"p10": precision_at(ranking, relevant),
            "ndcg10": ndcg_at(ranking, relevant),
            "map100": average_precision_at(ranking, relevant)}


METRICS = (("p10", "P@10"), ("ndcg10", "nDCG@10"), ("map100", "MAP@100"))


# ---------------------------------------------------------------- engines


def run(cmd, **kwargs):
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise EngineUnavailable(f"`{' '.join(cmd[:3])} ...` exited with {done.returncode}: "
                                f"{done.stderr.strip()[-600:]}")
    return done


def engine_briefs(args, stories, queries, work):
    """`briefs index --rebuild` on the archive, then one `briefs query` per topic."""
    if not args.bin or not os.access(args.bin, os.X_OK):
        raise EngineUnavailable(f"no briefs binary at {args.bin}")
    # briefs reads `.jsonl` files; the cache's Reuters file ends in `.str`, so
    # it is linked under its own stem: brief ids are then `full#<story id>`.
    corpus_dir = os.path.join(work, "briefs-corpus")
    os.makedirs(corpus_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(args.reuters))[0]
    os.symlink(os.path.abspath(args.reuters), os.path.join(corpus_dir, stem + ".jsonl"))
    index_dir = os.path.join(work, "briefs-index")
    started = time.monotonic()
    done = run([args.bin, "index", corpus_dir, "--index", index_dir, "--rebuild"])
    index_s = time.monotonic() - started
    match = re.search(r"briefs:\s+(\d+) added", done.stderr)
    indexed = int(match.group(1)) if match else None
    if indexed != len(stories):
        raise EngineUnavailable(f"briefs indexed {indexed} briefs where the evaluation has "
                                f"{len(stories)} stories with a title or body:\n{done.stderr}")
    prefix = stem + "#"
    rankings = {}
    for topic, query in queries:
        done = subprocess.run([args.bin, "query", query, "--index", index_dir, "--json",
                               "--per-brief", "1", "--limit", str(DEPTH)],
                              capture_output=True, text=True)
        if done.returncode not in (0, 1):
            raise EngineUnavailable(f"briefs query {query!r} exited with {done.returncode}: "
                                    f"{done.stderr.strip()}")
        ranking = []
        for line in done.stdout.splitlines():
            record = json.loads(line)
            if record.get("type") != "hit":
                continue
            brief_id = record["brief_id"]
            if not brief_id.startswith(prefix) or brief_id[len(prefix):] not in stories:
                raise EngineUnavailable(f"briefs hit {brief_id!r} for {query!r} is not "
                                        f"`{prefix}<story id>` of a story of the archive")
            story_id = brief_id[len(prefix):]
            if story_id in ranking:
                raise EngineUnavailable(f"briefs returned {brief_id} twice for {query!r} "
                                        "with --per-brief 1")
            ranking.append(story_id)
        rankings[topic] = ranking
    version = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip()
    return rankings, {"index_s": round(index_s, 2), "indexed": indexed, "version": version,
                      "bin": args.bin, "commit": args.briefs_commit}


def fts5_match(query):
    """A plain-words query as an FTS5 MATCH: each word quoted, implicit AND."""
    words = re.findall(r"\w+", query)
    return " ".join('"' + word + '"' for word in words)


def engine_fts5(args, stories, queries, work):
    """SQLite FTS5, one row per story (title, body), porter unicode61, bm25() default weights."""
    database = sqlite3.connect(os.path.join(work, "fts5.db"))
    try:
        database.execute("CREATE VIRTUAL TABLE stories USING fts5("
                         "id UNINDEXED, title, body, tokenize = 'porter unicode61')")
    except sqlite3.OperationalError as error:
        raise EngineUnavailable(f"this Python's SQLite has no FTS5: {error}") from error
    started = time.monotonic()
    database.executemany("INSERT INTO stories (id, title, body) VALUES (?, ?, ?)",
                         ((story_id, story["title"], story["body"])
                          for story_id, story in stories.items()))
    database.commit()
    index_s = time.monotonic() - started
    rankings = {}
    for topic, query in queries:
        rows = database.execute("SELECT id FROM stories WHERE stories MATCH ? "
                                "ORDER BY bm25(stories), rowid LIMIT ?",
                                (fts5_match(query), DEPTH)).fetchall()
        rankings[topic] = [row[0] for row in rows]
    database.close()
    return rankings, {"index_s": round(index_s, 2), "sqlite": sqlite3.sqlite_version}


def write_stories_jsonl(stories, path):
    with open(path, "w", encoding="utf-8") as out:
        for story_id, story in stories.items():
            out.write(json.dumps({"id": story_id, "title": story["title"],
                                  "body": story["body"]}) + "\n")


def engine_tantivy(args, stories, queries, work):
    """Stock tantivy (examples/tantivy_baseline.rs): one document per story, en_stem, AND, BM25."""
    if not args.tantivy_bin or not os.access(args.tantivy_bin, os.X_OK):
        raise EngineUnavailable(f"no tantivy_baseline binary at {args.tantivy_bin} "
                                "(cargo build --release --locked --example tantivy_baseline)")
    stories_path = os.path.join(work, "stories.jsonl")
    write_stories_jsonl(stories, stories_path)
    index_dir = os.path.join(work, "tantivy-index")
    started = time.monotonic()
    indexed = run([args.tantivy_bin, "index", stories_path, index_dir])
    index_s = time.monotonic() - started
    done = run([args.tantivy_bin, "search", index_dir, str(DEPTH)],
               input="".join(query + "\n" for _, query in queries))
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    if len(answers) != len(queries):
        raise EngineUnavailable(f"tantivy_baseline answered {len(answers)} of {len(queries)} queries")
    rankings = {topic: [hit["id"] for hit in answer["hits"]]
                for (topic, _), answer in zip(queries, answers)}
    return rankings, {"index_s": round(index_s, 2), "bin": args.tantivy_bin,
                      "index_log": indexed.stderr.strip()}


def find_anserini_jar(cache):
    """The Anserini fatjar of the pyserini 0.22.1 wheel, unpacked into the cache once."""
    import glob
    import zipfile
    folder = os.path.join(cache, "pyserini")
    jars = glob.glob(os.path.join(folder, "pyserini", "resources", "jars", "anserini-*-fatjar.jar"))
    if jars:
        return jars[0]
    wheels = glob.glob(os.path.join(folder, "pyserini-*.whl"))
    if not wheels:
        raise EngineUnavailable(f"no pyserini wheel in {folder} "
                                "(pip download --no-deps pyserini==0.22.1 failed or was not run)")
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = [name for name in wheel.namelist() if re.search(r"anserini-.*-fatjar\.jar$", name)]
        if not names:
            raise EngineUnavailable(f"{wheels[0]} holds no Anserini fatjar")
        wheel.extract(names[0], folder)
        return os.path.join(folder, names[0])


def engine_lucene(args, stories, queries, work):
    """Lucene BM25 with EnglishAnalyzer (scripts/LuceneBaseline.java against Anserini's fatjar)."""
    for tool in ("java", "javac"):
        if not any(os.access(os.path.join(folder, tool), os.X_OK)
                   for folder in os.environ.get("PATH", "").split(os.pathsep)):
            raise EngineUnavailable(f"no `{tool}` on the PATH (Debian: apt-get install default-jdk-headless)")
    jar = find_anserini_jar(args.cache)
    classes = os.path.join(work, "lucene-classes")
    os.makedirs(classes, exist_ok=True)
    run(["javac", "-d", classes, "-cp", jar, os.path.join(args.repo, "scripts", "LuceneBaseline.java")])
    classpath = jar + os.pathsep + classes
    stories_path = os.path.join(work, "stories.tsv")
    with open(stories_path, "w", encoding="utf-8") as out:
        for story_id, story in stories.items():
            fields = [re.sub(r"[\t\r\n]+", " ", text)
                      for text in (story_id, story["title"], story["body"])]
            out.write("\t".join(fields) + "\n")
    index_dir = os.path.join(work, "lucene-index")
    started = time.monotonic()
    done = run(["java", "-cp", classpath, "LuceneBaseline", "index", stories_path, index_dir])
    index_s = time.monotonic() - started
    version = re.search(r"with Lucene (\S+)", done.stderr)
    done = run(["java", "-cp", classpath, "LuceneBaseline", "search", index_dir, str(DEPTH)],
               input="".join(query + "\n" for _, query in queries))
    by_number = {}
    ended = set()
    for line in done.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[1] == "end":
            ended.add(int(parts[0]))
        elif len(parts) == 4:
            by_number.setdefault(int(parts[0]), []).append(parts[2])
    if len(ended) != len(queries):
        raise EngineUnavailable(f"LuceneBaseline answered {len(ended)} of {len(queries)} queries")
    rankings = {topic: by_number.get(number, []) for number, (topic, _) in enumerate(queries, 1)}
    return rankings, {"index_s": round(index_s, 2), "jar": jar,
                      "lucene": version.group(1) if version else None}


RUNNERS = {"briefs": engine_briefs, "fts5": engine_fts5,
           "tantivy": engine_tantivy, "lucene": engine_lucene}


# ---------------------------------------------------------------- report


def fmt(value):
    return f"{value:.3f}"


def print_report(result, out=sys.stdout):
    engines = result["engines_run"]
    topics = result["topics"]
    print(f"Relevance on Reuters-21578: {result['stories']} stories with a title or body "
          f"(those briefs indexes), {len(topics)} topics, all words required, "
          f"story (brief) level; relevant = labelled with the topic.", file=out)
    for engine, reason in result["engines_skipped"].items():
        print(f"  {engine}: NOT RUN: {reason}", file=out)
    print(file=out)

    print("per topic: P@10, nDCG@10, MAP@100 of each engine; * = briefs below the best peer "
          "on nDCG@10", file=out)
    print(f"{'':<22}" + "".join(f" | {engine:<18}" for engine in engines), file=out)
    print(f"{'topic':<16} {'rel':>4} " + "".join(" |  P@10  nDCG   MAP" for _ in engines), file=out)
    for topic in topics:
        row = result["per_topic"][topic]
        cells = "".join(" | " + " ".join(f"{row['engines'][e][key]:.3f}" for key, _ in METRICS)
                        for e in engines)
        mark = "*" if row.get("briefs_vs_best_peer") == "loss" else " "
        print(f"{topic:<16} {row['relevant']:>4}{mark}{cells}", file=out)
    print(file=out)

    print("| engine (all words required) | P@10 | nDCG@10 | MAP@100 |", file=out)
    print("|---|---|---|---|", file=out)
    for engine in engines:
        mean = result["means"][engine]
        print(f"| {LABELS[engine]} | {fmt(mean['p10'])} | {fmt(mean['ndcg10'])} | "
              f"{fmt(mean['map100'])} |", file=out)
    print(file=out)

    if result.get("wins"):
        print("briefs against peers, per topic on nDCG@10 (wins / ties / losses):", file=out)
        for peer, count in result["wins"].items():
            print(f"  vs {peer:<10} {count['wins']:>3} / {count['ties']:>3} / {count['losses']:>3}",
                  file=out)
        print(file=out)
    for loss in result.get("largest_losses", []):
        print(f"loss on {loss['topic']} ({loss['query']!r}, {loss['relevant']} relevant): "
              f"briefs nDCG@10 {fmt(loss['briefs_ndcg10'])}, {loss['peer']} "
              f"{fmt(loss['peer_ndcg10'])}", file=out)
        for engine in ("briefs", loss["peer"]):
            print(f"  {engine} top {HITS_SHOWN}:", file=out)
            for hit in loss["top"][engine]:
                mark = "+" if hit["relevant"] else "-"
                print(f"    {mark} {hit['id']:>6}  {hit['title'][:90]}", file=out)
        print(file=out)


def evaluate(stories, queries, rankings, skipped):
    engines = [engine for engine in ENGINES if engine in rankings]
    topics = [topic for topic, _ in queries]
    relevant = judgments(stories, topics)
    per_topic = {}
    for topic, query in queries:
        row = {"query": query, "relevant": len(relevant[topic]), "engines": {}}
        for engine in engines:
            ranking = rankings[engine][topic]
            row["engines"][engine] = dict(scores(ranking, relevant[topic]),
                                          returned=len(ranking), ranking=ranking)
        per_topic[topic] = row
    means = {engine: {key: sum(per_topic[t]["engines"][engine][key] for t in topics) / len(topics)
                      for key, _ in METRICS} for engine in engines}
    result = {"stories": len(stories), "topics": topics, "engines_run": engines,
              "engines_skipped": skipped, "per_topic": per_topic, "means": means}
    peers = [engine for engine in engines if engine != "briefs"]
    if "briefs" not in engines or not peers:
        return result

    def versus(mine, theirs):
        return "win" if mine > theirs + 1e-9 else "loss" if mine < theirs - 1e-9 else "tie"

    wins = {}
    for peer in peers + ["best peer"]:
        count = {"wins": 0, "ties": 0, "losses": 0}
        for topic in topics:
            engines_of = per_topic[topic]["engines"]
            theirs = (max(engines_of[p]["ndcg10"] for p in peers) if peer == "best peer"
                      else engines_of[peer]["ndcg10"])
            outcome = versus(engines_of["briefs"]["ndcg10"], theirs)
            count[outcome + ("s" if outcome != "loss" else "es")] += 1
            if peer == "best peer":
                per_topic[topic]["briefs_vs_best_peer"] = outcome
        wins[peer] = count
    result["wins"] = wins

    gaps = []
    for topic, query in queries:
        engines_of = per_topic[topic]["engines"]
        peer = max(peers, key=lambda p: (engines_of[p]["ndcg10"], -peers.index(p)))
        gap = engines_of[peer]["ndcg10"] - engines_of["briefs"]["ndcg10"]
        if gap > 1e-9:
            gaps.append((gap, topic, query, peer))
    gaps.sort(key=lambda item: (-item[0], item[1]))
    losses = []
    for gap, topic, query, peer in gaps[:LOSSES_SHOWN]:
        engines_of = per_topic[topic]["engines"]
        top = {engine: [{"id": story_id,
                         "title": stories[story_id]["title"].strip() or "(no title)",
                         "relevant": story_id in relevant[topic]}
                        for story_id in engines_of[engine]["ranking"][:HITS_SHOWN]]
               for engine in ("briefs", peer)}
        losses.append({"topic": topic, "query": query, "relevant": len(relevant[topic]),
                       "peer": peer, "gap": gap, "briefs_ndcg10": engines_of["briefs"]["ndcg10"],
                       "peer_ndcg10": engines_of[peer]["ndcg10"], "top": top})
    result["largest_losses"] = losses
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", required=True, help="Reuters-21578 as JSON Lines (full.str)")
    parser.add_argument("--queries", required=True, help="topic<TAB>query file")
    parser.add_argument("--bin", help="the briefs binary")
    parser.add_argument("--briefs-commit", help="the commit the briefs binary was built from")
    parser.add_argument("--tantivy-bin", help="the tantivy_baseline example binary")
    parser.add_argument("--cache", required=True, help="cache folder (pyserini wheel)")
    parser.add_argument("--repo", required=True, help="the repository (for LuceneBaseline.java)")
    parser.add_argument("--work", required=True, help="a temporary folder for the indexes")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--json", dest="json_out", help="also write everything to this file")
    args, _ = parser.parse_known_args()

    wanted = [engine.strip() for engine in args.engines.split(",") if engine.strip()]
    unknown = [engine for engine in wanted if engine not in RUNNERS]
    if unknown:
        raise SystemExit(f"eval-relevance: unknown engine {unknown[0]!r}; "
                         f"engines are {', '.join(ENGINES)}")
    stories = load_stories(args.reuters)
    queries = load_queries(args.queries)
    relevant = judgments(stories, [topic for topic, _ in queries])
    empty = [topic for topic, stories_of in relevant.items() if not stories_of]
    if empty:
        raise SystemExit(f"eval-relevance: no story is labelled {empty[0]!r}")
    log(f"eval-relevance: {len(stories)} stories with a title or body, {len(queries)} topics")

    rankings, details, skipped = {}, {}, {}
    for engine in ENGINES:
        if engine not in wanted:
            continue
        started = time.monotonic()
        try:
            rankings[engine], details[engine] = RUNNERS[engine](args, stories, queries, args.work)
        except EngineUnavailable as error:
            skipped[engine] = str(error)
            log(f"eval-relevance: {engine} NOT RUN: {error}")
            continue
        details[engine]["seconds"] = round(time.monotonic() - started, 2)
        log(f"eval-relevance: {engine} done in {details[engine]['seconds']} s")

    result = evaluate(stories, queries, rankings, skipped)
    result["details"] = details
    result["queries_file"] = args.queries
    print_report(result)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=1)
            out.write("\n")
        log(f"eval-relevance: wrote {args.json_out}")


if __name__ == "__main__":
    main()
