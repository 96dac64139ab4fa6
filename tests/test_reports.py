"""Reports: indicators on hand-computed fronts and the committed example's hypervolumes by hand
and moocore; statistics against independent references (scipy's rank-sum p and U statistic for
A12, hand counts with ties, Holm by hand); the refusals; record versions 1 and 2 (with an
algorithm's telemetry) read, others refused; and a whole report from real runs."""

import json
import subprocess
import sys
from pathlib import Path

import moocore
import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from hamp_bench.errors import RecordError
from hamp_bench.reports.build import build_report
from hamp_bench.reports.gather import READABLE_RECORD_VERSIONS, load_run, read_run, read_runs
from hamp_bench.reports.indicators import anytime_hypervolume, igd_plus, reference_front
from hamp_bench.reports.stats import a12, holm, summarise
from hamp_bench.reports.telemetry import read_telemetry
from hamp_bench.run_record import RECORD_VERSION

from conftest import run_cell


def _fake_run(
    folder,
    F,
    fingerprint="fp",
    algorithm="a",
    seed=0,
    version=1,
    status="completed",
    nadir=(1, 1),
    problem="p",
    telemetry=None,
    budget=None,
):
    folder.mkdir(parents=True)
    meta = {
        "record_version": version,
        "status": status,
        "algorithm": algorithm,
        "seed": seed,
        "budget": len(F) if budget is None else budget,
        "budget_used": len(F),
        "problem": {
            "name": problem,
            "fingerprint": fingerprint,
            "n_var": 1,
            "objectives": [{"name": "f1", "direction": "min"}, {"name": "f2", "direction": "min"}],
            "ideal": [0, 0],
            "nadir": list(nadir),
            "ref_point_normalised": [1.1, 1.1],
        },
    }
    if version == 2:  # what differs from version 1: the config's layout (docs/records.md)
        meta["config"] = {
            "run_record": {"flush_every_s": 1.0},
            "algorithm": {
                "_target_": "x.Y",
                "pop_size": 4,
                "variation": {
                    "crossover_prob": 0.9,
                    "crossover_eta": 15.0,
                    "mutation_prob": None,
                    "mutation_eta": 20.0,
                },
            },
        }
    (folder / "run.json").write_text(json.dumps(meta))
    rows = "\n".join(f"{i},0,{a},{b}" for i, (a, b) in enumerate(F))
    (folder / "evaluations.csv").write_text("eval_id,x0,f1,f2\n" + rows + "\n")
    if telemetry is not None:
        (folder / "algorithm.json").write_text(
            json.dumps({"record_version": version, "algorithm": algorithm, **telemetry})
        )
    return meta


def test_hypervolume_of_a_hand_computed_front(tmp_path):
    # points (0.2, 0.6), (0.5, 0.3) and a dominated (0.6, 0.7): against (1.1, 1.1) the union of
    # boxes is 0.9*0.5 + 0.6*0.8 - 0.6*0.5 = 0.63
    _fake_run(tmp_path / "r", [(0.2, 0.6), (0.5, 0.3), (0.6, 0.7)])
    assert read_run(tmp_path / "r").hypervolume() == pytest.approx(0.63)


def test_igd_plus_of_a_hand_computed_front(tmp_path):
    # reference {(0, 1), (1, 0)}, approximation {(0.5, 0.5)}: each reference point is 0.5 away in
    # the one objective where the approximation is worse, so IGD+ = 0.5; adding (0, 1) itself
    # makes that point's distance 0: IGD+ = (0 + 0.5) / 2
    ref = np.array([[0.0, 1.0], [1.0, 0.0]])
    _fake_run(tmp_path / "a", [(0.5, 0.5)])
    _fake_run(tmp_path / "b", [(0.5, 0.5), (0.0, 1.0)])
    assert igd_plus(read_run(tmp_path / "a"), ref) == pytest.approx(0.5)
    assert igd_plus(read_run(tmp_path / "b"), ref) == pytest.approx(0.25)


def test_anytime_hypervolume_grows_with_evaluations(tmp_path):
    _fake_run(tmp_path / "r", [(0.9, 0.9), (0.5, 0.5), (0.1, 0.2)])
    curve = anytime_hypervolume(read_runs(tmp_path), points=3).set_index("evaluations").hv
    assert curve[1] == pytest.approx(0.2 * 0.2)
    assert curve[3] == pytest.approx(1.0 * 0.9)  # (0.1, 0.2) dominates the rest


