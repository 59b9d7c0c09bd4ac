#!/usr/bin/env python3
"""Side-by-side benchmark: briefs vs SQLite FTS5 (vs tantivy-cli when on PATH).

On the Reuters-21578 stories (x1) and on a scaled copy of them (x10) it
measures, in one run on this machine:

  - indexing: wall time, CPU time (user+sys), MB/s, stories/s, passages/s,
    peak RSS of the indexing process, index size on disk;
  - query latency in-process (p50/p95/p99 over benches/queries.txt, after one
    warm-up pass), and whole-process query time for 30 of the queries;
  - match counts per query for every engine (written to the --out JSON).

It prints one table with ratios (the other engine's figure over briefs', or
briefs' over the other's for throughputs, so that >1 always means briefs is
better) and, with --out FILE, writes every raw figure as JSON.

Do not run this file directly: run scripts/bench, which fetches the data,
builds briefs, makes a temporary folder and calls

    python3 scripts/bench.py --bin BRIEFS --reuters FULL.STR --cache DIR --work TMPDIR [options]

Indexing runs in INDEX_ROUNDS interleaved rounds (every engine once a round;
the median round is reported), after one cold run of each engine on x1
(page cache dropped when permitted, COLD_PAUSE_S idle first); in-process
queries in QUERY_ROUNDS interleaved rounds (medians of the rounds' quantiles);
whole processes interleaved query by query.

Options: --quick (Reuters only), --full (a cold run on x10 too),
--out FILE, --sample N (development: first N Reuters records only).

Only the Python 3.11 standard library is used. Peak RSS comes from os.wait4
(ru_maxrss of the child). On Linux a child's ru_maxrss can never be below the
RSS of the Python process that spawned it, so that floor is reported too.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERIES_FILE = os.path.join(REPO, "benches", "queries.txt")
# Queries with `--actor` filters: briefs only (FTS5 has no actors).
ACTOR_QUERIES_FILE = os.path.join(REPO, "benches", "queries-actors.txt")
# Queries with date filters and sorts (briefs only).
DATE_QUERIES_FILE = os.path.join(REPO, "benches", "queries-dates.txt")
# Misspelt queries, with and without the "did you mean" suggestion (briefs only).
TYPO_QUERIES_FILE = os.path.join(REPO, "benches", "queries-typos.txt")
TYPO_PLAIN_QUERIES_FILE = os.path.join(REPO, "benches", "queries-typos-plain.txt")
SCALE = 10
WHOLE_PROCESS_QUERIES = 30
WHOLE_PROCESS_RUNS = 5
QUERY_RUNS = 5
# Interleaved rounds: indexing (every engine once a round) and in-process
# queries (each engine's pass over the queries once a round); the figures
# are the medians over the rounds.
INDEX_ROUNDS = 5
QUERY_ROUNDS = 5
QUERY_RUNS_PER_ROUND = 2
# A cold run: the page cache dropped (when this user may) and the machine
# left idle this long first, so that a VM that hands idle memory back to its
# host has done so and the run pays for fresh pages.
COLD_PAUSE_S = 15
LIMIT = 10
TANTIVY_MEMORY_BYTES = 256_000_000  # briefs' default --memory 256 (MB)

# {} is the MATCH operand: `?` in-process, a quoted literal in the sqlite3 shell.
FTS5_SELECT = ("SELECT rowid, snippet(t, 1, '[', ']', '…', 16) FROM t "
               "WHERE t MATCH {} ORDER BY bm25(t) LIMIT 10")
FTS5_COUNT = "SELECT count(*) FROM t WHERE t MATCH {}"


# ---------------------------------------------------------------- helpers

def log(message):
    """Progress goes to stderr so that stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


def quantile(samples, q):
    """Nearest-rank quantile, the same definition as `briefs bench`."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = min(max(math.ceil(q * len(ordered)), 1), len(ordered))
    return ordered[rank - 1]


def latency_summary(samples_ms):
    return {
        "samples": len(samples_ms),
        "p50_ms": quantile(samples_ms, 0.50),
        "p95_ms": quantile(samples_ms, 0.95),
        "p99_ms": quantile(samples_ms, 0.99),
        "mean_ms": statistics.fmean(samples_ms) if samples_ms else None,
        "max_ms": max(samples_ms) if samples_ms else None,
    }


def disk_size(path):
    """Bytes on disk of a file, or of every file under a folder."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(folder, name))
    return total


