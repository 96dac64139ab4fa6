"""The pruning problem end to end on a tiny network and synthetic data (seconds)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from hamp_bench import components
from hamp_bench.errors import ConfigError, DataError, GenomeError
from hamp_bench.evaluator import Evaluator
from hamp_bench.problems import base_models
from hamp_bench.problems.configs import PruningProblemConfig
from hamp_bench.problems.pruning import kept_channels, prune
from hamp_bench.problems.pruning_problem import PruningProblem
from hamp_bench.problems.training import error_rate, recalibrate_bn

from conftest import conf_dir, make_config, presets, read_evaluations, run_cell

TINY = dict(
    name="tiny_test",
    network={"name": "tiny", "width": 1.0},
    dataset={"name": "synthetic", "image_size": 16, "augment_crop": 0, "augment_hflip": False},
    hardware={"_target_": "hamp_bench.problems.hardware.macs.MacsProxy"},
    objectives=["error", "latency", "memory"],
    levels=8,
    fidelity={"finetune_steps": 2, "finetune_batch": 16},
    pretrain={"epochs": 3, "batch_size": 32, "lr": 0.05},
    progress=False,
)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def problem(model_dir):
    return PruningProblem(**TINY, model_dir=model_dir)


def test_genome_space_and_objectives(problem):
    assert problem.n_var == 3 and problem.var_type == "int"
    assert problem.xl.tolist() == [1, 1, 1] and problem.xu.tolist() == [8, 8, 8]
    assert problem.objective_names == ["error", "macs_M", "memory_mb"]
    assert problem.cheap_mask.tolist() == [False, True, True]
    assert problem.describe()["data"]["synthetic"] is True
    assert problem.base_meta["val_error"] < 0.5  # the base model learned something


def test_evaluation_is_deterministic_per_genome(problem, model_dir):
    X = np.array([[3, 5, 2], [8, 8, 8], [3, 5, 2]])
    a = problem.evaluate(X)
    again = PruningProblem(**TINY, model_dir=model_dir).evaluate(X)  # a fresh instance
    assert np.array_equal(a.F, again.F)
    assert np.array_equal(a.F[0], a.F[2])
    assert a.extras["params"][1] == sum(p.numel() for p in problem.base.parameters())


def test_all_keep_without_finetuning_is_the_base_model(model_dir):
    p = PruningProblem(
        **{**TINY, "fidelity": {"finetune_steps": 0, "bn_batches": 0}}, model_dir=model_dir
    )
    F = p.evaluate(np.array([[8, 8, 8]])).F[0]
    assert F[0] == error_rate(p.base, p.data.val)
    assert F[1] == pytest.approx(p.nadir[1]) and F[2] == pytest.approx(p.nadir[2])
    assert p.ideal.tolist() == pytest.approx([0.0, *p._cheap(np.array([[1, 1, 1]]))[0, 1:]])


def test_bn_recalibration_uses_the_statistics_of_its_batches(problem):
    net = prune(
        problem.base, kept_channels(problem.rankings, problem.keep(np.array([[4, 4, 4]]))[0])
    )
    recalibrate_bn(net, problem.data.train, batches=2, batch_size=32)
    conv, bn = net.features[0], net.features[1]
    with torch.no_grad():
        out = conv(problem.data.train.x[:64])
    assert torch.allclose(bn.running_mean, out.mean(dim=(0, 2, 3)), atol=1e-5)
    assert bn.momentum == 0.1 and not net.training


def test_cheap_objectives_match_and_cost_no_budget(problem):
    X = np.array([[1, 2, 3], [7, 7, 1]])
    ev = Evaluator(problem, budget=5)
    cheap = ev.evaluate_cheap(X)
    assert ev.used == 0
    assert np.array_equal(cheap, problem.evaluate(X).F[:, 1:])
    assert cheap[0, 0] < cheap[1, 0]  # fewer channels, fewer MACs


@pytest.mark.parametrize(
    "genome, message",
    [
        ([1, 2], "expects 3"),
        ([1, 2, 9], "outside"),
        ([0, 2, 3], "outside"),
        ([1.5, 2, 3], "integer"),
    ],
)
def test_bad_genomes(problem, genome, message):
    with pytest.raises(GenomeError, match=message):
        problem.evaluate(np.array([genome]))


def test_two_objectives_and_bad_objective_lists(model_dir):
    p = PruningProblem(**{**TINY, "objectives": ["error", "memory"]}, model_dir=model_dir)
    assert p.objective_names == ["error", "memory_mb"] and p.n_obj == 2
    with pytest.raises(ConfigError, match="objectives"):
        PruningProblem(**{**TINY, "objectives": ["error", "speed"]}, model_dir=model_dir)


def test_base_model_is_cached_by_content(problem, model_dir):
    path = problem.base_meta["path"]
    again = PruningProblem(**TINY, model_dir=model_dir)
    assert (
        again.base_meta["path"] == path
        and again.base_meta["train_seconds"] == problem.base_meta["train_seconds"]
    )  # loaded, not retrained
    other = PruningProblem(
        **{**TINY, "pretrain": {**TINY["pretrain"], "seed": 1}}, model_dir=model_dir
    )
    assert other.base_meta["path"] != path
    blob = torch.load(path, weights_only=True)  # loads under the safe loader
    assert blob["meta"]["network"] == {"name": "tiny", "width": 1.0}


def test_corrupt_or_foreign_checkpoints_are_refused(problem, tmp_path, model_dir):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    with pytest.raises(DataError, match=str(bad)):
        PruningProblem(
            **{**TINY, "pretrain": {**TINY["pretrain"], "checkpoint": str(bad)}},
            model_dir=model_dir,
        )
    foreign = {
        **TINY,
        "network": {"name": "tiny", "width": 0.5},
        "pretrain": {**TINY["pretrain"], "checkpoint": problem.base_meta["path"]},
    }
    with pytest.raises(DataError, match="trained for network"):
        PruningProblem(**foreign, model_dir=model_dir)


def test_interrupted_pretraining_leaves_no_checkpoint(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(base_models, "sgd_train", boom)
    with pytest.raises(KeyboardInterrupt):
        PruningProblem(**TINY, model_dir=str(tmp_path))
    assert not list(tmp_path.rglob("*.pt")) and not list(tmp_path.rglob("*.tmp"))


def test_run_rescores_the_front_on_the_test_set(tmp_path):
    out = run_cell(
        tmp_path,
        "problem=tiny_synthetic",
        "algorithm.pop_size=6",
        "budget=18",
        f"cache.dir={tmp_path / 'cache'}",
    )
    front = pd.read_csv(tmp_path / "front.csv")
    ev = read_evaluations(tmp_path)
    assert "test_error" in front and front["test_error"].between(0, 1).all()
    assert list(ev.columns[-2:]) == ["params", "macs"] and len(ev) == 18
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["problem"]["data"]["synthetic"] is True
    assert run["problem"]["fidelity"]["finetune_steps"] == 2
    assert run["config"]["dataset"]["name"] == "synthetic"
    assert out.evaluator.cache is not None  # pruning problems use the shared cache by default


def test_front_rescoring_reuses_the_fine_tuned_networks_of_front_members(model_dir, monkeypatch):
    from hamp_bench.problems import pruning_problem

    searched = PruningProblem(**TINY, model_dir=model_dir)
    ev = Evaluator(searched, budget=12)
    rng = np.random.default_rng(3)
    for genome in rng.integers(1, 9, size=(12, 3)):
        ev.evaluate(genome[None, :])
    front = ev.front.X
    assert len(front) >= 2
    kept = {bytes(k) for k in searched._kept}
    assert kept == {g.astype(np.int64).tobytes() for g in front}  # front members only
    alone = PruningProblem(**TINY, model_dir=model_dir)
    alone.evaluate(front[:1])
    assert alone._kept is None  # without an evaluator tracking the front (a worker): nothing
    fresh = alone.test_scores(front)  # rebuilt

    finetunes = []
    real = pruning_problem.sgd_train
    monkeypatch.setattr(
        pruning_problem, "sgd_train", lambda *a, **k: finetunes.append(1) or real(*a, **k)
    )
    reused = ev.test_scores(front)
    assert finetunes == []  # nothing fine-tuned again
    assert np.array_equal(reused["test_error"], fresh["test_error"])  # the same weights

    searched.retain(front[:1])  # members that left the front are dropped
    assert len(searched._kept) == 1
    searched.retain_mb = 0.0  # beyond the memory allowed, networks are rebuilt, not kept
    searched.evaluate(front[1:2])
    assert searched._kept == {}
    assert np.array_equal(searched.test_scores(front)["test_error"], fresh["test_error"])
    assert len(finetunes) == len(front) + 1


def test_parameters_are_declared_once_and_checked(model_dir):
    """PruningProblemConfig is the one declaration: the class takes it as its parameters, fills
    in its defaults and refuses what it does not declare, naming the key."""
    assert PruningProblem.Params is PruningProblemConfig
    with pytest.raises(ConfigError, match="problem.levls"):
        PruningProblem(**TINY, levls=4, model_dir=model_dir)
    with pytest.raises(ConfigError, match="problem.levels"):
        PruningProblem(**{**TINY, "levels": "many"}, model_dir=model_dir)
    cfg = make_config("problem=tiny_synthetic", f"problem.model_dir={model_dir}").problem
    built = components.build(cfg, "problem", progress=False)  # the preset's own recipe
    by_hand = {k: v for k, v in TINY.items() if k != "pretrain"}
    assert built.fingerprint() == PruningProblem(**by_hand, model_dir=model_dir).fingerprint()


def test_model_dir_defaults_to_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HAMP_BENCH_MODEL_DIR", str(tmp_path))
    assert make_config("problem=tiny_synthetic").problem.model_dir == str(tmp_path)


def test_config_modules_import_without_torch():
    """Every schema the pruning, network, dataset and hardware presets name is read at each
    command-line start: none of their modules may import torch."""
    modules = set()
    for group in ("network", "dataset", "hardware", "problem"):
        for preset in presets(group):
            for entry in yaml.safe_load((conf_dir() / group / f"{preset}.yaml").read_text())[
                "defaults"
            ]:
                if isinstance(entry, str) and entry.startswith(f"/schema/{group}/"):
                    modules.add(entry.split("@")[0].rpartition("/")[2].rpartition(".")[0])
    assert "hamp_bench.problems.hardware.live" in modules
    code = (
        f"import sys, importlib; [importlib.import_module(m) for m in {sorted(modules)}]; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_command_line_dataset_and_hardware_reach_the_problem():
    cfg = make_config("problem=vgg16_jetson")
    assert cfg.problem.dataset.name == "cifar10" and cfg.problem.network.name == "vgg16"
    cfg = make_config("problem=vgg16_jetson", "dataset=fashion_mnist")
    assert cfg.problem.dataset.name == "fashion_mnist"
    cfg = make_config()  # the offline default
    assert cfg.problem.name == "vgg16_digits" and cfg.problem.dataset.name == "digits"
    assert make_config("problem=zdt1").dataset is None


@pytest.mark.slow
def test_pretrain_entry_point(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "hamp_bench.pretrain",
        "problem=tiny_synthetic",
        f"problem.model_dir={tmp_path}",
        f"hydra.run.dir={tmp_path / 'out'}",
    ]
    first = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    (path,) = (tmp_path / "models").glob("tiny-synthetic-*.pt")
    assert f"base model: {path}" in first.stdout
    bad = subprocess.run(cmd[:3] + ["problem=zdt1"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 2 and "no base model" in bad.stderr
