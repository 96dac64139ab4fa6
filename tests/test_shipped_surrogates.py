"""Every shipped surrogate preset loads from its committed artifact (manifest checksums,
source name), evaluates deterministically, and its manifest holds the figures docs/surrogates.md
quotes for it."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from hamp_bench.components import build as build_component

from conftest import make_config

CONF = Path(__file__).resolve().parents[1] / "conf" / "problem"
PRESETS = sorted(
    p.stem
    for p in CONF.glob("*.yaml")
    if "SurrogatePruningProblem" in p.read_text() and "artifact" in yaml.safe_load(p.read_text())
)


def test_every_shipped_artifact_has_a_preset():
    assert {"resnet20_digits_sur", "resnet20_fmnist_sur"} <= set(PRESETS)


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