def test_the_true_front_is_rebuilt_from_the_recorded_config(tmp_path):
    """IGD+'s reference is the problem's own front, built from run.json's resolved config."""
    meta = _fake_run(tmp_path / "r", [(0.5, 0.5)], version=2)
    meta["problem"]["has_true_front"] = True
    meta["config"]["problem"] = {
        "_target_": "hamp_bench.problems.benchmarks.PymooBenchmark",
        "name": "zdt1",
        "function": "zdt1",
        "n_var": 30,
        "n_obj": None,
    }
    (tmp_path / "r" / "run.json").write_text(json.dumps(meta))
    front, source = reference_front([read_run(tmp_path / "r")])
    assert source == "true Pareto front" and len(front) > 100
    np.testing.assert_allclose(front[:, 1], 1 - np.sqrt(front[:, 0]), atol=1e-12)  # ZDT1's front


def _a12_from_u(x, y) -> float:
    """Vargha-Delaney A12 from the Mann-Whitney U of x (pairs with x > y, ties counted half)."""
    return mannwhitneyu(x, y, alternative="two-sided").statistic / (len(x) * len(y))


def _holm_by_hand(p: list[float]) -> list[float]:
    """Holm step-down: the i-th smallest (0-based) times (m - i), running maximum, capped at 1."""
    m, out, running = len(p), [0.0] * len(p), 0.0
    for i, j in enumerate(sorted(range(m), key=lambda k: p[k])):
        running = max(running, min(1.0, (m - i) * p[j]))
        out[j] = running
    return out


def test_a12_and_holm_against_hand_counts():
    # x = [1, 2, 2, 3] against y = [2, 2, 4], 12 pairs: 1 wins none; each 2 ties two 2s (0.5 + 0.5)
    # and loses to 4; 3 beats both 2s: (0 + 1 + 1 + 2) / 12 = 1/3
    x, y = [1, 2, 2, 3], [2, 2, 4]
    assert mannwhitneyu(x, y).statistic == 4  # scipy's U of x counts the same way
    assert a12(x, y) == pytest.approx(1 / 3) == pytest.approx(_a12_from_u(x, y))
    assert a12([1, 2], [2, 3]) == pytest.approx(0.125)  # (0 + 0 + 0.5 + 0) / 4
    # sorted 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, then max(0.06, 0.04 * 1) = 0.06
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    # sorted 0.01 * 4 = 0.04, 0.2 * 3 = 0.6, 0.5 * 2 = 1.0, max(1.0, 0.6 * 1) = 1.0
    np.testing.assert_allclose(holm([0.2, 0.5, 0.01, 0.6]), [0.6, 1.0, 0.04, 1.0])
    np.testing.assert_allclose(_holm_by_hand([0.2, 0.5, 0.01, 0.6]), [0.6, 1.0, 0.04, 1.0])


def test_summarise_against_scipy_u_and_holm_by_hand():
    """p from scipy's rank-sum test, A12 from its U statistic, Holm by hand: none of them from
    reports/stats.py. Ties (values rounded to 0.05) and a lower-is-better indicator included."""
    rng = np.random.default_rng(0)
    runs = {
        "ref": rng.normal(0.8, 0.05, 11),
        "worse": rng.normal(0.7, 0.05, 11),
        "tied": np.round(rng.normal(0.8, 0.05, 11) / 0.05) * 0.05,
        "close": rng.normal(0.74, 0.05, 9),
    }
    runs["ref"] = np.round(runs["ref"] / 0.05) * 0.05  # ties within and across algorithms
    table = pd.DataFrame(
        {
            "problem": "p",
            "status": "completed",
            "algorithm": np.concatenate([[a] * len(v) for a, v in runs.items()]),
            "hv": np.concatenate(list(runs.values())),
        }
    )
    table["igd"] = -table["hv"]  # the same values, lower is better
    s = summarise(table, "ref", {"hv": "max", "igd": "min"}).set_index("algorithm")
    others = ["close", "tied", "worse"]
    ref = runs["ref"]
    p = [mannwhitneyu(runs[a], ref, alternative="two-sided").pvalue for a in others]
    # about 0.19, 0.64, 0.0006: Holm (0.38 for close) differs from Bonferroni (0.58) here
    for a, pa, pa_holm in zip(others, p, _holm_by_hand(p)):
        for col in ("hv", "igd"):
            assert s.loc[a, f"{col}_p"] == pytest.approx(pa)
            assert s.loc[a, f"{col}_p_holm"] == pytest.approx(pa_holm)
            # A12 is the probability that the algorithm's run is the better one
            assert s.loc[a, f"{col}_a12"] == pytest.approx(_a12_from_u(runs[a], ref))
        assert s.loc[a, "hv_median"] == pytest.approx(np.median(runs[a]))
    assert s.loc["worse", "hv_marker"] == s.loc["worse", "igd_marker"] == "-"
    assert s.loc["tied", "hv_marker"] == "="
    assert np.isnan(s.loc["ref", "hv_p"]) and s.loc["ref", "hv_marker"] == ""


