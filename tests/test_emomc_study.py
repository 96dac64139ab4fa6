"""The EMOMC study (reports/examples/emomc_study/) cannot go stale or drift from the code:

- its committed compact records hold every cell of its three studies, complete;
- each report rebuilt from them equals the committed summary.csv, and the README's hypervolume
  table quotes it;
- the energy and size factors recomputed from the records (bench/emomc_factors.py) equal the
  committed factors_*.csv, and the README's factor table quotes them;
- with HAMP_BENCH_FULL=1, one LeNet-5 cell re-run gives the committed front (it trains LeNet-5
  on Fashion-MNIST first: minutes).
"""

import importlib.util
import re
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hamp_bench.reports.build import build_report
from hamp_bench.reports.gather import read_run

from conftest import run_cell

ROOT = Path(__file__).resolve().parent.parent
STUDY = ROOT / "reports" / "examples" / "emomc_study"
ALGORITHMS = ["emomc", "hamp", "nsga2", "random"]
SEEDS = 11
#: study folder -> (problem, budget)
STUDIES = {
    "vgg16_digits": ("emomc_vgg16_digits", 100),
    "lenet5_fmnist_energy": ("emomc_lenet5_fmnist", 200),
    "lenet5_fmnist_size": ("emomc_lenet5_fmnist", 200),
}


def _bench():
    spec = importlib.util.spec_from_file_location("emomc_factors", ROOT / "bench/emomc_factors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("emomc_study")
    with tarfile.open(STUDY / "records.tar.xz") as tar:
        tar.extractall(out, filter="data")
    return out


def _readme_table(marker: str) -> str:
    readme = (STUDY / "README.md").read_text()
    return re.search(rf"<!-- {marker} -->\n(.*?)\n<!-- /{marker} -->", readme, re.S).group(1)


@pytest.mark.parametrize("study", STUDIES)
def test_every_cell_is_committed_and_complete(records, study):
    problem, budget = STUDIES[study]
    root = records / study
    cells = sorted(p.parent.relative_to(root) for p in root.rglob("run.json"))
    assert cells == sorted(Path(a) / f"seed{s}" for a in ALGORITHMS for s in range(SEEDS))
    for cell in cells:
        run = read_run(root / cell)
        assert run.status == "completed" and run.n_evaluations == budget
        assert run.meta["problem"]["name"] == problem


@pytest.mark.parametrize("study", STUDIES)
def test_the_report_rebuilt_from_the_records_equals_the_committed_one(records, study, tmp_path):
    build_report([records / study], tmp_path, reference="emomc", figures_on=False)
    new, old = pd.read_csv(tmp_path / "summary.csv"), pd.read_csv(STUDY / study / "summary.csv")
    assert list(new.columns) == list(old.columns)
    for col in old.columns:
        if pd.api.types.is_numeric_dtype(old[col]):
            np.testing.assert_allclose(new[col], old[col], rtol=1e-12, err_msg=col)
        else:
            assert new[col].astype(str).tolist() == old[col].astype(str).tolist(), col
    table = _readme_table("hv")
    for row in old.itertuples():
        marker = row.hv_marker if isinstance(row.hv_marker, str) else "ref"
        cell = f"| {study} | {row.algorithm} | {row.hv_median:.4f} | {marker} |"
        assert cell in table, cell


@pytest.mark.parametrize("study", STUDIES)
def test_the_factors_recomputed_from_the_records_equal_the_committed_ones(records, study):
    bench = _bench()
    table, _ = bench.factors(records / study)
    committed = pd.read_csv(STUDY / f"factors_{study}.csv")
    pd.testing.assert_frame_equal(table, committed, check_dtype=False)
    quoted = _readme_table("factors")
    for alg, g, p, a in bench.compare(table, "emomc"):
        cell = (
            f"| {study} | {alg} | {g.factor.median():.2f}x | "
            f"{g.factor.min():.2f}-{g.factor.max():.2f} | {g.eval_id.notna().sum()}/{len(g)} | "
            + ("ref |  |" if p is None else f"{p:.3g} | {a:.2f} |")
        )
        assert cell in quoted, cell


@pytest.mark.full
def test_a_lenet5_cell_rerun_gives_the_committed_front(records, tmp_path):
    committed = records / "lenet5_fmnist_size" / "emomc" / "seed3"
    overrides = read_run(committed).meta["overrides"]
    assert "algorithm=emomc" in overrides and "problem.emomc.mode=size" in overrides
    run_cell(tmp_path / "again", *overrides)
    again = pd.read_csv(tmp_path / "again" / "front.csv", dtype=str)
    front = pd.read_csv(committed / "front.csv", dtype=str)
    assert set(again.columns) - set(front.columns) <= {"cached", "wall_s", "batch"}
    pd.testing.assert_frame_equal(again[front.columns], front)
