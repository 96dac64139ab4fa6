"""A content-addressed evaluation cache shared by runs (sqlite, safe for parallel jobs).

Keys are hashes of (problem fingerprint, genome); values are the exact objective and extra
values that the problem returned, stored as JSON (float repr round-trips exactly). A hit saves
wall time only: the evaluator still counts it against the budget, so trajectories and budget
accounting are the same with or without the cache.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from hamp_bench.errors import ConfigError, DataError

_SCHEMA = "CREATE TABLE IF NOT EXISTS evaluations (key TEXT PRIMARY KEY, payload TEXT NOT NULL)"


class EvaluationCache:
    def __init__(self, directory: str | Path):
        self.path = Path(directory).expanduser() / "evaluations.sqlite"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(
                f"cannot open the evaluation cache at {self.path}: {e}; set cache.dir to a "
                "writable folder (or HAMP_BENCH_CACHE_DIR), or cache.enabled=false"
            ) from e
        with self._guard():
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            problems = [row[0] for row in self._db.execute("PRAGMA quick_check(1)")]
            if problems != ["ok"]:  # the first problem found, on one line
                raise sqlite3.DatabaseError(str(problems[0]).splitlines()[0])

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """sqlite errors as user errors: a damaged file is named as corrupt (with what to do),
        anything else (a read-only folder, a full disk) as a folder to fix."""
        try:
            yield
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and "malformed" not in str(e):
                raise ConfigError(
                    f"the evaluation cache at {self.path} cannot be used ({e}); set cache.dir to "
                    "a writable folder (or HAMP_BENCH_CACHE_DIR), or cache.enabled=false"
                ) from e
            raise DataError(
                f"the evaluation cache at {self.path} is corrupt ({e}); it only saves time, so "
                f"move it aside (mv {self.path} {self.path}.corrupt) or delete it and run again, "
                "or run with cache.enabled=false"
            ) from e

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        with self._guard():
            for start in range(0, len(keys), 500):  # sqlite caps the number of bound parameters
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, payload FROM evaluations WHERE key IN ({marks})", chunk
                )
                found.update((k, json.loads(p)) for k, p in rows)
        return found

    def put_many(self, items: dict[str, dict]) -> None:
        """Store entries in one transaction: either all land or none (no partial entry)."""
        with self._guard(), self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO evaluations (key, payload) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in items.items()],
            )

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0]

    def close(self) -> None:
        self._db.close()
