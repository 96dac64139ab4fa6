"""Every shipped surrogate artifact has presets and a row in docs/surrogates.md that quotes its
manifest's held-out figures; every preset loads from its committed artifact (manifest checksums,
source name) and evaluates deterministically."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from hamp_bench.components import build as build_component

from conftest import make_config

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf" / "problem"
SHIPPED = sorted(p.parent.name for p in (ROOT / "problems" / "surrogates").glob("*/manifest.json"))
PRESETS = sorted(
    p.stem
    for p in CONF.glob("*.yaml")
    if "SurrogatePruningProblem" in p.read_text() and "artifact" in yaml.safe_load(p.read_text())
)


def test_every_shipped_artifact_has_presets_and_a_row_in_the_docs():
    used = {yaml.safe_load((CONF / f"{p}.yaml").read_text())["artifact"] for p in PRESETS}
    assert len(SHIPPED) >= 3 and set(SHIPPED) <= used
    docs = (ROOT / "docs" / "surrogates.md").read_text()
    for name in SHIPPED:
        m = json.loads((ROOT / "problems" / "surrogates" / name / "manifest.json").read_text())
        row = next((line for line in docs.splitlines() if line.startswith(f"| {name} (")), None)
        assert row is not None, f"docs/surrogates.md has no row for {name}"
        for part in ("all", "roi"):  # the held-out taus the row quotes are the manifest's
            assert f"{m['held_out'][part]['kendall_tau']:.3f}" in row, (name, part)


@pytest.mark.parametrize("preset", PRESETS)
def test_a_shipped_surrogate_loads_and_is_deterministic(preset):
    problem = build_component(make_config(f"problem={preset}").problem, "problem")
    assert problem.surrogate and problem.manifest["n"] >= 2000
    rng = np.random.default_rng(0)
    X = rng.integers(problem.xl, problem.xu + 1, size=(64, problem.n_var))
    a, b = problem.evaluate(X).F, problem.evaluate(X).F
    assert np.array_equal(a, b)
    err = a[:, problem.objective_keys.index("error")]
    assert ((0 <= err) & (err <= 1)).all() and np.ptp(err) > 0
    held = problem.manifest["held_out"]
    assert held["all"]["n"] > 0 and -1 <= held["all"]["kendall_tau"] <= 1