def _hv_2d_by_hand(P: np.ndarray, ref: np.ndarray) -> float:
    """Area dominated by 2-D points (minimisation) inside the box below ref: sweep over f1."""
    P = P[np.all(P < ref, axis=1)]
    area, lowest_f2 = 0.0, ref[1]
    for f1, f2 in P[np.lexsort((P[:, 1], P[:, 0]))]:
        if f2 < lowest_f2:
            area += (ref[0] - f1) * (lowest_f2 - f2)
            lowest_f2 = f2
    return area


def test_committed_example_hypervolumes_by_hand():
    """Each run's normalised hypervolumes in the committed example (runs.csv), recomputed from
    its evaluations.csv and run.json without the suite's code: bounds and reference point from
    run.json, then a hand sweep and moocore.hypervolume on the points inside the box. hv_full
    over the full range; hv inside the region the report applies (`--roi 0.1`): error nadir at
    the base model's validation error + 0.1, points beyond it dropped."""
    example = Path(__file__).resolve().parent.parent / "reports" / "examples" / "resnet20_digits"
    committed = pd.read_csv(example / "runs.csv")
    assert len(committed) == 66
    for r in committed.itertuples():
        run_dir = example.parent.parent.parent / r.run_dir
        meta = json.loads((run_dir / "run.json").read_text())["problem"]
        names = [o["name"] for o in meta["objectives"]]
        assert names[0] == "error"
        assert [o["direction"] for o in meta["objectives"]] == ["min", "min"]
        F = pd.read_csv(run_dir / "evaluations.csv")[names].to_numpy(float)
        ideal, nadir = np.array(meta["ideal"]), np.array(meta["nadir"])
        ref = np.array(meta["ref_point_normalised"])
        N = (F - ideal) / (nadir - ideal)
        by_hand = _hv_2d_by_hand(N, ref)
        assert by_hand == pytest.approx(
            moocore.hypervolume(N[np.all(N < ref, axis=1)], ref=ref), rel=1e-12
        )
        assert r.hv_full == pytest.approx(by_hand, rel=1e-9), r.run_dir
        roi_nadir = nadir.copy()
        roi_nadir[0] = meta["base_model"]["val_error"] + 0.1
        inside = F[F[:, 0] <= roi_nadir[0]]
        assert r.hv == pytest.approx(
            _hv_2d_by_hand((inside - ideal) / (roi_nadir - ideal), ref), rel=1e-9, abs=1e-15
        ), r.run_dir


def test_refusals(tmp_path):
    with pytest.raises(RecordError, match="no run records"):
        read_runs(tmp_path)
    with pytest.raises(RecordError, match="does not exist"):
        read_runs(tmp_path / "nowhere")
    _fake_run(tmp_path / "fp" / "x", [(0.1, 0.2)], fingerprint="one")
    _fake_run(tmp_path / "fp" / "y", [(0.1, 0.2)], fingerprint="two")
    with pytest.raises(RecordError, match="different fingerprints"):
        read_runs(tmp_path / "fp")
    _fake_run(tmp_path / "norm" / "x", [(0.1, 0.2)])
    _fake_run(tmp_path / "norm" / "y", [(0.1, 0.2)], nadir=(2, 2))
    with pytest.raises(RecordError, match="normalised differently.*nadir"):
        read_runs(tmp_path / "norm")
    _fake_run(tmp_path / "z", [(0.1, 0.2)], version="one")
    with pytest.raises(RecordError, match="record_version 'one'.*not a run record"):
        load_run(tmp_path / "z")
    _fake_run(tmp_path / "cut", [(0.1, 0.2), (0.3, 0.1), (0.2, 0.2)])
    text = (tmp_path / "cut" / "evaluations.csv").read_text()
    (tmp_path / "cut" / "evaluations.csv").write_text(text[:-6])
    with pytest.raises(RecordError, match="truncated"):
        read_run(tmp_path / "cut")


