"""Surrogate problems: a build on the tiny pruning problem (design -> true evaluations ->
fit -> ONNX artifact), the surrogate as an ordinary problem (same genome, bounds, region and
exact cheap objectives as its source; deterministic), rescore, and every refusal."""

import gzip
import io
import json
import shutil
import subprocess
import sys

import moocore
import numpy as np
import pandas as pd
import pytest

from hamp_bench.cli.build_surrogate import build
from hamp_bench.components import build as build_component
from hamp_bench.errors import ConfigError
from hamp_bench.problems.surrogates.artifact import MANIFEST, MODEL, read_manifest
from hamp_bench.reports.build import build_report

from conftest import make_config, read_evaluations, run_cell

# algorithm.resample: a design key, which the noise run (listed genomes) must not be given
ARGS = ["problem=tiny_synthetic", "n=40", "noise=8", "algorithm.resample=0.5", "progress.mode=off"]


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    out = tmp_path_factory.mktemp("sur") / "tiny"
    build([*ARGS, f"out={out}"])
    return out


def _surrogate(artifact, *extra):
    return make_config(
        "problem=surrogate",
        f"problem.artifact={artifact}",
        "problem.source=tiny_synthetic",
        *extra,
    ).problem


def test_the_artifact_says_what_it_was_built_from_and_how_well_it_ranks(artifact):
    m = read_manifest(artifact, "tiny_synthetic")
    true = build_component(make_config("problem=tiny_synthetic").problem, "problem")
    assert m["source"]["fingerprint"] == true.fingerprint()
    assert m["n"] == 40 and m["design"]["_target_"].endswith("SurrogateDesign")
    assert m["design"]["resample"] == 0.5  # the design keys given to the build are recorded
    assert set(m["model"]["cv_kendall_tau"]) == {"extra_trees", "gradient_boosting", "mlp"}
    assert m["model"]["kind"] in m["model"]["cv_kendall_tau"]
    assert m["model"]["onnx_max_abs_diff"] < 1e-5
    assert set(m["held_out"]) == {"all", "roi"} and m["held_out"]["all"]["n"] == 8
    assert {"kendall_tau", "spearman", "mae", "r2"} <= set(m["held_out"]["all"])
    assert m["noise_ceiling"]["genomes"] == 8 and m["noise_ceiling"]["finetune_seeds"] == [0, 1]
    assert m["build"]["command"].startswith("python -m hamp_bench.build_surrogate ")
    assert m["build"]["true_evaluations_wall_s"] > 0
    rows = pd.read_csv(io.BytesIO(gzip.decompress((artifact / "evaluations.csv.gz").read_bytes())))
    assert len(rows) == 40 and rows["error_noise_seed"].notna().sum() == 8
    assert rows[["x0", "x1", "x2", "error"]].equals(
        read_evaluations(artifact / "build")[["x0", "x1", "x2", "error"]]
    )
    assert not list(artifact.glob("*.pkl")) and not list(artifact.glob("*.joblib"))


def test_the_surrogate_is_its_source_with_a_modelled_error(artifact):
    sur = build_component(_surrogate(artifact), "problem")
    true = build_component(make_config("problem=tiny_synthetic").problem, "problem")
    for attr in ("xl", "xu", "ideal", "nadir", "full_nadir"):
        np.testing.assert_array_equal(getattr(sur, attr), getattr(true, attr), err_msg=attr)
    assert sur.objectives == true.objectives and sur.roi == true.roi and sur.var_type == "int"
    X = np.random.default_rng(0).integers(true.xl, true.xu, (50, true.n_var), endpoint=True)
    np.testing.assert_array_equal(sur.evaluate_cheap(X), true.evaluate_cheap(X))  # exact
    a, b = sur.evaluate(X), sur.evaluate(X)
    np.testing.assert_array_equal(a.F, b.F)
    assert ((a.F[:, 0] >= 0) & (a.F[:, 0] <= 1)).all() and len(np.unique(a.F[:, 0])) > 5
    assert sur.describe()["surrogate"] is True and sur.fingerprint() != true.fingerprint()
    two = build_component(_surrogate(artifact, "problem.objectives=[error,latency]"), "problem")
    assert two.n_obj == 2 and two.fingerprint() != sur.fingerprint()
    np.testing.assert_array_equal(two.evaluate(X).F, a.F[:, :2])


