"""Downloading a data file: progress bar, md5 check, atomic placement, a clear message offline."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from hamp_bench.atomic import atomic_path
from hamp_bench.errors import DataError


def md5sum(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(url: str, dest: Path, md5: str, *, what: str, hint: str, timeout: float = 30) -> Path:
    """Download `url` to `dest`; the file appears only once its md5 matches.

    Any failure (no network, HTTP error, wrong checksum) raises DataError with `hint`, which says
    where to put the file by hand; no partial file is left behind.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(dest) as tmp:  # placed only if the block (md5 check included) succeeds
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                with tqdm(
                    total=total,
                    unit="B",
                    unit_scale=True,
                    desc=f"{what}: {dest.name}",
                    disable=None,
                ) as bar:
                    for chunk in iter(lambda: response.read(1 << 20), b""):
                        out.write(chunk)
                        bar.update(len(chunk))
            got = md5sum(tmp)
            if got != md5:
                raise DataError(f"{url} arrived with md5 {got}, expected {md5}; {hint}")
        return dest
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise DataError(f"could not download {url} ({e}); {hint}") from e
