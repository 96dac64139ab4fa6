"""The Evaluator: what an algorithm gets to work on.

Through it an algorithm spends budget (`evaluate`), queries cheap objectives for free
(`evaluate_cheap`), reads the problem's description (`problem`, read-only: variables, bounds,
objectives, objective space; an algorithm never calls `problem.evaluate` itself) and records what it
wants to about itself (`telemetry`). It counts the budget in true evaluations (every genome an
algorithm asks to evaluate counts, cache hit or not), serves repeated genomes from the shared cache,
records every evaluation and keeps the running front. Once the budget is spent it raises
`BudgetExhausted`, which stops any algorithm cleanly; a batch that straddles the budget is cut at
the budget and recorded.

Commits: an expensive problem's evaluations are computed one at a time (or by a pool of worker
processes) and each is committed as soon as it and those before it are done: the cache at once,
the record and the front in evaluation order. A kill loses only the evaluations in progress.
Resume: given the evaluations an earlier session recorded (`replay`), the evaluator answers the
algorithm's first requests from them, checking that it asks for the same genomes in the same
batches, without evaluating anything: the budget already spent is not spent again.
"""

from __future__ import annotations

import time
from typing import Iterator

import numpy as np

from hamp_bench.cache import EvaluationCache
from hamp_bench.errors import BudgetExhausted, RecordError
from hamp_bench.hashing import genome_key
from hamp_bench.pareto import FrontTracker, violation
from hamp_bench.problem import Problem
from hamp_bench.progress import Progress
from hamp_bench.run_record import EvaluationLog, RecordedEvaluations, render_lines
from hamp_bench.signals import signals_deferred
from hamp_bench.telemetry import Telemetry


