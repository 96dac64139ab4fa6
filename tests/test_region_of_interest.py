"""The region of interest: a pruning problem's error axis ends at the base model's validation
error + `problem.roi.max_error_increase`; points beyond count for nothing in `hv`, everything
stays in the record, reports show `hv_full` beside it, and `report --roi` scores old records."""

import json

import numpy as np
import pandas as pd
import pytest

from hamp_bench.errors import ConfigError, RecordError
from hamp_bench.objective_space import Objective, ObjectiveSpace
from hamp_bench.reports.build import build_report
from hamp_bench.reports.gather import read_run, read_runs

from conftest import read_evaluations, run_cell

TINY = ("problem=tiny_synthetic", "cache.enabled=false", "algorithm=random", "seed=0")
OBJ = (Objective("error"), Objective("latency"))


def _space(roi: bool) -> ObjectiveSpace:
    """Error 0..0.9 over the full range; the region ends at 0.3."""
    if not roi:
        return ObjectiveSpace(OBJ, [0, 0], [0.9, 1.0])
    return ObjectiveSpace(
        OBJ, [0, 0], [0.3, 1.0], full_nadir=[0.9, 1.0], roi={"objective": "error"}
    )


def test_points_beyond_the_region_count_for_nothing():
    space = _space(roi=True)
    inside, beyond = np.array([[0.15, 0.5]]), np.array([[0.31, 0.0]])
    # normalised: (0.5, 0.5) against ref 1.1 -> 0.6 * 0.6
    assert space.hypervolume(inside) == pytest.approx(0.36)
    # 0.31 is inside the 1.1 reference point's box (1.033 < 1.1) but outside the region
    assert space.hypervolume(beyond) == 0.0
    assert space.hypervolume(np.vstack([inside, beyond])) == pytest.approx(0.36)
    assert space.in_roi(np.vstack([inside, beyond])).tolist() == [True, False]
    full = space.full_range()
    assert full.roi is None and full.nadir.tolist() == [0.9, 1.0]
    assert full.hypervolume(beyond) == pytest.approx(_space(roi=False).hypervolume(beyond))
    assert full.hypervolume(beyond) > 0


def test_the_space_round_trips_through_run_json_and_old_records_have_no_region():
    space = _space(roi=True)
    again = ObjectiveSpace.from_record({"name": "p", **space.describe()})
    assert again.nadir.tolist() == [0.3, 1.0] and again.full_nadir.tolist() == [0.9, 1.0]
    assert again.roi == {"objective": "error"} and again.bounded.tolist() == [True, False]
    old = {k: v for k, v in space.describe().items() if k not in ("full_nadir", "roi")}
    legacy = ObjectiveSpace.from_record(old)  # a record of version 3 or older
    assert legacy.roi is None and not legacy.bounded.any()
    assert legacy.hypervolume([[0.31, 0.0]]) > 0


def test_run_json_holds_the_region_and_the_record_keeps_points_beyond_it(tmp_path):
    run_cell(tmp_path / "roi", *TINY, "budget=12")
    p = json.loads((tmp_path / "roi/run.json").read_text())["problem"]
    base = p["base_model"]["val_error"]
    assert p["roi"] == {
        "objective": "error",
        "max_error_increase": 0.1,
        "base_error": base,
        "error_nadir": pytest.approx(base + 0.1),
    }
    classes = p["base_model"]["dataset"]["num_classes"]
    assert p["nadir"][0] == pytest.approx(base + 0.1)
    assert p["full_nadir"][0] == pytest.approx(1 - 1 / classes)
    assert p["nadir"][1:] == p["full_nadir"][1:]
    errors = read_evaluations(tmp_path / "roi")["error"]
    assert len(errors) == 12 and (errors > base + 0.1).any()  # random genomes beyond it: kept

    off = ("budget=4", "problem.roi.max_error_increase=null", "problem.name=tiny_full")
    run_cell(tmp_path / "off", *TINY, *off)
    q = json.loads((tmp_path / "off/run.json").read_text())["problem"]
    assert q["roi"] is None and q["nadir"] == q["full_nadir"] == p["full_nadir"]
    assert q["fingerprint"] == p["fingerprint"]  # the region changes no evaluation (nor the name)

    run_cell(tmp_path / "few", *TINY, "budget=2", "problem.fidelity.val_size=7")
    r = json.loads((tmp_path / "few/run.json").read_text())["problem"]
    # the base error on the 7 images candidates are scored on, not on the whole split
    assert r["roi"]["base_error"] * 7 == pytest.approx(round(r["roi"]["base_error"] * 7))
    assert r["roi"]["base_error"] != base and r["base_model"]["val_error"] == base
    assert r["nadir"][0] == pytest.approx(r["roi"]["base_error"] + 0.1)

    # the report: hv inside the region, hv_full over the full range, which matches the run
    # without a region (same evaluations: same seed and genomes)
    build_report([tmp_path / "roi", tmp_path / "off"], tmp_path / "rep", "random", False)
    runs = pd.read_csv(tmp_path / "rep/runs.csv").set_index("budget")
    with_roi, without = read_run(tmp_path / "roi"), read_run(tmp_path / "off")
    assert runs.loc[12, "hv"] == pytest.approx(with_roi.hypervolume())
    assert runs.loc[12, "hv"] < runs.loc[12, "hv_full"]
    assert runs.loc[4, "hv"] == runs.loc[4, "hv_full"]
    F4 = with_roi.F[:4]
    assert without.space.hypervolume(without.space.front(F4)) == pytest.approx(
        with_roi.hypervolume(4, full_range=True)
    )


def test_merging_runs_of_different_regions_is_refused(tmp_path):
    run_cell(tmp_path / "a", *TINY, "budget=2")
    run_cell(tmp_path / "b", *TINY, "budget=2", "problem.roi.max_error_increase=0.2")
    with pytest.raises(RecordError, match="normalised differently"):
        read_runs(tmp_path)


def test_a_bad_margin_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError, match="problem.roi.max_error_increase must be positive"):
        run_cell(tmp_path / "neg", *TINY, "budget=2", "problem.roi.max_error_increase=-0.1")
    assert not (tmp_path / "neg/run.json").exists()


def test_report_roi_rescoring_matches_a_run_made_with_that_region(tmp_path):
    """--roi on a record made without a region scores it as a run made with the same margin."""
    run_cell(tmp_path / "made/off", *TINY, "budget=12", "problem.roi.max_error_increase=null")
    run_cell(tmp_path / "made2/roi", *TINY, "budget=12", "problem.roi.max_error_increase=0.2")
    (later,) = read_runs(tmp_path / "made", roi=0.2)
    (native,) = read_runs(tmp_path / "made2")
    assert later.space.nadir.tolist() == pytest.approx(native.space.nadir.tolist())
    assert later.hypervolume() == pytest.approx(native.hypervolume())
    assert later.meta["problem"]["roi"]["applied_by"] == "report --roi"
    with pytest.raises(RecordError, match="--roi must be a positive number"):
        read_runs(tmp_path / "made", roi=0)
    run_cell(tmp_path / "sub/few", *TINY, "budget=2", "problem.fidelity.val_size=7")
    with pytest.raises(RecordError, match="scored on 7 validation images"):
        read_runs(tmp_path / "sub", roi=0.1)
