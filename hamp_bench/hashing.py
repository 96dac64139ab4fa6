"""Stable content hashes for fingerprints and cache keys."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np


def stable_hash(obj: Any) -> str:
    """sha256 of the canonical JSON of `obj` (sorted keys, no whitespace)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_jsonable)
    return hashlib.sha256(text.encode()).hexdigest()


def genome_key(fingerprint: str, genome: np.ndarray) -> str:
    """Cache key of one genome under one problem fingerprint."""
    h = hashlib.sha256(fingerprint.encode())
    h.update(str(genome.dtype).encode())
    h.update(np.ascontiguousarray(genome).tobytes())
    return h.hexdigest()


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot hash object of type {type(obj).__name__}")
