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
import torch

from hamp_bench.reports.build import build_report
from hamp_bench.reports.gather import read_run

from conftest import run_cell

ROOT = Path(__file__).resolve().parent.parent
STUDY = ROOT / "reports" / "examples" / "emomc_study"
ALGORITHMS = ["emomc", "hamp", "nsga2", "random"]
SEEDS = 11
#: study folder -> (problem, mode, budget, the uncompressed network's cost worked out by hand
#: where it is simple: LeNet-5's 61,470 conv and linear weights x 32 bits / 8,192)
STUDIES = {
    "vgg16_digits": ("emomc_vgg16_digits", "energy", 100, None),
    "lenet5_fmnist_energy": ("emomc_lenet5_fmnist", "energy", 200, None),
    "lenet5_fmnist_size": ("emomc_lenet5_fmnist", "size", 200, 61470 * 32 / 8192),
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
    problem, mode, budget, _ = STUDIES[study]
    root = records / study
    cells = sorted(p.parent.relative_to(root) for p in root.rglob("run.json"))
    assert cells == sorted(Path(a) / f"seed{s}" for a in ALGORITHMS for s in range(SEEDS))
    for cell in cells:
        run = read_run(root / cell)
        assert run.status == "completed" and run.n_evaluations == budget
        assert run.meta["problem"]["name"] == problem
        assert run.meta["problem"]["emomc"] == {
            "mode": mode, "dataflow": "X|Y", "coding": "csr", "bound": None
        }  # fmt: skip


@pytest.mark.parametrize("study", STUDIES)
def test_the_report_rebuilt_from_the_records_equals_the_committed_one(records, study, tmp_path):
    build_report([records / study], tmp_path, reference="emomc", figures_on=False)
    for name in ("summary.csv", "runs.csv", "anytime.csv", "targets.csv"):
        new, old = pd.read_csv(tmp_path / name), pd.read_csv(STUDY / study / name)
        assert list(new.columns) == list(old.columns), name
        for col in old.columns:
            if pd.api.types.is_numeric_dtype(old[col]):
                np.testing.assert_allclose(new[col], old[col], rtol=1e-12, err_msg=f"{name} {col}")
            elif col != "run_dir":  # where the records were extracted
                assert new[col].astype(str).tolist() == old[col].astype(str).tolist(), col
    assert (tmp_path / "tables.tex").read_text() == (STUDY / study / "tables.tex").read_text()
    summary = pd.read_csv(STUDY / study / "summary.csv")
    table = _readme_table("hv")
    assert sum(line.startswith(f"| {study} |") for line in table.splitlines()) == len(summary)
    for row in summary.itertuples():
        marker = row.hv_marker if isinstance(row.hv_marker, str) else "ref"
        test = "|  |" if marker == "ref" else f"| {row.hv_a12:.2f} | {row.hv_p_holm:.3g} |"
        cell = (
            f"| {study} | {row.algorithm} | {row.hv_median:.4f} | {marker} | "
            f"{row.hv_q1:.4f}-{row.hv_q3:.4f} {test}"
        )
        assert cell in table, cell


@pytest.mark.parametrize("study", STUDIES)
def test_the_factors_recomputed_from_the_records_equal_the_committed_ones(records, study):
    bench = _bench()
    table, _ = bench.factors(records / study)
    by_hand = STUDIES[study][3]
    fp32 = table.factor * table[STUDIES[study][1].replace("size", "size_kb")]
    np.testing.assert_allclose(fp32, by_hand or fp32.iloc[0], rtol=1e-9)  # one reference a study
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
    # the sweep's joblib workers ran with one torch thread, and the prepared data's bits depend
    # on the thread count (README: "Two LeNet-5 base models"): build the problem the same way
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run_cell(tmp_path / "again", *overrides)
    finally:
        torch.set_num_threads(threads)
    again = pd.read_csv(tmp_path / "again" / "front.csv", dtype=str)
    front = pd.read_csv(committed / "front.csv", dtype=str)
    assert set(again.columns) - set(front.columns) <= {"cached", "wall_s", "batch"}
    pd.testing.assert_frame_equal(again[front.columns], front)
