"""A surrogate artifact: a folder holding `manifest.json` (what it was built from and how well it
ranks), `model.onnx` (the error model; ONNX, so loading it runs no code, unlike a pickle) and
`evaluations.csv.gz` (the true evaluations it was fitted to). The manifest holds the checksums
of both files; loading checks them and refuses, naming the file, whatever does not match.

Writing: the old manifest is removed first, each file is written atomically, and the new manifest
comes last, so a build killed part-way leaves a folder that loading refuses (no manifest), never
a manifest beside files it does not describe."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hamp_bench.atomic import atomic_write_bytes, atomic_write_text
from hamp_bench.errors import ConfigError

FORMAT = "hamp_bench.surrogate"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MODEL = "model.onnx"
EVALUATIONS = "evaluations.csv.gz"
#: where the shipped artifacts live (package data, one folder each beside this module, with the
#: build's records); `problem.artifact` names one of them or is a folder path
SHIPPED = Path(__file__).resolve().parent


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def resolve(artifact: str) -> Path:
    """A shipped artifact's name, or a folder path."""
    shipped = SHIPPED / artifact
    if "/" not in artifact and (shipped / MANIFEST).is_file():
        return shipped
    path = Path(artifact).expanduser()
    if not path.is_dir():
        known = sorted(p.parent.name for p in SHIPPED.glob(f"*/{MANIFEST}"))
        raise ConfigError(
            f"problem.artifact={artifact!r} is neither a shipped surrogate ({known}) nor a "
            "folder; build one with python -m hamp_bench.build_surrogate"
        )
    return path


def write_artifact(out: Path, manifest: dict[str, Any], files: dict[str, bytes]) -> Path:
    """Write the manifest and `files` (name -> content, MODEL and EVALUATIONS among them) into
    `out` (beside the build's records there). The old manifest goes first and the new one comes
    last, written atomically: a build killed part-way leaves a folder without a manifest, which
    loading refuses, never a manifest beside files it does not describe."""
    out = Path(out)
    for required in (MODEL, EVALUATIONS):
        if required not in files:
            raise ValueError(f"an artifact needs {required}")
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **manifest,
        "files": {n: {"sha256": sha256(b), "bytes": len(b)} for n, b in sorted(files.items())},
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    for name, data in files.items():
        atomic_write_bytes(out / name, data)
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return out


def read_manifest(folder: Path, source: str | None = None) -> dict[str, Any]:
    """The manifest of the artifact in `folder`, after checking its format, that it was built
    from problem `source` (where given) and that both files match their checksums."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(
            f"{path} is missing: {folder} is not a surrogate artifact; rebuild it with "
            "python -m hamp_bench.build_surrogate"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"{path} is truncated or corrupt ({e}); rebuild the artifact with "
            "python -m hamp_bench.build_surrogate"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ConfigError(f"{path} is not a surrogate manifest (no format {FORMAT!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ConfigError(
            f"{path} has format_version {manifest.get('format_version')!r}; this hamp_bench "
            f"reads version {FORMAT_VERSION}: rebuild it, or use the hamp_bench that wrote it"
        )
    for key in ("source", "model", "features", "files"):
        if key not in manifest:
            raise ConfigError(f"{path} lacks {key!r}: the manifest is truncated; rebuild it")
    built_from = manifest["source"].get("problem")
    if source is not None and built_from != source:
        raise ConfigError(
            f"{path} was built from problem {built_from!r}, but problem.source is {source!r}: "
            "point problem.artifact at the artifact of that problem, or fix problem.source"
        )
    files = manifest["files"]
    missing = [n for n in (MODEL, EVALUATIONS) if not isinstance(files, dict) or n not in files]
    if missing:
        raise ConfigError(
            f"{path} lists no checksum for {missing}: the manifest is truncated or edited; "
            "rebuild the artifact"
        )
    for name, meta in files.items():
        file = Path(folder) / name
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise ConfigError(
                f"{file} is missing (named in {path}); rebuild the artifact"
            ) from None
        if sha256(data) != meta.get("sha256"):
            raise ConfigError(
                f"{file} does not match the checksum in {path}: it was changed or replaced "
                "after the build; rebuild the artifact (python -m hamp_bench.build_surrogate)"
            )
    return manifest