def own_peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_vm_hwm_mb():
    """This process's peak RSS since its exec (VmHWM), free of the floor that
    ru_maxrss inherits from the parent at fork."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def read_queries(path):
    """One query a line; blank lines and `#` comments are skipped."""
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    return [line for line in lines if line and not line.startswith("#")]


def pick_evenly(items, count):
    """`count` items spread evenly over the list (all of them if fewer)."""
    if len(items) <= count:
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


# ---------------------------------------------------------------- processes

def run_measured(cmd, stdout_path, stderr_path, stdin_path=None):
    """Runs one child process; returns wall, CPU (user+sys) and peak RSS.

    os.wait4 gives the rusage of exactly this child, so CPU and ru_maxrss
    are its own (ru_maxrss is in KiB on Linux)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    if stdin_path:
        stdin.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    with open(stdout_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(stderr_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    return {
        "returncode": child.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "rss_floor_mb": own_peak_rss_mb(),
        "peak_rss_at_floor": usage.ru_maxrss / 1024 <= own_peak_rss_mb() + 1,
        "stdout": stdout,
        "stderr": stderr,
    }


def check_ok(result, what):
    if result["returncode"] != 0:
        tail = (result["stderr"] or result["stdout"]).strip()[-2000:]
        raise SystemExit(f"bench: {what} failed (exit {result['returncode']}):\n{tail}")


def time_process_ms(cmd):
    """Wall time of one whole process in ms, and its exit code."""
    started = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000, done.returncode


def whole_process_latency(engines, queries, runs):
    """Whole processes, interleaved: for each query, every engine once to
    warm the page cache, then `runs` rounds of every engine in turn.
    `engines` maps a name to (make_cmd, accepted exit codes); a query an
    engine cannot run (make_cmd gives None) is left out for it."""
    samples = {name: [] for name in engines}
    counted = {name: 0 for name in engines}
    for query in queries:
        commands = {name: (make(query), accept) for name, (make, accept) in engines.items()}
        commands = {name: c for name, c in commands.items() if c[0] is not None}
        for name, (cmd, accept) in commands.items():
            _, code = time_process_ms(cmd)
            if code not in accept:
                raise SystemExit(f"bench: {cmd} exited {code}")
            counted[name] += 1
        for _ in range(runs):
            for name, (cmd, _) in commands.items():
                elapsed, _ = time_process_ms(cmd)
                samples[name].append(elapsed)
    out = {}
    for name, values in samples.items():
        result = latency_summary(values)
        result["median_ms"] = statistics.median(values) if values else None
        result["queries"] = counted[name]
        result["runs"] = runs
        out[name] = result
    return out


# ---------------------------------------------------------------- corpora

def read_records(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def count_stories(path):
    """Records with a title or a body: the ones every engine indexes."""
    return sum(1 for r in read_records(path) if r.get("title") or r.get("body"))


def write_sample(source, target, count):
    """The first `count` records of the source (development runs)."""
    with open(source, encoding="utf-8") as src, open(target, "w", encoding="utf-8") as dst:
        written = 0
        for line in src:
            if written == count:
                break
            if line.strip():
                dst.write(line)
                written += 1


def build_scaled(source, target, scale):
    """`scale` copies of every record, each with a fresh id `<id>-x<k>` and
    "synthetic_scale_test": true. Written to a temporary name, then renamed,
    so that an interrupted run never leaves a partial file behind."""
    log(f"building {target} ({scale} copies of {source})")
    partial = f"{target}.partial-{os.getpid()}"
    with open(partial, "w", encoding="utf-8") as out:
        for k in range(scale):
            for line_number, record in enumerate(read_records(source), start=1):
                record["id"] = f"{record.get('id', line_number)}-x{k}"
                record["synthetic_scale_test"] = True
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
    os.replace(partial, target)


def write_title_body(source, target):
    """title+body only, for tantivy-cli, whose schema has just those fields."""
    with open(target, "w", encoding="utf-8") as out:
        for record in read_records(source):
            title, body = record.get("title") or "", record.get("body") or ""
            if title or body:
                out.write(json.dumps({"title": title, "body": body}) + "\n")


# ---------------------------------------------------------------- briefs

SUMMARY_PATTERNS = {
    "mb_read": r"\(([\d.]+) MB read",
    "briefs_added": r"briefs:\s+(\d+) added",
    "passages": r"passages:\s+(\d+) written",
}


def parse_index_summary(stderr):
    figures = {}
    for key, pattern in SUMMARY_PATTERNS.items():
        match = re.search(pattern, stderr)
        figures[key] = float(match.group(1)) if match else None
    return figures


def index_briefs_once(bin_, corpus, index_dir, work):
    result = run_measured([bin_, "index", corpus, "--index", index_dir, "--rebuild"],
                          os.path.join(work, "briefs-index.out"),
                          os.path.join(work, "briefs-index.err"))
    check_ok(result, "briefs index")
    result.update(parse_index_summary(result["stderr"]))
    result["index_bytes"] = disk_size(index_dir)
    result["summary"] = result.pop("stderr").strip()
    del result["stdout"]
    return result


def bench_briefs(bin_, index_dir, runs, queries_file=QUERIES_FILE):
    """`briefs bench`: in-process latency through the real search path."""
    done = subprocess.run([bin_, "bench", "--index", index_dir, "--queries", queries_file,
                           "--runs", str(runs), "--limit", str(LIMIT)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: briefs bench failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def counts_briefs(bin_, index_dir, queries):
    """Passages and briefs matched by each query (from `briefs query --json`)."""
    counts = {}
    for query in queries:
        done = subprocess.run([bin_, "query", query, "--index", index_dir, "--json",
                               "--limit", "1"], capture_output=True, text=True)
        if done.returncode not in (0, 1):
            counts[query] = {"error": done.stderr.strip()}
            continue
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        counts[query] = {"passages": summary["passages"], "stories": summary["briefs"]}
    return counts


def briefs_query_command(bin_, index_dir):
    return lambda q: [bin_, "query", q, "--index", index_dir, "--json", "--limit", str(LIMIT)]


# ---------------------------------------------------------------- SQLite FTS5

def fts5_index_child(db_path, jsonl_path):
    """Runs in its own process (see index_fts5_once), so that its peak RSS is
    its own. Prints the time from creating the table to the commit."""
    con = sqlite3.connect(db_path, isolation_level=None)
    started = time.perf_counter()
    con.execute("BEGIN")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='porter unicode61')")
    rows = ((r.get("title"), r.get("body")) for r in read_records(jsonl_path)
            if r.get("title") or r.get("body"))
    con.executemany("INSERT INTO t(title, body) VALUES (?, ?)", rows)
    con.execute("COMMIT")
    elapsed = time.perf_counter() - started
    (count,) = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    print(json.dumps({"table_to_commit_s": elapsed, "rows": count,
                      "vm_hwm_mb": own_vm_hwm_mb()}))


def index_fts5_once(db_path, jsonl_path, work):
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(db_path + suffix):
            os.remove(db_path + suffix)
    result = run_measured([sys.executable, os.path.abspath(__file__), "fts5-index-child",
                           db_path, jsonl_path],
                          os.path.join(work, "fts5-index.out"),
                          os.path.join(work, "fts5-index.err"))
    check_ok(result, "FTS5 indexing")
    child = json.loads(result["stdout"])
    result["process_wall_s"] = result["wall_s"]
    result["wall_s"] = child["table_to_commit_s"]  # the figure compared with briefs
    result["rows"] = child["rows"]
    # The child's own VmHWM: a Python child is small enough for the
    # ru_maxrss floor (the parent's RSS) to hide its real peak.
    result["ru_maxrss_mb"] = result["peak_rss_mb"]
    result["peak_rss_mb"] = child["vm_hwm_mb"]
    result["index_bytes"] = disk_size(db_path)
    del result["stdout"], result["stderr"]
    return result


class UnsupportedQuery(Exception):
    pass


QUERY_TOKEN = re.compile(r"""
    \s*(?:
        (?P<paren>[()])
      | (?P<sign>[-+])?
        (?:(?P<field>[A-Za-z_]+):)?
        (?: "(?P<phrase>[^"]*)"(?:~(?P<slop>\d+))?
          | (?P<word>[^\s()"]+) )
    )""", re.VERBOSE)

FTS5_FIELDS = {"title", "body"}
FTS5_KEYWORDS = {"AND", "OR", "NOT", "NEAR"}


def fts5_word(word):
    """A bareword when FTS5 allows it, otherwise a quoted string."""
    if re.fullmatch(r"[A-Za-z0-9_]+", word) and word not in FTS5_KEYWORDS:
        return word
    return '"' + word.replace('"', '""') + '"'


def fts5_term(match):
    """One term of our syntax (word, prefix, phrase, sloppy phrase) in FTS5."""
    phrase, slop, word = match.group("phrase"), match.group("slop"), match.group("word")
    if phrase is not None and slop is not None:
        words = " ".join(fts5_word(w) for w in phrase.split())
        text = f"NEAR({words}, {slop})"
    elif phrase is not None:
        text = '"' + phrase.replace('"', '""') + '"'
    elif word.endswith("*") and len(word) > 1:
        text = fts5_word(word[:-1]) + "*"
    else:
        text = fts5_word(word)
    field = match.group("field")
    if field is None:
        return text
    if field not in FTS5_FIELDS:
        raise UnsupportedQuery(f"field `{field}:` is not a column of the FTS5 table")
    return f"{field}:({text})" if text.startswith("NEAR(") else f"{field}:{text}"


def to_fts5(query):
    """Translates our (tantivy) query syntax to FTS5's.

    words -> implicit AND; "phrase" kept; "a b"~N -> NEAR(a b, N);
    word* kept; a OR b kept; +word -> word; title:x / body:x kept;
    -word -> `NOT word` after the positive part, which is put in
    parentheses because NOT binds tighter than AND and OR in FTS5."""
    positive, negative = [], []
    position = 0
    query = query.strip()
    while position < len(query):
        match = QUERY_TOKEN.match(query, position)
        if not match or match.end() == position:
            raise UnsupportedQuery(f"cannot read the query at column {position + 1}")
        position = match.end()
        if match.group("paren"):
            positive.append(match.group("paren"))
            continue
        word = match.group("word")
        if word in ("OR", "AND") and not match.group("sign") and not match.group("field"):
            positive.append(word)
            continue
        term = fts5_term(match)
        if match.group("sign") == "-":
            negative.append(term)
        else:
            positive.append(term)
    if not positive:
        raise UnsupportedQuery("a query of exclusions only has no FTS5 equivalent")
    text = " ".join(positive)
    if negative:
        text = f"({text})" + "".join(f" NOT {term}" for term in negative)
    return text


def translate_queries(queries):
    translated, unsupported = {}, {}
    for query in queries:
        try:
            translated[query] = to_fts5(query)
        except UnsupportedQuery as error:
            unsupported[query] = str(error)
    return translated, unsupported


def run_fts5_query(con, match):
    """The hits (rowid + snippet, best 10 by BM25) and the count of matches."""
    hits = con.execute(FTS5_SELECT.format("?"), (match,)).fetchall()
    (count,) = con.execute(FTS5_COUNT.format("?"), (match,)).fetchone()
    return hits, count


def bench_fts5(db_path, translated, runs):
    """In-process latency: one warm-up pass, then `runs` timed passes."""
    con = sqlite3.connect(db_path)
    counts, errors = {}, {}
    for query, match in translated.items():
        try:
            _, counts[query] = run_fts5_query(con, match)
        except sqlite3.Error as error:
            errors[query] = f"{match}: {error}"
    usable = {q: m for q, m in translated.items() if q not in errors}
    samples = []
    for _ in range(runs):
        for match in usable.values():
            started = time.perf_counter()
            run_fts5_query(con, match)
            samples.append((time.perf_counter() - started) * 1000)
    con.close()
    result = latency_summary(samples)
    result.update({"queries": len(usable), "runs": runs, "errors": errors,
                   "counts": {q: {"stories": c} for q, c in counts.items()}})
    return result


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


def sqlite_shell_command(db_path, translated):
    """The same query through the sqlite3 shell (open, search, print), or
    None when there is no shell on the PATH."""
    sqlite_cli = shutil.which("sqlite3")
    if not sqlite_cli:
        return None

    def command(query):
        if query not in translated:
            return None
        match = sql_literal(translated[query])
        sql = FTS5_SELECT.format(match) + "; " + FTS5_COUNT.format(match) + ";"
        return [sqlite_cli, "-batch", db_path, sql]

    return command


# ---------------------------------------------------------------- tantivy-cli

def tantivy_meta():
    """The index schema: title and body, stored, positions, English stemming.
    `tantivy new` is an interactive wizard; tantivy-cli's README says that
    writing meta.json into the empty folder does the same."""
    options = {"indexing": {"record": "position", "fieldnorms": True, "tokenizer": "en_stem"},
               "stored": True, "fast": False}
    schema = [{"name": name, "type": "text", "options": options} for name in ("title", "body")]
    return {"segments": [], "schema": schema, "opstamp": 0}


def index_tantivy_once(tantivy, index_dir, docs_path, work):
    shutil.rmtree(index_dir, ignore_errors=True)
    os.makedirs(index_dir)
    with open(os.path.join(index_dir, "meta.json"), "w") as f:
        json.dump(tantivy_meta(), f)
    threads = len(os.sched_getaffinity(0))
    result = run_measured([tantivy, "index", "-i", index_dir, "-f", docs_path,
                           "-t", str(threads), "-m", str(TANTIVY_MEMORY_BYTES)],
                          os.path.join(work, "tantivy-index.out"),
                          os.path.join(work, "tantivy-index.err"))
    check_ok(result, "tantivy index")
    result["index_bytes"] = disk_size(index_dir)
    del result["stdout"], result["stderr"]
    return result


def bench_tantivy(tantivy, index_dir, queries, runs, work):
    """`tantivy bench` prints `query<TAB>hits<TAB>microseconds` for each query
    of each pass (search with top 10 and count; no snippets). The first pass
    is dropped as a warm-up."""
    queries_path = os.path.join(work, "tantivy-queries.txt")
    with open(queries_path, "w", encoding="utf-8") as f:
        f.write("\n".join(queries) + "\n")
    done = subprocess.run([tantivy, "bench", "-i", index_dir, "-q", queries_path,
                           "-n", str(runs + 1)], capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip()[-2000:]}
    rows, in_search = [], False
    for line in done.stdout.splitlines():
        if line.startswith("SEARCH"):
            in_search = True
        elif line.startswith("FETCH STORE"):
            break
        elif in_search:
            fields = line.rsplit("\t", 2)
            if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
                rows.append((fields[0], int(fields[1]), int(fields[2]) / 1000))
    if len(rows) != len(queries) * (runs + 1):
        return {"error": f"expected {len(queries) * (runs + 1)} timings, read {len(rows)}"}
    result = latency_summary([ms for _, _, ms in rows[len(queries):]])
    result.update({"queries": len(queries), "runs": runs,
                   "counts": {q: {"stories": hits} for q, hits, _ in rows[:len(queries)]}})
    return result


# ---------------------------------------------------------------- one corpus

def make_cold():
    """Drops the page cache when this user may, then leaves the machine idle
    for COLD_PAUSE_S; says whether the cache was dropped."""
    subprocess.run(["sync"], check=False)
    dropped = False
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        dropped = True
    except OSError:
        pass
    time.sleep(COLD_PAUSE_S)
    return dropped


def round_medians(rounds):
    """The median over rounds of each latency figure, and the rounds."""
    out = {}
    for key in ("p50_ms", "p95_ms", "p99_ms", "mean_ms"):
        values = [r[key] for r in rounds if r.get(key) is not None]
        out[key] = statistics.median(values) if values else None
    out["rounds"] = [{k: r.get(k) for k in ("p50_ms", "p95_ms", "p99_ms")} for r in rounds]
    return out


def median_run(runs):
    """The repetition with the median wall time (its other figures go with it)."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["repetitions"] = len(runs)
    chosen["walls_s"] = [r["wall_s"] for r in runs]
    return chosen


def add_rates(figures, raw_bytes, stories):
    figures["mb_per_s"] = raw_bytes / 1e6 / figures["wall_s"]
    figures["stories_per_s"] = stories / figures["wall_s"]
    if figures.get("passages"):
        figures["passages_per_s"] = figures["passages"] / figures["wall_s"]
    figures["size_over_raw"] = figures["index_bytes"] / raw_bytes


def measure_corpus(name, jsonl, repetitions, tools, work, queries, cold=False):
    """Indexes one corpus with every engine (repetitions interleaved so that
    background load hits them alike; with `cold`, first one cold run of each
    engine), then measures their queries, interleaved too."""
    raw_bytes = os.path.getsize(jsonl)
    stories = count_stories(jsonl)
    log(f"== {name}: {stories} stories, {raw_bytes / 1e6:.1f} MB, "
        f"{repetitions} indexing repetition(s)")
    # briefs takes folders or files ending in .jsonl; the cache's Reuters file
    # ends in .str, so every corpus is linked under a .jsonl name.
    corpus_dir = os.path.join(work, f"corpus-{name}")
    os.makedirs(corpus_dir, exist_ok=True)
    linked = os.path.join(corpus_dir, f"reuters-{name}.jsonl")
    if not os.path.exists(linked):
        os.symlink(os.path.abspath(jsonl), linked)

    briefs_index = os.path.join(work, f"briefs-index-{name}")
    fts5_db = os.path.join(work, f"fts5-{name}.db")
    tantivy_index = os.path.join(work, f"tantivy-index-{name}")
    tantivy_docs = os.path.join(work, f"tantivy-docs-{name}.jsonl")
    if tools["tantivy"]:
        write_title_body(jsonl, tantivy_docs)

    colds = {}
    if cold:
        log(f"  indexing, cold (page cache dropped, {COLD_PAUSE_S} s idle first): briefs")
        dropped = make_cold()
        colds["briefs"] = index_briefs_once(tools["briefs"], linked, briefs_index, work)
        log(f"  indexing, cold: FTS5")
        dropped = make_cold() and dropped
        colds["fts5"] = index_fts5_once(fts5_db, jsonl, work)
        if tools["tantivy"]:
            log(f"  indexing, cold: tantivy-cli")
            dropped = make_cold() and dropped
            colds["tantivy"] = index_tantivy_once(tools["tantivy"], tantivy_index,
                                                  tantivy_docs, work)
        for figures in colds.values():
            figures["page_cache_dropped"] = dropped
            figures["idle_s_before"] = COLD_PAUSE_S

    runs = {"briefs": [], "fts5": [], "tantivy": []}
    for repetition in range(1, repetitions + 1):
        log(f"  indexing, repetition {repetition}/{repetitions}: briefs")
        runs["briefs"].append(index_briefs_once(tools["briefs"], linked, briefs_index, work))
        log(f"  indexing, repetition {repetition}/{repetitions}: FTS5")
        runs["fts5"].append(index_fts5_once(fts5_db, jsonl, work))
        if tools["tantivy"]:
            log(f"  indexing, repetition {repetition}/{repetitions}: tantivy-cli")
            runs["tantivy"].append(index_tantivy_once(tools["tantivy"], tantivy_index,
                                                       tantivy_docs, work))

    result = {"jsonl": jsonl, "raw_bytes": raw_bytes, "stories": stories}
    result["briefs"] = {"index": median_run(runs["briefs"])}
    result["fts5"] = {"index": median_run(runs["fts5"])}
    add_rates(result["briefs"]["index"], raw_bytes, stories)
    add_rates(result["fts5"]["index"], raw_bytes, stories)
    for engine, figures in colds.items():
        result.setdefault(engine, {})["index_cold"] = figures

    translated, unsupported = translate_queries(queries)
    result["fts5"]["translated"] = translated
    result["fts5"]["unsupported"] = unsupported
    whole_queries = pick_evenly(queries, WHOLE_PROCESS_QUERIES)
    log(f"  queries in-process: briefs bench and FTS5, {QUERY_ROUNDS} interleaved rounds")
    rounds = {"briefs": [], "fts5": []}
    for _ in range(QUERY_ROUNDS):
        rounds["briefs"].append(bench_briefs(tools["briefs"], briefs_index,
                                             QUERY_RUNS_PER_ROUND))
        rounds["fts5"].append(bench_fts5(fts5_db, translated, QUERY_RUNS_PER_ROUND))
    result["briefs"]["query"] = round_medians(rounds["briefs"])
    result["briefs"]["query"]["queries"] = rounds["briefs"][0].get("queries")
    result["fts5"]["query"] = round_medians(rounds["fts5"])
    result["fts5"]["query"]["errors"] = rounds["fts5"][0]["errors"]
    result["fts5"]["counts"] = rounds["fts5"][0]["counts"]
    log("  queries in-process: briefs with actors, dates and misspellings")
    result["briefs"]["query_actors"] = bench_briefs(tools["briefs"], briefs_index, QUERY_RUNS,
                                                    ACTOR_QUERIES_FILE)
    result["briefs"]["query_dates"] = bench_briefs(tools["briefs"], briefs_index, QUERY_RUNS,
                                                   DATE_QUERIES_FILE)
    result["briefs"]["query_typos"] = bench_briefs(tools["briefs"], briefs_index, QUERY_RUNS,
                                                   TYPO_QUERIES_FILE)
    result["briefs"]["query_typos_plain"] = bench_briefs(tools["briefs"], briefs_index,
                                                         QUERY_RUNS, TYPO_PLAIN_QUERIES_FILE)
    log("  queries: briefs counts")
    result["briefs"]["counts"] = counts_briefs(tools["briefs"], briefs_index, queries)

    log("  queries: whole processes, `briefs query` and the sqlite3 shell interleaved")
    engines = {"briefs": (briefs_query_command(tools["briefs"], briefs_index), (0, 1))}
    shell = sqlite_shell_command(fts5_db, translated)
    if shell:
        engines["fts5"] = (shell, (0,))
    else:
        result["fts5"]["whole_process"] = {"error": "sqlite3 shell not found on PATH"}
    for engine, figures in whole_process_latency(engines, whole_queries,
                                                 WHOLE_PROCESS_RUNS).items():
        result[engine]["whole_process"] = figures

    if tools["tantivy"]:
        result.setdefault("tantivy", {})["index"] = median_run(runs["tantivy"])
        add_rates(result["tantivy"]["index"], raw_bytes, stories)
        log("  queries: tantivy bench")
        result["tantivy"]["query"] = bench_tantivy(tools["tantivy"], tantivy_index, queries,
                                                   QUERY_RUNS, work)
        result["tantivy"]["counts"] = result["tantivy"]["query"].pop("counts", {})
        os.remove(tantivy_docs)
    return result


# ---------------------------------------------------------------- machine

def machine_info():
    cpu_model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / 1024 / 1024
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": int(nproc) if nproc.isdigit() else os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(memory_gib, 1) if memory_gib else None,
        "load_average_at_start": os.getloadavg(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def tool_version(cmd):
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except OSError:
        return None
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else None


# ---------------------------------------------------------------- the table

def fmt(value, unit=""):
    if value is None:
        return "-"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return text + unit


def ratio(briefs_value, other_value, lower_is_better):
    """>1 means briefs is better: other/briefs for times and sizes,
    briefs/other for throughputs."""
    if briefs_value in (None, 0) or other_value in (None, 0):
        return None
    return other_value / briefs_value if lower_is_better else briefs_value / other_value


def dig(data, *keys):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


# (label, path inside an engine's figures, unit, lower is better)
CORPUS_ROWS = [
    ("index wall, hot (median of rounds)", ("index", "wall_s"), " s", True),
    ("index CPU user+sys, hot", ("index", "cpu_s"), " s", True),
    ("index wall, cold", ("index_cold", "wall_s"), " s", True),
    ("index CPU user+sys, cold", ("index_cold", "cpu_s"), " s", True),
    ("indexing peak RSS, cold", ("index_cold", "peak_rss_mb"), " MB", True),
    ("index throughput", ("index", "mb_per_s"), " MB/s", False),
    ("stories/s", ("index", "stories_per_s"), "", False),
    ("passages/s (briefs)", ("index", "passages_per_s"), "", False),
    ("indexing peak RSS, hot", ("index", "peak_rss_mb"), " MB", True),
    ("index size", ("index", "index_bytes"), " MB", True),
    ("index size / raw size", ("index", "size_over_raw"), "", True),
    ("query p50 in-process", ("query", "p50_ms"), " ms", True),
    ("query p95 in-process", ("query", "p95_ms"), " ms", True),
    ("query p99 in-process", ("query", "p99_ms"), " ms", True),
    ("query p50 with --actor (briefs)", ("query_actors", "p50_ms"), " ms", True),
    ("query p99 with --actor (briefs)", ("query_actors", "p99_ms"), " ms", True),
    ("query p50 with dates (briefs)", ("query_dates", "p50_ms"), " ms", True),
    ("query p99 with dates (briefs)", ("query_dates", "p99_ms"), " ms", True),
    ("misspelt query p50, no suggestion (briefs)", ("query_typos_plain", "p50_ms"), " ms", True),
    ("misspelt query p50 with suggestion (briefs)", ("query_typos", "p50_ms"), " ms", True),
    ("misspelt query p99 with suggestion (briefs)", ("query_typos", "p99_ms"), " ms", True),
    ("whole-process query median", ("whole_process", "median_ms"), " ms", True),
    ("whole-process query p95", ("whole_process", "p95_ms"), " ms", True),
]


def table_value(engine_figures, path):
    value = dig(engine_figures, *path)
    if value is not None and path[-1] == "index_bytes":
        value = value / 1e6
    return value


def print_table(results, engines):
    """One table: a column per engine, and each other engine's ratio to briefs."""
    headers = ["", "briefs"]
    for engine, title in engines[1:]:
        headers += [title, f"{title}/briefs"]
    rows = []

    def add_section(title):
        rows.append([title] + [""] * (len(headers) - 1))

    def add_row(label, values, unit, lower_is_better):
        row = [label, fmt(values[0], unit)]
        for value in values[1:]:
            row += [fmt(value, unit), fmt(ratio(values[0], value, lower_is_better), "x")]
        rows.append(row)

    for name in ("x1", "x10"):
        corpus = results["corpora"].get(name)
        if not corpus:
            continue
        add_section(f"{corpus['label']}: {corpus['stories']:,} stories, "
                    f"{corpus['raw_bytes'] / 1e6:.1f} MB of JSON Lines")
        for label, path, unit, lower_is_better in CORPUS_ROWS:
            values = [table_value(corpus.get(engine), path) for engine, _ in engines]
            add_row("  " + label, values, unit, lower_is_better)
    if "x10" in results["corpora"]:
        add_section(f"growth x{SCALE} / x1")
        for label, path in (("index wall", ("index", "wall_s")),
                            ("index size", ("index", "index_bytes")),
                            ("query p50", ("query", "p50_ms")),
                            ("query p95", ("query", "p95_ms"))):
            values = []
            for engine, _ in engines:
                small = dig(results["corpora"]["x1"].get(engine), *path)
                large = dig(results["corpora"]["x10"].get(engine), *path)
                values.append(large / small if small and large else None)
            add_row("  " + label, values, "x", True)

    value_rows = [row for row in rows if any(cell != "" for cell in row[1:])] + [headers]
    widths = [max(len(row[i]) for row in value_rows) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i])
                       for i, h in enumerate(headers))]
    lines.append("-" * len(lines[0]))
    for row in rows:
        if all(cell == "" for cell in row[1:]):
            lines.append(row[0])
        else:
            lines.append("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                                   for i, c in enumerate(row)))
    print("\n".join(lines))


def count_differences(corpus, engine):
    """Queries whose match counts differ most between briefs and another engine
    (stories for both: briefs counts briefs, FTS5 and tantivy-cli count rows)."""
    differences = []
    for query, ours in corpus["briefs"]["counts"].items():
        theirs = dig(corpus.get(engine), "counts", query, "stories")
        if theirs is None or "stories" not in ours:
            continue
        spread = (max(ours["stories"], theirs) + 1) / (min(ours["stories"], theirs) + 1)
        differences.append((spread, query, ours["stories"], theirs))
    differences.sort(reverse=True)
    return differences


def print_notes(results, engines):
    x1 = results["corpora"]["x1"]
    print()
    for engine, title in engines:
        counts = x1[engine].get("counts", {})
        hits = sum(1 for c in counts.values() if c.get("stories"))
        print(f"{title}: {hits} of {len(results['queries'])} queries match on {x1['label']}", end="")
        if engine == "fts5":
            print(f" ({len(x1['fts5']['unsupported'])} not translatable, "
                  f"{len(x1['fts5']['query']['errors'])} rejected by FTS5)", end="")
        print()
    for engine, title in engines[1:]:
        differences = [d for d in count_differences(x1, engine) if d[0] >= 2][:8]
        if differences:
            print(f"largest differences in matched stories, briefs vs {title} ({x1['label']}; "
                  f"briefs needs all words in one passage, {title} anywhere in the story):")
            for _, query, ours, theirs in differences:
                print(f"  {query:36} briefs {ours:6}   {title} {theirs:6}")
    machine = results["machine"]
    print(f"\nmachine: {machine['nproc']} cores ({machine['cpu_model']}), "
          f"{machine['memory_gib']} GiB, load {machine['load_average_at_start'][0]:.2f} at start; "
          f"{machine['date']}")
    print(f"versions: {results['versions']['briefs']}; SQLite {machine['sqlite']}; "
          f"Python {machine['python']}; tantivy-cli: {results['versions']['tantivy'] or 'not found on PATH'}")
    print(f"indexing: {INDEX_ROUNDS} interleaved rounds, the median round's figures (hot); "
          f"cold: one run each before them, {COLD_PAUSE_S} s idle first, page cache "
          f"{'dropped' if dig(results, 'corpora', 'x1', 'briefs', 'index_cold', 'page_cache_dropped') else 'NOT dropped (not permitted)'}")
    print(f"in-process queries: {len(results['queries'])} queries, {QUERY_ROUNDS} interleaved "
          f"rounds of one warm-up pass and {QUERY_RUNS_PER_ROUND} runs per engine, medians of the "
          f"rounds' nearest-rank quantiles (actors, dates, misspellings: one run of "
          f"{QUERY_RUNS} passes); whole-process: "
          f"{min(WHOLE_PROCESS_QUERIES, len(results['queries']))} queries x {WHOLE_PROCESS_RUNS} runs, "
          f"briefs query --json and the sqlite3 shell in turn")
    print(f"ratio columns: >1 means briefs is better (other/briefs for times, memory and "
          f"sizes; briefs/other for throughputs)")
    floor = max(dig(c, "briefs", "index", "rss_floor_mb") or 0
                for c in results["corpora"].values())
    print(f"peak RSS: briefs and tantivy-cli: ru_maxrss of the child from os.wait4, which "
          f"cannot be below the spawning Python's own RSS ({floor:.0f} MB here); FTS5: VmHWM "
          f"of the Python child that indexes (interpreter included)")
    at_floor = [f"{engine} {name}" for name, corpus in results["corpora"].items()
                for engine, _ in engines if dig(corpus, engine, "index", "peak_rss_at_floor")
                and engine != "fts5"]
    if at_floor:
        print(f"  warning: peak RSS at that floor (real peak may be lower): {', '.join(at_floor)}")
    if len(engines) > 2:
        print("tantivy-cli: `tantivy bench` times search with top 10 and count, no snippets; "
              "no whole-process figure (`tantivy search` prints every match)")
    print("FTS5 index wall: from CREATE TABLE to COMMIT, reading and parsing the JSON included; "
          "briefs and tantivy-cli: the whole process")
    print(f"benchmark wall time: {results['benchmark_wall_s']:.0f} s")


# ---------------------------------------------------------------- main

def parse_args():
    parser = argparse.ArgumentParser(description="briefs vs SQLite FTS5 (vs tantivy-cli)")
    parser.add_argument("--bin", required=True, help="the briefs binary")
    parser.add_argument("--reuters", required=True, help="Reuters-21578 as JSON Lines")
    parser.add_argument("--cache", required=True, help="where reuters-x10.jsonl is kept")
    parser.add_argument("--work", required=True, help="a temporary folder, removed by the caller")
    parser.add_argument("--quick", action="store_true", help="Reuters only, no x10")
    parser.add_argument("--full", action="store_true", help="a cold indexing run on x10 too")
    parser.add_argument("--out", help="write the raw figures as JSON to this file")
    parser.add_argument("--sample", type=int, default=0,
                        help="development: only the first N Reuters records (x10 kept in --work)")
    parser.add_argument("--no-build", action="store_true",
                        help="(scripts/bench) use the existing target/release/briefs")
    return parser.parse_args()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "fts5-index-child":
        fts5_index_child(sys.argv[2], sys.argv[3])
        return
    if sys.version_info < (3, 11):
        raise SystemExit("bench: needs Python 3.11 or later")
    args = parse_args()
    started = time.perf_counter()
    tools = {"briefs": os.path.abspath(args.bin), "tantivy": shutil.which("tantivy")}
    if not tools["tantivy"]:
        log("tantivy-cli: `tantivy` not found on PATH, skipped")
    queries = read_queries(QUERIES_FILE)

    reuters = args.reuters
    scaled = os.path.join(args.cache, f"reuters-x{SCALE}.jsonl")
    label = "Reuters-21578"
    if args.sample:
        reuters = os.path.join(args.work, f"sample-{args.sample}.jsonl")
        write_sample(args.reuters, reuters, args.sample)
        scaled = os.path.join(args.work, f"sample-{args.sample}-x{SCALE}.jsonl")
        label = f"Reuters sample of {args.sample}"
    if not args.quick and not os.path.exists(scaled):
        build_scaled(reuters, scaled, SCALE)

    results = {
        "machine": machine_info(),
        "versions": {"briefs": tool_version([tools["briefs"], "--version"]),
                     "tantivy": tool_version([tools["tantivy"], "--version"])
                     if tools["tantivy"] else None},
        "options": {"quick": args.quick, "full": args.full, "sample": args.sample,
                    "index_rounds": INDEX_ROUNDS, "query_rounds": QUERY_ROUNDS,
                    "query_runs_per_round": QUERY_RUNS_PER_ROUND,
                    "cold_pause_s": COLD_PAUSE_S, "limit": LIMIT},
        "queries": queries,
        "corpora": {},
    }
    results["corpora"]["x1"] = measure_corpus("x1", reuters, INDEX_ROUNDS, tools, args.work,
                                              queries, cold=True)
    results["corpora"]["x1"]["label"] = label
    if not args.quick:
        corpus = measure_corpus(f"x{SCALE}", scaled, INDEX_ROUNDS, tools, args.work, queries,
                                cold=args.full)
        corpus["label"] = f"{label} x{SCALE}"
        results["corpora"]["x10"] = corpus
    results["benchmark_wall_s"] = time.perf_counter() - started

    engines = [("briefs", "briefs"), ("fts5", "FTS5")]
    if tools["tantivy"]:
        engines.append(("tantivy", "tantivy-cli"))
    print()
    print_table(results, engines)
    print_notes(results, engines)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1, ensure_ascii=False)
            f.write("\n")
        log(f"raw figures written to {args.out}")


if __name__ == "__main__":
    main()