def test_runs_are_deterministic_and_labelled_surrogate(artifact, tmp_path):
    extra = [
        "problem=surrogate",
        f"problem.artifact={artifact}",
        "problem.source=tiny_synthetic",
        "algorithm=nsga2",
        "budget=300",
        "seed=3",
    ]
    run_cell(tmp_path / "a", *extra)
    run_cell(tmp_path / "b", *extra)
    cols = lambda d: read_evaluations(d).drop(columns=["wall_s", "cached"])  # noqa: E731
    pd.testing.assert_frame_equal(cols(tmp_path / "a"), cols(tmp_path / "b"))
    p = json.loads((tmp_path / "a/run.json").read_text())["problem"]
    assert p["surrogate"] is True and p["source"]["problem"] == "tiny_synthetic"
    assert (
        p["roi"]["base_error"] == read_manifest(artifact)["source"]["describe"]["roi"]["base_error"]
    )
    # every report table says which problem is a surrogate
    run_cell(tmp_path / "true", "problem=tiny_synthetic", "algorithm=random", "budget=30")
    build_report([tmp_path / "a", tmp_path / "true"], tmp_path / "rep", "nsga2", False)
    summary = pd.read_csv(tmp_path / "rep/summary.csv").set_index("problem")["surrogate"]
    assert summary.to_dict() == {"surrogate": True, "tiny_synthetic": False}
    tex = (tmp_path / "rep/tables.tex").read_text()
    assert "surrogate (surrogate) &" in tex and "tiny\\_synthetic &" in tex
    assert "### surrogate (surrogate)" in (tmp_path / "rep/report.md").read_text()


def test_rescore_adds_the_true_errors_of_the_final_front(artifact, tmp_path):
    run_cell(
        tmp_path / "r",
        "problem=surrogate",
        f"problem.artifact={artifact}",
        "problem.source=tiny_synthetic",
        "problem.rescore=true",
        "algorithm=random",
        "budget=30",
    )
    front = pd.read_csv(tmp_path / "r/front.csv")
    assert {"true_error", "true_test_error"} <= set(front.columns)
    true = build_component(make_config("problem=tiny_synthetic").problem, "problem")
    X = front[[f"x{i}" for i in range(true.n_var)]].to_numpy()
    np.testing.assert_array_equal(front["true_error"].to_numpy(), true.evaluate(X).F[:, 0])
    # HV true, recomputed by hand: the front's genomes at their true errors, in the run's space
    from hamp_bench.reports.gather import read_run, true_hypervolume

    meta = json.loads((tmp_path / "r/run.json").read_text())["problem"]
    names = [o["name"] for o in meta["objectives"]]
    F = front[names].to_numpy(float)
    F[:, 0] = front["true_error"]
    F = F[F[:, 0] <= meta["roi"]["error_nadir"]]
    N = (F - np.array(meta["ideal"])) / (np.array(meta["nadir"]) - np.array(meta["ideal"]))
    ref = np.array(meta["ref_point_normalised"])
    N = N[np.all(N < ref, axis=1)]
    by_hand = moocore.hypervolume(N, ref=ref) if len(N) else 0.0
    assert true_hypervolume(read_run(tmp_path / "r")) == pytest.approx(by_hand, rel=1e-12)


