"""Peak memory of `briefs index` under `--memory` budgets, on Reuters copies.

    python3 scripts/bench_memory.py --bin BRIEFS --reuters FULL.STR --cache DIR
        [--scales 10,30] [--budgets 64,128,256] [--runs 1] [--out FILE]

For each scale N it indexes `reuters-xN.jsonl` (N copies of every Reuters
story with fresh ids, built once into the cache by bench.py's build_scaled)
from scratch into a temporary folder, once per budget, budgets interleaved
within each round. Peak RSS is the child's own ru_maxrss (os.wait4); the
anonymous and file-backed parts are the highest RssAnon and RssFile seen by
sampling /proc/PID/status every 20 ms (a sampled peak may miss a short
spike; ru_maxrss cannot). Only the Python 3 standard library is used.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (build_scaled, log)


def sample_status(pid, peaks, stop):
    keys = ("VmRSS", "RssAnon", "RssFile", "RssShmem")
    while not stop.is_set():
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    key = line.split(":", 1)[0]
                    if key in keys:
                        kib = int(line.split()[1])
                        peaks[key] = max(peaks.get(key, 0), kib)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            return
        time.sleep(0.02)


def index_once(bin_, corpus, budget, work):
    index_dir = os.path.join(work, f"idx-{budget}")
    shutil.rmtree(index_dir, ignore_errors=True)
    cmd = [bin_, "index", corpus, "--index", index_dir, "--memory", str(budget)]
    peaks = {}
    stop = threading.Event()
    with open(os.path.join(work, "stderr.txt"), "wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        sampler = threading.Thread(target=sample_status, args=(child.pid, peaks, stop))
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
    code = os.waitstatus_to_exitcode(status)
    with open(os.path.join(work, "stderr.txt"), encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    if code != 0:
        raise SystemExit(f"briefs index failed ({code}): {stderr}")
    shutil.rmtree(index_dir, ignore_errors=True)
    return {
        "budget_mb": budget,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "anon_peak_mb": peaks.get("RssAnon", 0) / 1024,
        "file_peak_mb": peaks.get("RssFile", 0) / 1024,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "summary": stderr.strip().splitlines()[:4],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--reuters", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--scales", default="10,30")
    parser.add_argument("--budgets", default="64,128,256")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    budgets = [int(b) for b in args.budgets.split(",")]
    results = []
    work = tempfile.mkdtemp(prefix="briefs-memory-")
    try:
        for scale in scales:
            corpus = os.path.join(args.cache, f"reuters-x{scale}.jsonl")
            if not os.path.exists(corpus):
                bench.build_scaled(args.reuters, corpus, scale)
            size_mb = os.path.getsize(corpus) / 1e6
            for run in range(args.runs):
                for budget in budgets:
                    r = index_once(args.bin, corpus, budget, work)
                    r.update(scale=scale, corpus_mb=size_mb, run=run)
                    results.append(r)
                    print(
                        f"x{scale} ({size_mb:.1f} MB) --memory {budget}: peak RSS "
                        f"{r['peak_rss_mb']:.0f} MB (anon {r['anon_peak_mb']:.0f}, "
                        f"file {r['file_peak_mb']:.0f}), {r['wall_s']:.1f} s wall, "
                        f"{r['cpu_s']:.1f} s CPU",
                        flush=True,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print("| corpus | --memory | peak RSS | over the budget | anonymous (sampled) | file-backed (sampled) | wall |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| Reuters x{r['scale']} ({r['corpus_mb']:.0f} MB) | {r['budget_mb']} MB | "
            f"{r['peak_rss_mb']:.0f} MB | {r['peak_rss_mb'] - r['budget_mb']:+.0f} MB | "
            f"{r['anon_peak_mb']:.0f} MB | {r['file_peak_mb']:.0f} MB | {r['wall_s']:.1f} s |"
        )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