def test_a_version_1_record_still_reads():
    """The committed example's records are of version 1: read as before, no telemetry, the
    hypervolume its runs.csv holds."""
    example = Path(__file__).resolve().parent.parent / "reports" / "examples" / "resnet20_digits"
    committed = pd.read_csv(example / "runs.csv").iloc[0]
    run = read_run(example.parent.parent.parent / committed.run_dir)
    assert run.meta["record_version"] == 1 and run.telemetry is None
    assert run.space.names == ["error", "macs_M"] and len(run.F) == committed.evaluations
    assert run.hypervolume() == pytest.approx(committed.hv_full, rel=1e-12)  # no region of its own


def test_a_version_2_record_and_its_telemetry_read_and_are_reported(tmp_path):
    assert RECORD_VERSION in READABLE_RECORD_VERSIONS  # what this suite writes, it reads
    generation = [
        {
            "generation": g,
            "evaluations": 4 * (g + 1),
            "operator": op,
            "reward": 0.1,
            "fallback": g == 0,
        }
        for g, op in enumerate(["sbx", "sbx", "de", None])
    ]
    _fake_run(
        tmp_path / "runs" / "h0",
        [(0.2, 0.6), (0.5, 0.3)],
        algorithm="hamp",
        version=2,
        budget=4,
        telemetry={
            "values": {"fallback_generations": 1},
            "series": {
                "generation": generation,
                "local_search": [{"generation": 1, "screened": 8, "proposed": 2}],
            },
        },
    )
    _fake_run(
        tmp_path / "runs" / "h1",
        [(0.3, 0.3)],
        algorithm="hamp",
        seed=1,
        version=2,
        budget=4,
        telemetry={
            "values": {},
            "series": {
                "generation": [
                    {
                        "generation": 0,
                        "evaluations": 4,
                        "operator": "de",
                        "reward": 0.0,
                        "fallback": False,
                    }
                ]
            },
        },
    )
    _fake_run(tmp_path / "runs" / "n0", [(0.4, 0.4)], algorithm="nsga2", version=2, budget=4)
    t = read_telemetry(tmp_path / "runs" / "h0")
    assert t.values == {"fallback_generations": 1}
    assert list(t.series["generation"].operator[:3]) == ["sbx", "sbx", "de"]
    assert t.series["local_search"].to_dict("records") == [
        {"generation": 1, "screened": 8, "proposed": 2}
    ]
    assert read_telemetry(tmp_path / "runs" / "n0") is None  # nothing recorded, no file
    run = read_run(tmp_path / "runs" / "h0")
    assert run.telemetry.values == t.values and run.hypervolume() == pytest.approx(0.63)

    build_report([tmp_path / "runs"], tmp_path / "out", figures_on=False)
    md = (tmp_path / "out" / "report.md").read_text()
    assert "## Algorithm telemetry" in md
    # 5 generations over 2 runs: sbx 2, de 2, none 1
    assert (
        "| problem | algorithm | runs | generations | (none) | de | sbx |\n|---|---|---|---|---|"
        "---|---|\n| p | hamp | 2 | 5 | 0.2000 | 0.4000 | 0.4000 |"
    ) in md
    assert "nsga2 |" not in md.split("## Algorithm telemetry")[1]


def test_other_record_versions_are_refused_with_what_to_do(tmp_path):
    _fake_run(tmp_path / "v6", [(0.1, 0.2)], version=6)
    with pytest.raises(
        RecordError,
        match=r"v6/run.json has record_version 6; this hamp_bench "
        r"reads record versions 1, 2, 3, 4 and 5; it was written by a newer hamp_bench: "
        r"report on it with that version, or upgrade this one",
    ):
        read_runs(tmp_path / "v6")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "algorithm.json").write_text('{"series": {"generation": 3}}')
    with pytest.raises(RecordError, match="broken/algorithm.json is not an algorithm record"):
        read_telemetry(tmp_path / "broken")


