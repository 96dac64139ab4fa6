"""Resuming a run: what a run folder already holds, and whether the command may continue it.

A run folder that holds a record of this very run (same config, same problem fingerprint) is
continued where it stopped (interrupted, failed, or killed and still saying `running`), or left
alone where it is complete. The runner then replays the algorithm against the recorded
evaluations (hamp_bench/evaluator.py), so the final record equals an uninterrupted run's and no
true evaluation is spent twice.

`resume`: null (auto: continue or skip when the folder holds a matching record, start afresh when
it holds none), true (the folder must hold a record), false (start afresh, replacing any record).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hamp_bench.errors import RecordError
from hamp_bench.run_record import EVALUATIONS, RECORD_VERSION, RUN_JSON

#: config keys (and sections) that cannot change a run's evaluations or trajectory, so a resume
#: may differ in them: how progress is shown, how often the record is flushed, where the cache
#: and the base models are kept (the fingerprint holds the weights), whether to resume, and how
#: many processes evaluate
NOT_COMPARED = (
    "progress",
    "run_record",
    "cache",
    "resume",
    "evaluator",
    "summary",
    "problem.model_dir",
)


@dataclass
class PriorRecord:
    run_dir: Path
    content: dict[str, Any]

    @property
    def status(self) -> str:
        return self.content.get("status", "running")

    @property
    def complete(self) -> bool:
        return self.status == "completed"

    def check_matches(self, config: dict[str, Any], fingerprint: str) -> None:
        """Refuse to continue a record of another run, naming what differs."""
        old, new = _compared(self.content.get("config", {})), _compared(config)
        diffs = [
            f"{key}: {old.get(key, '<absent>')!r} in the record, {new.get(key, '<absent>')!r} now"
            for key in sorted(set(old) | set(new))
            if old.get(key, _ABSENT) != new.get(key, _ABSENT)
        ]
        recorded = self.content.get("problem", {}).get("fingerprint")
        if not diffs and recorded != fingerprint:
            diffs = [
                f"problem fingerprint: {str(recorded)[:12]}... in the record, "
                f"{fingerprint[:12]}... now (same config, but the base model's weights, the "
                "data or the evaluation platform differ: see run.json problem.base_model, "
                "data, platform)"
            ]
        if diffs:
            shown = "; ".join(diffs[:5]) + (
                f"; and {len(diffs) - 5} more" if len(diffs) > 5 else ""
            )
            raise RecordError(
                f"{self.run_dir} holds a record of another run ({shown}); run the same command "
                "to continue it, or choose another hydra.run.dir (hydra.sweep.dir, for a "
                "sweep; resume=false replaces it)"
            )


_ABSENT = object()


def _compared(config: dict[str, Any]) -> dict[str, Any]:
    flat = _flatten(config)
    return {
        k: v
        for k, v in flat.items()
        if not any(k == n or k.startswith(n + ".") for n in NOT_COMPARED)
    }


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(d, dict):
        return {prefix: d}
    out: dict[str, Any] = {}
    for k, v in d.items():
        out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def prior_record(run_dir: Path, resume: bool | None) -> PriorRecord | None:
    """The record this command would continue, or None to start afresh; refuses a folder that
    holds something else than a run record of this suite's version."""
    path = run_dir / RUN_JSON
    if resume is False:
        return None
    if not path.exists():
        if resume:
            raise RecordError(
                f"resume=true, but {run_dir} holds no run record (no {RUN_JSON}); point "
                "hydra.run.dir at the folder of the run to continue, or drop resume=true"
            )
        if (run_dir / EVALUATIONS).exists():
            raise RecordError(
                f"{run_dir} holds {EVALUATIONS} but no {RUN_JSON}: it is not a complete run "
                "record and cannot be continued; move it away or choose another hydra.run.dir"
            )
        return None
    try:
        content = json.loads(path.read_text())
        version = content["record_version"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise RecordError(
            f"{path} is not a run record ({type(e).__name__}: {e}); choose another "
            "hydra.run.dir, or resume=false to replace it"
        ) from e
    if version != RECORD_VERSION:
        raise RecordError(
            f"{path} is a record of record_version {version!r}; this hamp_bench continues "
            f"only version {RECORD_VERSION} records. Finish it with the hamp_bench that wrote "
            "it (run.json versions), or start afresh: another hydra.run.dir, or resume=false "
            "to replace it"
        )
    if not (run_dir / EVALUATIONS).exists():
        raise RecordError(
            f"{run_dir} has a {RUN_JSON} but no {EVALUATIONS}; the record is damaged. Move it "
            "away, or resume=false to replace it"
        )
    return PriorRecord(run_dir, content)
