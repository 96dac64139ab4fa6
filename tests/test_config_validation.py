"""Configs are validated before any work; user errors exit non-zero with a short message."""

import pytest
from hydra.errors import ConfigCompositionException

from conftest import cli, make_config, presets


@pytest.mark.parametrize(
    "override, names",
    [
        ("algorithm.pop_sise=3", "algorithm.pop_sise"),  # misspelt key
        ("budget=abc", "budget"),  # wrong type
        ("sed=3", "sed"),  # misspelt top-level key
        ("progress.mode=fancy", "progress.mode"),  # not one of the allowed values
        ("problem.n_var=many", "problem.n_var"),
    ],
)
def test_bad_key_or_type_names_the_key(tmp_path, override, names):
    r = cli(override, cwd=tmp_path)
    assert r.returncode != 0
    assert names in r.stderr
    assert "Traceback" not in r.stderr
    assert not list(tmp_path.rglob("evaluations.csv")), "no work may start on a bad config"


@pytest.mark.parametrize("group", ["algorithm", "problem", "dataset", "network", "hardware"])
def test_unknown_choice_lists_available_ones(tmp_path, group):
    available = presets(group)
    assert len(available) >= 4
    r = cli(f"{group}=nope", cwd=tmp_path)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    for name in available:
        assert f"\t{name}\n" in r.stderr
    assert "schema" not in r.stderr.split("Available options")[1].split("Config search path")[0]


@pytest.mark.parametrize(
    "override, message",
    [
        ("algorithm=nsga2 algorithm.pop_size=1", "algorithm.pop_size must be at least 2"),
        ("algorithm.pop_size=1", "algorithm.pop_size must be at least 4"),  # hamp, the default
        ("budget=0", "budget must be at least 1"),
        ("algorithm=random algorithm.batch_size=0", "algorithm.batch_size must be at least 1"),
        ("problem=zdt1 problem.n_var=1", "problem.n_var must be at least 2"),
        ("problem=tiny_synthetic problem.objectives=[error]", "problem.objectives must be 2 or 3"),
        ("problem=tiny_synthetic network.name=alexnet", "network.name='alexnet' is unknown"),
    ],
)
def test_out_of_range_values_fail_before_work(tmp_path, override, message):
    r = cli(*override.split(), cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert not list(tmp_path.rglob("evaluations.csv"))


def test_full_error_env_shows_traceback(tmp_path):
    r = cli("budget=0", cwd=tmp_path, env={"HYDRA_FULL_ERROR": "1"})
    assert r.returncode != 0
    assert "Traceback" in r.stderr and "ConfigError" in r.stderr


def test_cfg_job_prints_resolved_config(tmp_path):
    r = cli("--cfg", "job", "algorithm=nsga2", "problem=zdt1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "pop_size: null" in r.stdout and "function: zdt1" in r.stdout
    assert not list(tmp_path.rglob("run.json"))


def test_in_process_composition_rejects_bad_key():
    with pytest.raises(ConfigCompositionException, match="pop_sise"):
        make_config("algorithm.pop_sise=3")