def _copy(artifact, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(artifact, dst, ignore=shutil.ignore_patterns("build", "noise"))
    return dst


def test_broken_artifacts_are_refused_naming_the_file(artifact, tmp_path):
    bad = _copy(artifact, tmp_path)
    (bad / MANIFEST).unlink()
    with pytest.raises(ConfigError, match=r"copy/manifest.json is missing"):
        build_component(_surrogate(bad), "problem")
    bad = _copy(artifact, tmp_path / "t")
    (bad / MANIFEST).write_text((artifact / MANIFEST).read_text()[:200])
    with pytest.raises(ConfigError, match=r"manifest.json is truncated or corrupt"):
        build_component(_surrogate(bad), "problem")
    with pytest.raises(ConfigError, match=r"built from problem 'tiny_synthetic', but problem."):
        build_component(
            make_config(
                "problem=surrogate", f"problem.artifact={artifact}", "problem.source=vgg16_digits"
            ).problem,
            "problem",
        )
    bad = _copy(artifact, tmp_path / "m")
    (bad / MODEL).write_bytes((bad / MODEL).read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ConfigError, match=r"copy/model.onnx does not match the checksum"):
        build_component(_surrogate(bad), "problem")
    with pytest.raises(ConfigError, match=r"neither a shipped surrogate"):
        build_component(_surrogate(tmp_path / "nowhere"), "problem")
    # a manifest that no longer lists the model's checksum: the model is never loaded unchecked
    bad = _copy(artifact, tmp_path / "f")
    m = json.loads((bad / MANIFEST).read_text())
    del m["files"][MODEL]
    (bad / MANIFEST).write_text(json.dumps(m))
    (bad / MODEL).write_bytes(b"not a model")
    with pytest.raises(ConfigError, match=r"lists no checksum for \['model.onnx'\]"):
        build_component(_surrogate(bad), "problem")
    # valid JSON, but parts of the description cut away
    for cut in (("source", "describe"), ("features", "macs_full")):
        bad = _copy(artifact, tmp_path / "-".join(cut))
        m = json.loads((bad / MANIFEST).read_text())
        del m[cut[0]][cut[1]]
        (bad / MANIFEST).write_text(json.dumps(m))
        with pytest.raises(ConfigError, match=r"does not describe a surrogate problem"):
            build_component(_surrogate(bad), "problem")


def test_rescore_without_its_source_stops_with_what_is_missing(artifact, tmp_path):
    bad = _copy(artifact, tmp_path)
    m = json.loads((bad / MANIFEST).read_text())
    m["source"]["config"]["dataset"].update(name="cifar10", download=False)
    (bad / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(ConfigError, match="rescore=true needs the source problem"):
        build_component(_surrogate(bad, "problem.rescore=true"), "problem")  # before any run


def test_rescore_against_a_retrained_base_model_only_where_only_the_weights_differ(
    artifact, tmp_path
):
    """A base model retrained elsewhere need not be bit-identical: rescore_base=retrained
    accepts a source whose weights differ from the artifact's and records which weights the
    true errors come from; data or platform differences stay refused."""
    bad = _copy(artifact, tmp_path / "w")
    m = json.loads((bad / MANIFEST).read_text())
    m["source"]["fingerprint"] = "0" * 64  # as if its base model had other weights
    m["source"]["base_model"]["weights_sha256"] = "f" * 64
    (bad / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(ConfigError, match="rescore_base=retrained to re-score"):
        build_component(_surrogate(bad, "problem.rescore=true"), "problem")
    sur = build_component(
        _surrogate(bad, "problem.rescore=true", "problem.rescore_base=retrained"), "problem"
    )
    told = sur.describe()["rescored_against"]
    true = build_component(make_config("problem=tiny_synthetic").problem, "problem")
    assert told["same_as_artifact"] is False and told["fingerprint"] == true.fingerprint()
    assert told["artifact_weights_sha256"] == "f" * 64
    assert len(sur.test_scores(np.array([[1, 1, 1]]))["true_error"]) == 1
    m["source"]["platform"] = {**m["source"]["platform"], "torch": "0.0"}
    (bad / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(ConfigError, match="differs from the artifact's in platform"):
        build_component(
            _surrogate(bad, "problem.rescore=true", "problem.rescore_base=retrained"), "problem"
        )
    with pytest.raises(ConfigError, match="problem.rescore_base must be one of"):
        build_component(_surrogate(artifact, "problem.rescore_base=any"), "problem")


def test_bad_build_settings_stop_before_any_evaluation(tmp_path):
    for args, msg in [
        (["problem=tiny_synthetic", "n=4", "folds=5"], "fewer than folds=5"),
        (["problem=tiny_synthetic", "n=40", "holdout=1.5"], "holdout must be a share"),
        (["n=40"], "problem=<true problem> is required"),
        (["problem=tiny_synthetic", "n=10", "folds=2", "holdout=0.1"], "fewer than 3"),
        (["problem=zdt1", "n=40"], "not a true pruning problem"),
        (["problem=resnet20_digits_sur", "n=40"], "cannot be the source of another"),
    ]:
        with pytest.raises(ConfigError, match=msg):
            build([*args, f"out={tmp_path / 'out'}"])
        assert not (tmp_path / "out").exists()  # no record, no artifact
    r = subprocess.run(
        [sys.executable, "-m", "hamp_bench.build_surrogate", "problem=tiny_synthetic", "n=3",
         f"out={tmp_path / 'cli'}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert r.returncode != 0 and "fewer than folds=5" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "cli").exists()


@pytest.mark.slow
def test_a_killed_build_resumes_to_the_same_artifact(artifact, tmp_path):
    out = tmp_path / "tiny"
    shutil.copytree(artifact / "build", out / "build")
    lines = (out / "build/evaluations.csv").read_text().splitlines(keepends=True)
    (out / "build/evaluations.csv").write_text("".join(lines[:21]))  # 20 of 40 survive
    run = json.loads((out / "build/run.json").read_text())
    (out / "build/run.json").write_text(json.dumps({**run, "status": "running"}))
    (out / "build/front.csv").unlink()
    build([*ARGS, f"out={out}"])
    a, b = read_manifest(out), read_manifest(artifact)
    assert a["held_out"] == b["held_out"] and a["model"]["kind"] == b["model"]["kind"]
    assert a["files"][MODEL] == b["files"][MODEL]  # the same model, byte for byte
    assert json.loads((out / "build/run.json").read_text())["resumed"][0]["from_eval"] == 20