def test_a_report_without_telemetry_has_no_telemetry_section(tmp_path):
    _fake_run(tmp_path / "runs" / "a", [(0.1, 0.5)], algorithm="hamp", version=2)
    build_report([tmp_path / "runs"], tmp_path / "out", figures_on=False)
    assert "telemetry" not in (tmp_path / "out" / "report.md").read_text()


def test_single_runs_and_incomplete_runs_are_reported_not_tested(tmp_path):
    _fake_run(tmp_path / "runs" / "a", [(0.1, 0.5)], algorithm="hamp")
    _fake_run(tmp_path / "runs" / "b", [(0.5, 0.1)], algorithm="nsga2")
    _fake_run(
        tmp_path / "runs" / "c", [(0.5, 0.5)], algorithm="nsga2", seed=1, status="interrupted"
    )
    result = build_report([tmp_path / "runs"], tmp_path / "out", figures_on=False)
    md = (tmp_path / "out" / "report.md").read_text()
    assert "statistics are impossible" in md
    assert "1 runs did not complete" in md and "interrupted" in md and "runs/c" in md
    assert result["summary"]["hv_p"].isna().all()


@pytest.mark.slow
def test_a_whole_report_from_real_runs(tmp_path):
    for problem in ("zdt1", "zdt2"):
        for alg in ("hamp", "nsga2", "random"):
            for seed in range(3):
                run_cell(
                    tmp_path / "runs" / f"{problem}-{alg}-{seed}",
                    f"algorithm={alg}",
                    f"problem={problem}",
                    "budget=200",
                    f"seed={seed}",
                )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "hamp_bench.report",
            str(tmp_path / "runs"),
            "--out",
            str(tmp_path / "rep"),
            "--reference",
            "nsga2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    out = tmp_path / "rep"
    for f in (
        "report.md",
        "tables.tex",
        "summary.csv",
        "runs.csv",
        "anytime.csv",
        "figures/cd_diagram.pdf",
        "figures/hv_box_zdt1.png",
        "figures/anytime_zdt1.pdf",
        "figures/eaf50_zdt2.png",
        "figures/front_zdt1_f1_f2.png",
    ):
        assert (out / f).is_file(), f
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 6 and summary.hv_median.between(0, 1.21).all()
    md = (out / "report.md").read_text()
    assert "IGD+ reference: true Pareto front" in md and "Friedman test" in md
    assert "python -m hamp_bench.report" in md
    tex = (out / "tables.tex").read_text()
    assert r"\toprule" in tex and r"\textbf{" in tex
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "hamp_bench.report",
            str(tmp_path / "empty"),
            "--out",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr


def test_figures_are_saved_in_the_formats_asked_for(tmp_path):
    from hamp_bench.errors import ConfigError
    from hamp_bench.reports import figures

    from conftest import run_cell

    run_cell(tmp_path / "r0", "algorithm=random", "problem=zdt1", "budget=60", "seed=0")
    run_cell(tmp_path / "r1", "algorithm=nsga2", "problem=zdt1", "budget=60", "seed=0")
    build_report([tmp_path / "r0", tmp_path / "r1"], tmp_path / "out", "nsga2", formats=("png",))
    made = {p.suffix for p in (tmp_path / "out" / "figures").iterdir()}
    assert made == {".png"}
    with pytest.raises(ConfigError, match="--formats svg: choose one or more of pdf, png"):
        with figures.saved_as(("svg",)):
            pass
    with pytest.raises(ConfigError, match="--dpi 5: choose a resolution"):
        with figures.saved_as(("png",), 5):
            pass
    assert figures._saving == (figures.FORMATS, figures.DPI)  # a refusal leaves the default


def test_pruning_fronts_get_the_keep_figure(tmp_path):
    """The keep-ratio figure is drawn for pruning problems (genes are channel groups); EMOMC's
    named genes are skipped (tests/test_emomc_problem.py)."""
    from hamp_bench.reports import figures
    from hamp_bench.reports.gather import read_run

    from conftest import run_cell

    run_cell(tmp_path / "r", "algorithm=random", "problem=tiny_synthetic", "budget=8",
             f"problem.model_dir={tmp_path / 'models'}")  # fmt: skip
    run = read_run(tmp_path / "r")
    assert all(isinstance(g, dict) for g in run.meta["problem"]["genes"])
    stem = figures.keep_ratios([run], run.problem, tmp_path / "fig")
    assert stem and (tmp_path / "fig" / f"{stem}.png").exists()
