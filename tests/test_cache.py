"""The shared evaluation cache under concurrent processes: no errors, no lost or wrong entries,
claims that make a process wait instead of evaluating twice, and a sound file afterwards."""

import multiprocessing as mp
import random
import time

import pytest

from hamp_bench.cache import EvaluationCache
from hamp_bench.file_cache import FileEvaluationCache

BACKENDS = {"sqlite": EvaluationCache, "files": FileEvaluationCache}


def _value(key: str) -> dict:
    return {"F": [int(key[1:]) * 0.1], "extras": {"n": int(key[1:])}}


def _worker(backend: str, folder: str, keys: list[str], seed: int, out) -> None:
    """What the evaluator does per genome: look up, else claim-evaluate-store, else wait."""
    computed, errors = 0, []
    order = keys[:]
    random.Random(seed).shuffle(order)
    cache = BACKENDS[backend](folder)
    for key in order:
        try:
            if cache.get_many([key]):
                continue
            if cache.claim(key):
                time.sleep(0.002)
                cache.put_many({key: _value(key)})
                computed += 1
            else:
                while not cache.get_many([key]) and cache.claimed_elsewhere(key):
                    time.sleep(0.002)
        except Exception as e:
            errors.append(repr(e))
    cache.close()
    out.put((computed, errors))


@pytest.mark.parametrize("backend", BACKENDS)
def test_four_concurrent_writers_lose_nothing_and_repeat_nothing(tmp_path, backend):
    keys = [f"k{i}" for i in range(150)]
    BACKENDS[backend](tmp_path).close()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(backend, str(tmp_path), keys, s, out)) for s in range(4)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [e for _, e in results] == [[]] * 4  # no "database is locked", nothing else
    assert sum(c for c, _ in results) == len(keys)  # each evaluated once, by one process
    cache = BACKENDS[backend](tmp_path)
    assert cache.get_many(keys) == {k: _value(k) for k in keys}
    assert cache.integrity() == "ok"
    cache.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_shared_cache_claim_makes_another_process_wait_not_repeat(tmp_path, backend):
    a, b = BACKENDS[backend](tmp_path), BACKENDS[backend](tmp_path)
    b.owner = "elsewhere:1:"  # as a process on another machine would be
    assert a.claim("k") and not b.claim("k") and b.claimed_elsewhere("k")
    a.put_many({"k": {"F": [0.5], "extras": {}}})  # landing releases the claim
    assert not b.claimed_elsewhere("k") and b.get_many(["k"]) == {"k": {"F": [0.5], "extras": {}}}
    assert b.claim("j") and not a.claim("j")
    b.close()  # a process that ends releases the claims it still holds
    assert a.claim("j")
    a.close()


def test_claims_of_a_dead_process_or_of_the_same_run_do_not_hold_a_resume_up(tmp_path):
    import socket
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    a = EvaluationCache(tmp_path, run="/runs/one")
    a._db.execute(
        "INSERT INTO claims VALUES ('x', ?, ?), ('y', 'node7:1:/runs/one', ?),"
        " ('z', 'node7:1:/runs/two', ?)",
        (f"{socket.gethostname()}:{dead}:/runs/other", time.time(), time.time(), time.time()),
    )
    assert not a.claimed_elsewhere("x")  # its process is gone (SIGKILL)
    assert not a.claimed_elsewhere("y")  # an earlier, killed session of this very run
    assert a.claimed_elsewhere("z")  # another run on another machine: honoured
    assert a.claim("x") and a.claim("y") and not a.claim("z")
    a.close()


def test_a_damaged_file_entry_is_set_aside_not_trusted(tmp_path, caplog):
    cache = FileEvaluationCache(tmp_path)
    cache.put_many({"ab12": {"F": [1.0], "extras": {}}, "cd34": {"F": [2.0], "extras": {}}})
    entry = cache._entry("ab12")
    entry.write_text(entry.read_text().replace("1.0", "1.5"))  # bit rot: checksum mismatch
    assert cache.get_many(["ab12", "cd34"]) == {"cd34": {"F": [2.0], "extras": {}}}
    assert entry.with_name(entry.name + ".corrupt").exists() and not entry.exists()
    assert "damaged cache entry" in caplog.text and str(entry) in caplog.text


def test_a_pruning_run_on_the_files_cache_equals_one_on_sqlite(tmp_path):
    from conftest import read_evaluations, run_cell

    args = ("algorithm=random", "problem=tiny_synthetic", "budget=6")
    for backend in BACKENDS:
        run_cell(tmp_path / backend, *args, f"cache.backend={backend}", f"cache.dir={tmp_path}/c")
        again = run_cell(
            tmp_path / f"{backend}2", *args, f"cache.backend={backend}", f"cache.dir={tmp_path}/c"
        )
        assert again.evaluator.cache_hits == 6
    a, b = (read_evaluations(tmp_path / d).drop(columns=["wall_s"]) for d in ("sqlite", "files2"))
    assert a.drop(columns=["cached"]).equals(b.drop(columns=["cached"])) and b["cached"].all()


def test_the_evaluator_waits_for_a_genome_another_process_is_computing(tmp_path):
    """The evaluator's own claim-and-wait path: a genome claimed elsewhere is evaluated last,
    waited for, and taken from the cache (cached=True) without being computed here."""
    import threading

    import numpy as np

    from hamp_bench.evaluator import Evaluator
    from hamp_bench.hashing import genome_key
    from hamp_bench.problem import Evaluation, Objective, Problem

    class Slow(Problem):
        name, n_var, var_type, expensive = "slow", 1, "int", True
        xl, xu = np.zeros(1), np.full(1, 9)
        objectives = (Objective("a"), Objective("b"))
        ideal, nadir = np.zeros(2), np.full(2, 10.0)
        computed: list = []

        def config(self):
            return {}

        def _evaluate(self, X):
            self.computed.extend(X[:, 0].tolist())
            return Evaluation(np.c_[X[:, 0], 9 - X[:, 0]].astype(float))

    problem = Slow()
    cache = EvaluationCache(tmp_path, run="/runs/mine")
    key = genome_key(problem.fingerprint(), np.array([4], dtype=np.int64))
    other = EvaluationCache(tmp_path)
    other.owner = "node7:1:/runs/other"  # another machine's job holds genome 4
    assert other.claim(key)
    owner = other.owner

    def lands() -> None:  # the other job finishes half a second later
        later = EvaluationCache(tmp_path)  # (a connection of its own: another thread)
        later.owner = owner
        later.put_many({key: {"F": [4.0, 5.0], "extras": {}}})
        later._db.close()

    threading.Timer(0.5, lands).start()
    ev = Evaluator(problem, budget=3, cache=cache)
    F = ev.evaluate(np.array([[4], [1], [2]]))
    assert problem.computed == [1, 2]  # 4 came from the other process, after the others
    assert F.tolist() == [[4.0, 5.0], [1.0, 8.0], [2.0, 7.0]] and ev.cache_hits == 1
    cache.close()
