"""The evaluation cache as one file per entry (`cache.backend=files`), for a cluster's shared
network filesystem (NFS, Lustre, GPFS), where SQLite's WAL mode cannot work.

It relies only on what those filesystems do atomically: a rename within a folder (an entry is
written to a temporary file and renamed into place, so it appears whole or not at all) and a
hard link that fails where the name exists (a claim is written aside and linked into place, so
two jobs cannot both hold one, and nobody reads a half-written claim).
Each entry carries the sha256 of its content: a damaged entry is named, set aside as
`<key>.json.corrupt` and recomputed, never trusted. Same interface and same claim rules as the
SQLite cache (hamp_bench/cache.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

from hamp_bench.atomic import atomic_write_text
from hamp_bench.cache import claim_binds, owner_id
from hamp_bench.errors import ConfigError

log = logging.getLogger("hamp_bench")


class FileEvaluationCache:
    def __init__(self, directory: str | Path, *, run: str = ""):
        self.path = Path(directory).expanduser() / "evaluations"
        self.run, self.owner = run, owner_id(run)
        self._claimed: set[str] = set()
        try:
            (self.path / "claims").mkdir(parents=True, exist_ok=True)
            probe = self.path / f".probe.{os.getpid()}"
            probe.write_text("")
            probe.unlink()
        except OSError as e:
            raise ConfigError(
                f"the evaluation cache at {self.path} cannot be used ({e}); set cache.dir to a "
                "writable folder (or HAMP_BENCH_CACHE_DIR), or cache.enabled=false"
            ) from e

    def _entry(self, key: str) -> Path:
        return self.path / key[:2] / f"{key}.json"

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        found = {}
        for key in keys:
            path = self._entry(key)
            try:
                text = path.read_text()
            except FileNotFoundError:
                continue
            try:
                stored = json.loads(text)
                payload = stored["value"]
                if stored["sha256"] != _digest(payload):
                    raise ValueError("checksum mismatch")
            except (ValueError, KeyError, TypeError) as e:
                aside = path.with_name(path.name + ".corrupt")
                os.replace(path, aside)
                log.warning("damaged cache entry %s (%s) set aside as %s", path, e, aside)
                continue
            found[key] = json.loads(payload)
        return found

    def put_many(self, items: dict[str, dict]) -> None:
        for key, value in items.items():
            path = self._entry(key)
            path.parent.mkdir(exist_ok=True)
            payload = json.dumps(value)
            atomic_write_text(path, json.dumps({"sha256": _digest(payload), "value": payload}))
            self._release(key)

    def _claim_file(self, key: str) -> Path:
        return self.path / "claims" / f"{key}.claim"

    def _read_claim(self, key: str) -> tuple[str, float] | None:
        try:
            owner, at = self._claim_file(key).read_text().rsplit("\n", 1)
            return owner, float(at)
        except FileNotFoundError:  # released
            return None
        except ValueError:  # not a claim this suite wrote: void after the TTL, by its age
            return "", self._claim_file(key).stat().st_mtime

    def claim(self, key: str) -> bool:
        """Like EvaluationCache.claim. The claim file appears whole (written aside, then
        hard-linked into place, which fails if one exists: atomic on NFS too), so a claim
        being made is never mistaken for a void one."""
        if self._entry(key).exists():
            return False
        path = self._claim_file(key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(f"{self.owner}\n{time.time()}")
        try:
            for _ in range(2):
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    held = self._read_claim(key)
                    if held is None or claim_binds(*held, self.owner, self.run):
                        return False  # held (or released just now: look the entry up again)
                    path.unlink(missing_ok=True)  # void: its process died, or it is too old
                    continue
                self._claimed.add(key)
                if self._entry(key).exists():  # it landed between the look-up and the claim
                    self._release(key)
                    return False
                return True
            return False
        finally:
            tmp.unlink(missing_ok=True)

    def claimed_elsewhere(self, key: str) -> bool:
        held = self._read_claim(key)
        return held is not None and claim_binds(*held, self.owner, self.run)

    def _release(self, key: str) -> None:
        if key in self._claimed:
            self._claim_file(key).unlink(missing_ok=True)
            self._claimed.discard(key)

    def release_claims(self) -> None:
        for key in list(self._claimed):
            self._release(key)

    def __len__(self) -> int:
        return sum(1 for _ in self.path.glob("??/*.json"))

    def integrity(self) -> str:
        """ "ok" when every entry reads back with its checksum (damaged ones are set aside)."""
        keys = [p.stem for p in self.path.glob("??/*.json")]
        bad = len(keys) - len(self.get_many(keys))
        return "ok" if not bad else f"{bad} damaged entries set aside"

    def close(self) -> None:
        self.release_claims()


def _digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()
