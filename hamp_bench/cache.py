"""A content-addressed evaluation cache shared by runs and processes (sqlite in WAL mode).

Keys are hashes of (problem fingerprint, genome); values are the exact objective and extra
values that the problem returned, stored as JSON (float repr round-trips exactly). A hit saves
wall time only: the evaluator still counts it against the budget, so trajectories and budget
accounting are the same with or without the cache.

Many processes on one machine share it (sweep cells under joblib, worker pools): WAL mode lets
readers and one writer work at once, every write is one short transaction (an entry lands
whole or not at all) and a busy database is waited for and retried, never reported as "locked".
A process about to compute an entry claims it first, so that another process asking for the
same genome waits for that result instead of computing it twice. WAL needs shared memory
between the processes, so the file must sit on a local filesystem (docs/records.md says why
and what to do on a cluster). A damaged file is named and set aside, and the run goes on with a
fresh cache.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from hamp_bench.errors import ConfigError, DataError

log = logging.getLogger("hamp_bench")
T = TypeVar("T")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS evaluations (key TEXT PRIMARY KEY, payload TEXT NOT NULL)",
    # who is computing an entry now (owner: host:pid), so that others wait instead of repeating
    "CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT NOT NULL, at REAL)",
)
#: how long an unanswered claim of a process on another machine is honoured (one that died holding
#: it frees it then; one still computing past it is only computed twice). On this machine a claim
#: of a process that is gone, or of an earlier session of the same run, is void at once.
CLAIM_TTL_S = 600.0
_RETRIES = 50  # busy/locked answers retried (on top of sqlite's own busy timeout)


class EvaluationCache:
    def __init__(self, directory: str | Path, *, run: str = "", busy_timeout_s: float = 60.0):
        """`run` names the run using the cache (its folder): claims left by a killed session of
        the same run do not hold up its resume."""
        self.path = Path(directory).expanduser() / "evaluations.sqlite"
        self.run = run
        self.owner = owner_id(run)
        self._claimed: set[str] = set()
        self._busy_timeout_s = busy_timeout_s
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            found = _inode(self.path)  # the file this process finds (and may judge corrupt)
            self._db = self._open()
        except sqlite3.DatabaseError as e:
            if not _is_corrupt(e):
                raise self._unusable(e) from e
            self._set_aside(e, found)
            self._db = self._open()
        except OSError as e:
            raise self._unusable(e) from e

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self._busy_timeout_s, isolation_level=None)
        try:
            self._retry(lambda: db.execute("PRAGMA journal_mode=WAL"))
            for statement in _SCHEMA:
                self._retry(lambda s=statement: db.execute(s))
            problems = [row[0] for row in db.execute("PRAGMA quick_check(1)")]
        except BaseException:
            db.close()
            raise
        if problems != ["ok"]:  # the first problem found, on one line
            db.close()
            raise sqlite3.DatabaseError("malformed: " + str(problems[0]).splitlines()[0])
        return db

    def _unusable(self, e: Exception) -> ConfigError:
        return ConfigError(
            f"the evaluation cache at {self.path} cannot be used ({e}); set cache.dir to a "
            "writable folder on a local disk (or HAMP_BENCH_CACHE_DIR), or cache.enabled=false"
        )

    def _set_aside(self, e: Exception, found: int | None) -> None:
        """Move a damaged cache file (and its WAL) aside, named, so that nobody trusts it;
        unless another process already did and put a fresh one there (another inode)."""
        if _inode(self.path) != found:
            return
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{os.getpid()}")
        for suffix in ("", "-wal", "-shm"):
            try:
                os.replace(Path(str(self.path) + suffix), Path(str(aside) + suffix))
            except FileNotFoundError:  # no such part, or another process moved it just now
                pass
        log.warning(
            "the evaluation cache at %s is corrupt (%s); it was moved to %s and this run goes "
            "on with a fresh cache (a cache only saves time)",
            self.path,
            str(e).splitlines()[0],
            aside,
        )

    def _retry(self, op: Callable[[], T]) -> T:
        """Run op, waiting out busy/locked answers (other processes writing), with backoff."""
        for attempt in range(_RETRIES):
            try:
                return op()
            except sqlite3.OperationalError as e:
                text = str(e)
                if ("locked" not in text and "busy" not in text) or attempt == _RETRIES - 1:
                    raise
                time.sleep(min(0.01 * 2**attempt, 1.0))
        raise AssertionError("unreachable")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """sqlite errors as user errors: a damaged file is named as corrupt (with what to do),
        anything else (a read-only folder, a full disk) as a folder to fix."""
        try:
            yield
        except sqlite3.DatabaseError as e:
            if not _is_corrupt(e):
                raise self._unusable(e) from e
            raise DataError(
                f"the evaluation cache at {self.path} became corrupt during the run ({e}); the "
                "record is kept and can be continued: move the cache aside (mv "
                f"{self.path} {self.path}.corrupt) and run the same command again, or run "
                "with cache.enabled=false"
            ) from e

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        with self._guard():
            for start in range(0, len(keys), 500):  # sqlite caps the number of bound parameters
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT key, payload FROM evaluations WHERE key IN ({marks})"
                rows = self._retry(lambda s=sql, c=chunk: self._db.execute(s, c).fetchall())
                for k, p in rows:
                    try:
                        found[k] = json.loads(p)
                    except ValueError:  # a damaged entry: never trusted, dropped, recomputed
                        log.warning("dropping a damaged entry %s of %s", k[:12], self.path)
                        self._retry(
                            lambda k=k: self._db.execute(
                                "DELETE FROM evaluations WHERE key=?", (k,)
                            )
                        )
        return found

    def put_many(self, items: dict[str, dict]) -> None:
        """Store entries in one transaction (all land or none) and release their claims."""
        rows = [(k, json.dumps(v)) for k, v in items.items()]

        def write() -> None:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR REPLACE INTO evaluations (key, payload) VALUES (?, ?)", rows
                )
                self._db.executemany("DELETE FROM claims WHERE key=?", [(k,) for k in items])

        with self._guard():
            self._retry(write)
        self._claimed.difference_update(items)

    def claim(self, key: str) -> bool:
        """Whether this process may compute `key` now: True once it holds the claim (or the
        entry's earlier claim went stale), False while another process computes it or once the
        entry has landed (since the caller looked it up)."""

        def take() -> bool:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                if self._db.execute("SELECT 1 FROM evaluations WHERE key=?", (key,)).fetchone():
                    return False
                row = self._db.execute(
                    "SELECT owner, at FROM claims WHERE key=?", (key,)
                ).fetchone()
                if row is not None and self._live(*row):
                    return False
                self._db.execute(
                    "INSERT OR REPLACE INTO claims (key, owner, at) VALUES (?, ?, ?)",
                    (key, self.owner, time.time()),
                )
                return True

        with self._guard():
            got = self._retry(take)
        if got:
            self._claimed.add(key)
        return got

    def claimed_elsewhere(self, key: str) -> bool:
        """Whether another process still holds a live claim on `key`."""
        with self._guard():
            row = self._retry(
                lambda: self._db.execute(
                    "SELECT owner, at FROM claims WHERE key=?", (key,)
                ).fetchone()
            )
        return row is not None and self._live(*row)

    def _live(self, owner: str, at: float) -> bool:
        return claim_binds(owner, at, self.owner, self.run)

    def release_claims(self) -> None:
        """Drop the claims this process still holds (its run ended before computing them)."""
        if not self._claimed:
            return
        keys = [(k,) for k in self._claimed]
        with self._guard():
            self._retry(
                lambda: self._db.executemany(
                    "DELETE FROM claims WHERE key=? AND owner=?", [(k, self.owner) for (k,) in keys]
                )
            )
        self._claimed.clear()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0]

    def integrity(self) -> str:
        """sqlite's full `PRAGMA integrity_check` ("ok" when sound)."""
        return "; ".join(row[0] for row in self._db.execute("PRAGMA integrity_check"))

    def close(self) -> None:
        try:
            self.release_claims()
        finally:
            self._db.close()


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def owner_id(run: str) -> str:
    """Who holds a claim: this machine, this process and the run (its folder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{run}"


def claim_binds(owner: str, at: float, me: str, my_run: str) -> bool:
    """Whether a claim (by `owner`, made at time `at`) binds process `me` of run `my_run`:
    another process's, of another run, alive (checked on this machine), and not too old."""
    host, pid, run = (owner.split(":", 2) + ["", ""])[:3]
    if owner == me or (my_run and run == my_run):
        return False
    if host == socket.gethostname():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False  # it died holding the claim
        except (PermissionError, ValueError):
            pass
    return time.time() - at < CLAIM_TTL_S


def _is_corrupt(e: sqlite3.DatabaseError) -> bool:
    text = str(e)
    return (
        not isinstance(e, sqlite3.OperationalError)
        or "malformed" in text
        or ("not a database" in text)
    )
