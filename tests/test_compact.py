"""Compact records: anytime.csv is the exact hypervolume after every k evaluations (checked
against a direct computation at every k, and by hand), a report from compact records equals
the report from the full ones (summary, anytime curves, targets, runs, the ERT figures), a
killed run's record compacts too, and the refusals name what to do."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hamp_bench.errors import RecordError
from hamp_bench.objective_space import Objective, ObjectiveSpace
from hamp_bench.reports.anytime import step_series
from hamp_bench.reports.build import build_report
from hamp_bench.reports.compact import compact_run, plan
from hamp_bench.reports.gather import read_run, read_runs

from conftest import run_cell

PROBLEMS = ("resnet20_digits_sur2", "zdt1")  # a region of interest; a known front
ALGORITHMS = ("nsga2", "random", "smsemoa")


def _compact(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hamp_bench.compact", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """3 algorithms x 2 seeds x 2 problems at budget 200, in-process, plus one killed run: a
    copy of a completed one cut short as SIGKILL leaves it (run.json `running`, no front.csv,
    a last line cut in half)."""
    root = tmp_path_factory.mktemp("sweep") / "runs"
    for problem in PROBLEMS:
        for alg in ALGORITHMS:
            for seed in range(2):
                run_cell(
                    root / f"{problem}-{alg}-{seed}",
                    f"problem={problem}",
                    f"algorithm={alg}",
                    "budget=200",
                    f"seed={seed}",
                )
    killed = root / "zdt1-random-killed"
    shutil.copytree(root / "zdt1-random-1", killed)
    meta = json.loads((killed / "run.json").read_text())
    meta.update(status="running", seed=7)
    (killed / "run.json").write_text(json.dumps(meta))
    (killed / "front.csv").unlink()
    lines = (killed / "evaluations.csv").read_text().split("\n")
    (killed / "evaluations.csv").write_text("\n".join(lines[:120]) + "\n" + lines[120][:9])
    return root


@pytest.fixture(scope="module")
def compacted(sweep) -> Path:
    out = sweep.parent / "compact"
    r = _compact(str(sweep), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"compacted {len(ALGORITHMS) * 2 * len(PROBLEMS) + 1} runs into")
    return out


def test_a_compact_record_keeps_the_small_files_and_a_slim_front(sweep, compacted):
    for run in sweep.iterdir():
        kept = sorted(p.name for p in (compacted / run.name).iterdir())
        assert kept == ["anytime.csv", "front.csv", "run.json"], run.name
        assert (compacted / run.name / "run.json").read_bytes() == (run / "run.json").read_bytes()
        if run.name != "zdt1-random-killed":
            front = pd.read_csv(run / "front.csv", dtype=str)
            small = pd.read_csv(compacted / run.name / "front.csv", dtype=str)
            extras = json.loads((run / "run.json").read_text())["problem"]["extras"]
            dropped = ["cached", "wall_s", "batch", *extras]
            assert set(dropped) <= set(front.columns)
            pd.testing.assert_frame_equal(small, front.drop(columns=dropped))


def test_the_anytime_series_is_the_hypervolume_after_every_evaluation(sweep, compacted):
    """Against a direct computation (the front of the first k evaluations, scored by the
    objective space) at every k, inside the region of interest; the full-range hypervolume of
    a compact run is the final one, from its front."""
    full = read_run(sweep / "resnet20_digits_sur2-nsga2-0")
    series = pd.read_csv(compacted / full.run_dir.name / "anytime.csv", dtype=str)
    series = series.apply(lambda column: column.map(float))  # exact, whatever pandas
    space, whole = full.space, full.space.full_range()
    assert space.roi is not None  # the two hypervolumes differ here
    direct = np.array([space.hypervolume(space.front(full.F[:k])) for k in range(1, 201)])
    ev = series.evaluations.to_numpy()
    assert ev[0] == 1 and ev[-1] == len(full.F) == 200
    at = np.searchsorted(ev, np.arange(1, 201), side="right") - 1  # the last row at or before k
    np.testing.assert_array_equal(series["hv"].to_numpy()[at], direct)
    # a row wherever the value changes, and nowhere else (but the last evaluation)
    changed = np.r_[True, np.diff(direct) != 0]
    assert set(ev) == set(np.flatnonzero(changed) + 1) | {200}
    compact = read_run(compacted / full.run_dir.name)
    assert compact.compact and compact.n_evaluations == 200
    for k in range(1, 201):
        assert compact.hypervolume(k) == direct[k - 1]
    final_full = whole.hypervolume(whole.front(full.F))
    assert compact.hypervolume(full_range=True) == full.hypervolume(full_range=True) == final_full
    with pytest.raises(RecordError, match="compact record: its full-range hypervolume"):
        compact.hypervolume(100, full_range=True)


def test_the_step_series_by_hand():
    """(0.9, 0.9), then (0.5, 0.5) dominates it, (0.6, 0.6) changes nothing, (0.1, 0.2)
    dominates all; against (1.1, 1.1) in [0, 1]^2: 0.04, 0.36, 0.36, 0.9. A point beyond the
    reference (1.2, 0.0) adds nothing inside the box but is a last row."""
    space = ObjectiveSpace([Objective("a"), Objective("b")], [0, 0], [1, 1])
    F = np.array([(0.9, 0.9), (0.5, 0.5), (0.6, 0.6), (0.1, 0.2), (1.2, 0.0)])
    s = step_series(space, F)
    assert s.evaluations.tolist() == [1, 2, 4, 5]
    np.testing.assert_allclose(s.hv, [0.2 * 0.2, 0.6 * 0.6, 1.0 * 0.9, 1.0 * 0.9])
    assert step_series(space, F[:0]).empty


def _reports(sweep, compacted, tmp: Path) -> tuple[Path, Path]:
    full, small = tmp / "full", tmp / "small"
    build_report([sweep], full, reference="nsga2")
    build_report([compacted], small, reference="nsga2")
    return full, small


@pytest.fixture(scope="module")
def reports(sweep, compacted, tmp_path_factory):
    return _reports(sweep, compacted, tmp_path_factory.mktemp("reports"))


@pytest.mark.parametrize("name", ["summary.csv", "anytime.csv", "targets.csv"])
def test_a_report_from_compact_records_equals_the_full_one(reports, name):
    full, small = reports
    assert (small / name).read_bytes() == (full / name).read_bytes()


def test_runs_csv_and_report_md_from_compact_records_equal_the_full_ones(reports):
    full, small = reports
    a, b = pd.read_csv(full / "runs.csv"), pd.read_csv(small / "runs.csv")
    assert (a.run_dir.map(lambda p: Path(p).name) == b.run_dir.map(lambda p: Path(p).name)).all()
    pd.testing.assert_frame_equal(a.drop(columns="run_dir"), b.drop(columns="run_dir"))
    killed = a[a.status == "running"].iloc[0]
    assert killed.evaluations == 119 and not np.isnan(killed.igd_plus)  # the cut line dropped
    assert a.hit.notna().any() and a.hit.isna().any()

    def body(path: Path) -> list[str]:
        skip = ("Generated by", "python -m", "- `", "13 of the 13 records are compact")
        return [s for s in path.read_text().splitlines() if s and not s.startswith(skip)]

    assert body(small / "report.md") == body(full / "report.md")
    assert "13 records are compact" in (small / "report.md").read_text()


def test_the_ert_figures_from_compact_records_equal_the_full_ones(reports):
    full, small = reports
    stems = sorted(p.name for p in (full / "figures").glob("ecdf_*.png"))
    assert stems == [
        "ecdf_all_problems.png",
        "ecdf_resnet20_digits_sur2.png",
        "ecdf_zdt1.png",
    ]
    for stem in stems:
        assert (small / "figures" / stem).read_bytes() == (full / "figures" / stem).read_bytes()


def test_compact_refusals(sweep, compacted, tmp_path):
    r = _compact(str(sweep), "--out", str(sweep / "inside"))
    assert r.returncode == 2 and "overlap" in r.stderr and "Traceback" not in r.stderr
    r = _compact(str(sweep), "--out", str(compacted))
    assert r.returncode == 2 and "is not empty" in r.stderr and "--force" in r.stderr
    with pytest.raises(RecordError, match="overlap"):
        plan([sweep / "zdt1-nsga2-0"], sweep)
    with pytest.raises(RecordError, match="would both be written to"):
        plan([sweep / "zdt1-nsga2-0", sweep / "zdt1-nsga2-1"], tmp_path / "x")
    with pytest.raises(RecordError, match="compact record.*--roi cannot rescore it"):
        read_runs(compacted, roi=0.1)
    # a compact record without its front, or with a damaged series, is named
    shutil.copytree(compacted / "zdt1-nsga2-0", tmp_path / "a")
    (tmp_path / "a" / "front.csv").unlink()
    with pytest.raises(RecordError, match="front.csv is missing from a compact record"):
        read_run(tmp_path / "a")
    shutil.copytree(compacted / "zdt1-nsga2-0", tmp_path / "b")
    (tmp_path / "b" / "anytime.csv").write_text("evaluations,hv,hv_x\n2,0.1,0.1\n")
    with pytest.raises(RecordError, match="is not an anytime series"):
        read_run(tmp_path / "b")
    (tmp_path / "b" / "anytime.csv").unlink()  # neither evaluations.csv nor anytime.csv
    with pytest.raises(RecordError, match="evaluations.csv is missing"):
        read_run(tmp_path / "b")


def test_compacting_a_compact_record_copies_it(compacted, tmp_path):
    run = compacted / "zdt1-smsemoa-1"
    compact_run(run, tmp_path / "again")
    for name in ("run.json", "front.csv", "anytime.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (run / name).read_bytes()