class Evaluator:
    def __init__(
        self,
        problem: Problem,
        budget: int,
        *,
        log: EvaluationLog | None = None,
        cache: EvaluationCache | None = None,  # or a FileEvaluationCache: the same interface
        progress: Progress | None = None,
        telemetry: Telemetry | None = None,
        replay: RecordedEvaluations | None = None,
        pool=None,
    ):
        self._problem = problem
        self.budget = int(budget)
        self.telemetry = telemetry if telemetry is not None else Telemetry()
        self.log, self.cache, self.progress = log, cache, progress
        self.replay, self.pool = replay, pool
        self.used = 0
        self.cache_hits = 0
        self.replayed = 0  # evaluations answered from an earlier session's record
        self.n_batches = 0
        self.front = FrontTracker(problem.n_var, problem.n_obj)
        problem.retain(self.front.X)  # this evaluator tracks the front: the problem may keep
        self._fingerprint = problem.fingerprint() if cache is not None else ""

    @property
    def problem(self) -> Problem:
        """The problem being optimised, to read (bounds, objectives, space); evaluating it goes
        through `evaluate` / `evaluate_cheap`, which count and record."""
        return self._problem

    @property
    def remaining(self) -> int:
        return self.budget - self.used

    def evaluate(self, X) -> np.ndarray:
        """Objectives of a batch of genomes in minimisation form, spending budget."""
        return self.evaluate_constrained(X)[0]

    def evaluate_constrained(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Objectives (minimisation form) and constraint values (n, n_con; g <= 0 feasible)
        of a batch of genomes, spending budget."""
        if self.remaining <= 0:
            raise BudgetExhausted
        X = self.problem.check_genome(X)
        take = X[: self.remaining]
        F = np.empty((len(take), self.problem.n_obj))
        G = np.empty((len(take), self.problem.n_con))
        done = self._replay(take, F, G)
        if done < len(take):
            self._evaluate_new(take[done:], F[done:], G[done:])
        self.n_batches += 1
        if self.progress is not None:
            self.progress.update(self.used, len(self.front), self.replayed)
        if len(take) < len(X):
            raise BudgetExhausted
        return self.problem.to_min(F), G

    def evaluate_cheap(self, X) -> np.ndarray:
        """Cheap objectives (minimisation form) without spending budget."""
        return self.problem.evaluate_cheap(X) * self.problem.space.sign[self.problem.cheap_mask]

    def test_scores(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """The problem's held-out test scores of genomes, through the cache where there is one
        (a re-run or a resume re-scores its front for free)."""
        X = self.problem.check_genome(X)
        if self.cache is None or not len(X):
            return self.problem.test_scores(X)
        keys = [genome_key(self._fingerprint + ":test", x) for x in X]
        found = self.cache.get_many(keys)
        miss = [i for i, k in enumerate(keys) if k not in found]
        if miss:
            scores = self.problem.test_scores(X[miss])
            if not scores:  # nothing to re-score (e.g. a surrogate without rescore): cache none
                return {}
            for j, i in enumerate(miss):
                found[keys[i]] = {name: np.asarray(v)[j].item() for name, v in scores.items()}
                self.cache.put_many({keys[i]: found[keys[i]]})
        names = list(found[keys[0]])
        return {name: np.array([found[k][name] for k in keys]) for name in names}

    # -- internals ---------------------------------------------------------------------------
    def _replay(self, take: np.ndarray, F: np.ndarray, G: np.ndarray) -> int:
        """Answer the start of a batch from the recorded evaluations; returns how many."""
        rec = self.replay
        if rec is None or self.used >= len(rec):
            return 0
        k = min(len(take), len(rec) - self.used)
        sl = slice(self.used, self.used + k)
        same_genome = (take[:k] == rec.X[sl]).all(axis=1)
        same_batch = rec.batch[sl] == self.n_batches
        if not (same_genome.all() and same_batch.all()):
            i = int(np.flatnonzero(~(same_genome & same_batch))[0])
            raise RecordError(
                f"cannot resume: at evaluation {self.used + i} the algorithm asked for genome "
                f"{take[i].tolist()[:8]} in batch {self.n_batches}, where the record holds "
                f"{rec.X[self.used + i].tolist()[:8]} in batch {int(rec.batch[self.used + i])}; "
                "the algorithm or the suite changed since the record was written, or the "
                "algorithm is not deterministic under its seed. Start afresh: resume=false, or "
                "another hydra.run.dir"
            )
        F[:k], G[:k] = rec.F[sl], rec.G[sl]
        with signals_deferred():
            ids = np.arange(self.used, self.used + k)
            self.front.add(
                take[:k], self.problem.to_min(F[:k]), ids, rec.lines[sl], violation(G[:k])
            )
            self.problem.retain(self.front.X)
            self.used += k
            self.replayed += k
        return k

    def _evaluate_new(self, X: np.ndarray, F: np.ndarray, G: np.ndarray) -> None:
        """Evaluate (or look up) genomes, committing each finished prefix in order."""
        n, names = len(X), self.problem.extra_names
        extras = {name: np.empty(n, dtype=object) for name in names}
        cached, wall = np.zeros(n, dtype=bool), np.zeros(n)
        ready = np.zeros(n, dtype=bool)
        keys: list[str] = []
        if self.cache is not None:
            t = time.perf_counter()
            keys = [genome_key(self._fingerprint, x) for x in X]
            found = self.cache.get_many(keys)
            for i, k in enumerate(keys):
                if k in found:
                    F[i] = found[k]["F"]
                    G[i] = found[k].get("G", [])
                    for name in names:
                        extras[name][i] = found[k]["extras"][name]
                    cached[i] = ready[i] = True
            wall[:] = (time.perf_counter() - t) / n
            self.cache_hits += int(cached.sum())
        committed = 0
        for rows, F_rows, G_rows, extras_rows, wall_rows, hit in self._compute(
            X, np.flatnonzero(~cached), keys
        ):
            F[rows], G[rows], wall[rows] = F_rows, G_rows, wall_rows
            ready[rows], cached[rows] = True, hit
            for name in names:
                extras[name][rows] = extras_rows[name]
            if keys and not hit:
                self.cache.put_many({keys[i]: self._entry(F, G, extras, i) for i in rows})
            self.cache_hits += len(rows) if hit else 0
            upto = committed + int(np.argmin(np.append(ready[committed:], False)))
            if upto > committed:
                self._commit(X, F, G, cached, wall, extras, committed, upto)
                committed = upto
        if committed < n:
            self._commit(X, F, G, cached, wall, extras, committed, n)

    def _entry(self, F: np.ndarray, G: np.ndarray, extras: dict, i: int) -> dict:
        """The cache entry of row i (an unconstrained problem's entry has no constraints)."""
        entry = {"F": F[i].tolist(), "extras": {k: extras[k][i] for k in extras}}
        if self.problem.n_con:
            entry["G"] = G[i].tolist()
        return entry

    def _compute(self, X: np.ndarray, miss: np.ndarray, keys: list[str]) -> Iterator[tuple]:
        """Blocks (rows, objectives, constraints, extras by name, seconds per row, from_cache)
        of the missing
        rows, as each finishes: one block for a cheap, vectorised problem; a row at a time for
        an expensive one, by the pool or here.

        With a shared cache, an expensive row is claimed before it is computed; a row that
        another process is computing now is waited for (and then read from the cache)."""
        if not len(miss):
            return
        if not self.problem.expensive:
            yield self._evaluate_rows(X, list(miss))
            return
        deferred: list[int] = []

        def claimed(i: int) -> bool:  # claimed when about to be computed, not long before
            if keys and not self.cache.claim(keys[i]):
                deferred.append(i)
                return False
            return True

        if self.pool is not None:
            for i, F_i, G_i, extras_i, seconds, hit in self.pool.evaluate(
                X, [i for i in miss if claimed(i)]
            ):
                extras_i = {k: [v] for k, v in extras_i.items()}
                yield [i], F_i[None], G_i[None], extras_i, seconds, hit
        else:
            for i in miss:
                if claimed(i):
                    yield self._evaluate_rows(X, [i])
        for i in deferred:
            t = time.perf_counter()
            found = self._wait_for(keys[i])
            if found is not None:
                extras_i = {k: [v] for k, v in found["extras"].items()}
                yield (
                    [i],
                    np.asarray([found["F"]], dtype=float),
                    np.asarray([found.get("G", [])], dtype=float),
                    extras_i,
                    time.perf_counter() - t,
                    True,
                )
            else:  # the other process gave up on it
                self.cache.claim(keys[i])
                yield self._evaluate_rows(X, [i])

    def _evaluate_rows(self, X: np.ndarray, rows: list[int]) -> tuple:
        t = time.perf_counter()
        ev = self.problem.evaluate(X[rows])
        seconds = (time.perf_counter() - t) / len(rows)
        extras = {k: np.asarray(v).tolist() for k, v in ev.extras.items()}
        return rows, ev.F, ev.G, extras, seconds, False

    def _wait_for(self, key: str, poll_s: float = 0.2) -> dict | None:
        """The entry another process is computing, once it lands; None if it gives up."""
        while True:
            found = self.cache.get_many([key])
            if found:
                return found[key]
            if not self.cache.claimed_elsewhere(key):
                return self.cache.get_many([key]).get(key)  # it may have landed just now
            time.sleep(poll_s)

    def _commit(self, X, F, G, cached, wall, extras, start: int, stop: int) -> None:
        """Record rows [start, stop) of the batch being evaluated, and add them to the front."""
        sl = slice(start, stop)
        ids = np.arange(self.used, self.used + stop - start)
        with signals_deferred():  # record, front and counters change together or not at all
            lines = None
            if self.log is not None:
                cols = [np.array(extras[name][sl].tolist()) for name in self.problem.extra_names]
                lines = render_lines(
                    ids, self.n_batches, X[sl], np.c_[F[sl], G[sl]], cached[sl], wall[sl], cols
                )
                self.log.commit(lines, now=self.problem.expensive)
            self.front.add(X[sl], self.problem.to_min(F[sl]), ids, lines, violation(G[sl]))
            self.problem.retain(self.front.X)
            self.used += stop - start
