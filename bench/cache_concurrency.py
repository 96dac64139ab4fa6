"""Concurrent writers on one evaluation cache: P processes work through the same K genomes in
their own random orders, each as the evaluator does (look up; else claim, "evaluate" for a few
milliseconds, store; else wait for the process that claimed it). Counts errors, lost entries,
wrong values and duplicated evaluations, then runs sqlite's full integrity check.

Both backends: the SQLite file (cache.backend=sqlite) and a file per entry (cache.backend=files).

    python bench/cache_concurrency.py [--processes 4] [--keys 400] [--work-ms 5]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import tempfile
import time
from pathlib import Path

from hamp_bench.cache import EvaluationCache
from hamp_bench.file_cache import FileEvaluationCache

BACKENDS = {"sqlite": EvaluationCache, "files": FileEvaluationCache}


def value(key: str) -> dict:
    return {"F": [int(key[1:]) * 0.1, 1.0 / (1 + int(key[1:]))], "extras": {"macs": int(key[1:])}}


def worker(
    backend: str, folder: str, keys: list[str], seed: int, work_s: float, claims: bool, out
) -> None:
    counts = {"computed": 0, "hits": 0, "waited": 0, "errors": 0}
    order = keys[:]
    random.Random(seed).shuffle(order)
    cache = BACKENDS[backend](folder)
    for key in order:
        try:
            if cache.get_many([key]):
                counts["hits"] += 1
            elif not claims or cache.claim(key):
                time.sleep(work_s)  # the evaluation
                cache.put_many({key: value(key)})
                counts["computed"] += 1
            else:
                while not cache.get_many([key]) and cache.claimed_elsewhere(key):
                    time.sleep(0.002)
                counts["waited"] += 1
        except Exception as e:  # counted, not raised: the figure is how many
            counts["errors"] += 1
            print(f"error: {type(e).__name__}: {e}")
    cache.close()
    out.put(counts)


def trial(backend: str, processes: int, n_keys: int, work_s: float, claims: bool) -> None:
    keys = [f"k{i}" for i in range(n_keys)]
    with tempfile.TemporaryDirectory() as folder:
        BACKENDS[backend](folder).close()
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        procs = [
            ctx.Process(target=worker, args=(backend, folder, keys, seed, work_s, claims, out))
            for seed in range(processes)
        ]
        t = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get() for _ in procs]
        for p in procs:
            p.join()
        wall = time.perf_counter() - t
        cache = BACKENDS[backend](Path(folder))
        stored = cache.get_many(keys)
        wrong = sum(stored[k] != value(k) for k in stored)
        integrity = cache.integrity()
        cache.close()
    total = {k: sum(r[k] for r in results) for k in results[0]}
    print(
        f"{backend:6s} claims={'on ' if claims else 'off'} processes={processes} keys={n_keys}: "
        f"errors={total['errors']} lost={n_keys - len(stored)} wrong={wrong} "
        f"computed={total['computed']} (duplicated {total['computed'] - n_keys}) "
        f"hits={total['hits']} waited={total['waited']} integrity_check={integrity} "
        f"wall={wall:.1f}s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--keys", type=int, default=400)
    ap.add_argument("--work-ms", type=float, default=5.0)
    a = ap.parse_args()
    for backend in BACKENDS:
        for claims in (True, False):
            trial(backend, a.processes, a.keys, a.work_ms / 1000, claims)


if __name__ == "__main__":
    main()
