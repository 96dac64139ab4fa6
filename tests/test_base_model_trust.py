"""What an evaluation depends on is what the fingerprint holds: the base model's weights, the
data's content, the thread count. Checkpoints are checked against the data they claim, a base
model that did not learn is refused, and recipes follow the (network, dataset) pair."""

import gzip
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

from hamp_bench.errors import ConfigError, DataError
from hamp_bench.problems import datasets as ds
from hamp_bench.problems.configs import PretrainConfig
from hamp_bench.problems.datasets import load_dataset
from hamp_bench.problems.pruning_problem import PruningProblem
from hamp_bench.problems.recipes import RECIPES, resolve_recipe

from conftest import make_config, read_evaluations, run_cell

TINY = dict(
    name="tiny_trust",
    network={"name": "tiny", "width": 1.0},
    dataset={"name": "synthetic", "image_size": 16, "augment_crop": 0, "augment_hflip": False},
    hardware={"_target_": "hamp_bench.problems.hardware.macs.MacsProxy"},
    objectives=["error", "latency"],
    levels=8,
    fidelity={"finetune_steps": 2, "finetune_batch": 16},
    progress=False,
)
GENOMES = np.array([[3, 5, 2], [8, 8, 8], [2, 2, 6]])


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("trust-models")


@pytest.fixture(scope="module")
def problem(model_dir):
    return PruningProblem(**TINY, model_dir=str(model_dir))


def test_fingerprint_follows_the_weights_not_the_recipe(problem, model_dir, tmp_path):
    """A copy of the cached checkpoint with perturbed weights, found under the same name in
    another model_dir, is another model: its fingerprint (and so its cache keys) must differ."""
    src = problem.base_meta["path"]
    blob = torch.load(src, weights_only=True)
    blob["state_dict"] = {
        k: v + 0.3 * torch.randn_like(v) if v.is_floating_point() else v
        for k, v in blob["state_dict"].items()
    }
    copy = tmp_path / "models" / src.split("/")[-1]
    copy.parent.mkdir()
    torch.save(blob, copy)
    # (the perturbed model is near chance: accept it here, the point is its fingerprint)
    same_recipe = PruningProblem(**TINY, pretrain={"max_val_error": 1.0}, model_dir=str(tmp_path))
    assert same_recipe.base_meta["path"] == str(copy) and same_recipe.base_meta["source"] == "cache"
    assert same_recipe.base_meta["modified_after_saving"] is True
    assert same_recipe.base_meta["key"] == problem.base_meta["key"]  # same recipe, same name
    assert same_recipe.fingerprint() != problem.fingerprint()
    # an unchanged copy is the same model: same fingerprint, the cache stays useful
    shutil.copy(src, copy)
    assert PruningProblem(**TINY, model_dir=str(tmp_path)).fingerprint() == problem.fingerprint()


def test_fingerprint_holds_the_platform(problem):
    config = problem.config()
    assert config["platform"]["threads"] == problem.threads == torch.get_num_threads()
    assert config["platform"]["torch"] == torch.__version__
    assert config["platform"]["cpu_capability"] == torch.backends.cpu.get_cpu_capability()


def _write_fashion(folder, pixel):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 28, 28)).astype(np.uint8)
    images[0, 0, 0] = pixel

    def idx(a, ndim):
        header = (0x800 + ndim).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in a.shape)
        return gzip.compress(header + a.astype(np.uint8).tobytes())

    for name, blob in {
        "train-images-idx3-ubyte.gz": idx(images, 3),
        "train-labels-idx1-ubyte.gz": idx(np.arange(40) % 10, 1),
        "t10k-images-idx3-ubyte.gz": idx(images[:10], 3),
        "t10k-labels-idx1-ubyte.gz": idx(np.arange(10), 1),
    }.items():
        (folder / name).write_bytes(blob)


def test_data_hash_tells_two_copies_apart_that_read_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(ds, "DEBIAN_FASHION_MNIST", tmp_path / "absent")
    for name, pixel in (("a", 0), ("b", 0), ("c", 1)):
        _write_fashion(tmp_path / name / "fashion-mnist", pixel)
    load = lambda d: load_dataset(
        {
            "name": "fashion_mnist",
            "data_dir": str(tmp_path / d),  # noqa: E731
            "download": False,
            "image_size": 28,
        }
    )
    a, b, c = load("a"), load("b"), load("c")
    assert a.describe()["train"] == c.describe()["train"]  # nothing else tells them apart
    assert a.content_sha256 == b.content_sha256 != c.content_sha256


def test_fingerprint_changes_with_one_pixel_of_data(tmp_path, monkeypatch):
    """Same settings, same base model weights: only the data's content differs."""
    monkeypatch.setattr(ds, "DEBIAN_FASHION_MNIST", tmp_path / "absent")
    for name, pixel in (("a", 0), ("b", 1)):
        _write_fashion(tmp_path / name / "fashion-mnist", pixel)
    fake = {
        **TINY,
        "dataset": {
            "name": "fashion_mnist",
            "image_size": 16,
            "download": False,
            "augment_crop": 0,
            "augment_hflip": False,
        },
        # 40 random images cannot be learnt: accept any base model, share one checkpoint
        "pretrain": {"epochs": 1, "batch_size": 8, "lr": 0.01, "max_val_error": 1.0},
    }
    a = PruningProblem(
        **{**fake, "dataset": {**fake["dataset"], "data_dir": str(tmp_path / "a")}},
        model_dir=str(tmp_path / "models"),
    )
    checkpoint = {**fake["pretrain"], "checkpoint": a.base_meta["path"]}
    with pytest.raises(DataError, match="same settings but other content"):
        PruningProblem(
            **{
                **fake,
                "pretrain": checkpoint,
                "dataset": {**fake["dataset"], "data_dir": str(tmp_path / "b")},
            },
            model_dir=str(tmp_path / "models"),
        )
    b = PruningProblem(
        **{**fake, "dataset": {**fake["dataset"], "data_dir": str(tmp_path / "b")}},
        model_dir=str(tmp_path / "models"),
    )
    assert a.data.content_sha256 != b.data.content_sha256
    before = a.fingerprint()
    a.data = b.data  # the same weights and settings, one pixel of other data
    assert a.fingerprint() != before


def test_evaluation_runs_with_the_configured_threads(model_dir, monkeypatch):
    from hamp_bench.problems import pruning_problem

    seen = []
    real = pruning_problem.error_rate

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(pruning_problem, "error_rate", spy)
    before = torch.get_num_threads()
    for threads in (1, 2):
        PruningProblem(**TINY, model_dir=str(model_dir), threads=threads).evaluate(GENOMES[:1])
    assert seen == [1, 2] and torch.get_num_threads() == before


def test_a_cached_model_changed_after_saving_is_measured_again(problem, tmp_path):
    """The model cache stores the validation error with the weights; a file whose weights no
    longer match is measured again, so the near-chance check sees its real error."""
    blob = torch.load(problem.base_meta["path"], weights_only=True)
    blob["state_dict"] = {
        k: v + 3.0 * torch.randn_like(v) if v.is_floating_point() else v
        for k, v in blob["state_dict"].items()
    }
    copy = tmp_path / "models" / problem.base_meta["path"].split("/")[-1]
    copy.parent.mkdir()
    torch.save(blob, copy)
    with pytest.raises(ConfigError, match="near chance"):
        PruningProblem(**TINY, model_dir=str(tmp_path))


def test_records_do_not_mix_thread_counts(tmp_path):
    """The same command under two thread counts: each run equals a fresh, uncached run with its
    thread count, and the shared cache never serves one's evaluations to the other."""
    common = [
        "problem=tiny_synthetic",
        "algorithm=random",
        "budget=6",
        "seed=3",
        f"cache.dir={tmp_path / 'cache'}",
    ]
    two = run_cell(tmp_path / "t2", *common, "problem.threads=2")
    one = run_cell(tmp_path / "t1", *common, "problem.threads=1")
    fresh = run_cell(tmp_path / "fresh", *common[:-1], "cache.enabled=false", "problem.threads=1")
    assert one.problem.fingerprint() != two.problem.fingerprint()
    assert not read_evaluations(tmp_path / "t1")["cached"].any()
    drop = ["cached", "wall_s"]
    pd.testing.assert_frame_equal(
        read_evaluations(tmp_path / "t1").drop(columns=drop),
        read_evaluations(tmp_path / "fresh").drop(columns=drop),
    )
    meta = json.loads((tmp_path / "t1" / "run.json").read_text())
    assert meta["problem"]["platform"]["threads"] == 1 == fresh.problem.threads


def test_threads_must_be_positive(model_dir):
    with pytest.raises(ConfigError, match="problem.threads"):
        PruningProblem(**TINY, model_dir=str(model_dir), threads=0)


def test_checkpoint_of_another_split_is_refused(problem, model_dir):
    """A checkpoint trained with split_seed=0 would put validation images of split_seed=7 into
    its training data: refused, naming the key."""
    other = {
        **TINY,
        "dataset": {**TINY["dataset"], "split_seed": 7},
        "pretrain": {"checkpoint": problem.base_meta["path"]},
    }
    with pytest.raises(DataError, match=r"dataset.split_seed=0 \(not 7\)"):
        PruningProblem(**other, model_dir=str(model_dir))
    same = {**TINY, "pretrain": {"checkpoint": problem.base_meta["path"]}}
    loaded = PruningProblem(**same, model_dir=str(model_dir))
    assert loaded.base_meta["source"] == "checkpoint"
    assert loaded.fingerprint() == problem.fingerprint()  # the same weights, the same problem


def test_base_model_near_chance_is_refused(model_dir):
    bad = {**TINY, "pretrain": {"epochs": 0.05, "batch_size": 32, "lr": 1e-5}}
    with pytest.raises(ConfigError, match="near chance") as err:
        PruningProblem(**bad, model_dir=str(model_dir))
    assert "problem.pretrain.epochs" in str(err.value) and "problem.pretrain.lr" in str(err.value)
    # accepted when the user says such an error is expected
    PruningProblem(
        **{**bad, "pretrain": {**bad["pretrain"], "max_val_error": 1.0}}, model_dir=str(model_dir)
    )


def test_recipes_follow_the_network_and_dataset():
    cfg = make_config("problem=vgg16_jetson", "dataset=digits")
    recipe, source = resolve_recipe(PretrainConfig(**cfg.problem.pretrain), "vgg16", "digits")
    assert (recipe.epochs, recipe.batch_size, recipe.lr) == (4, 64, 0.01)
    assert source.startswith("table (vgg16, digits)")
    cifar, _ = resolve_recipe(PretrainConfig(), "vgg16", "cifar10")
    assert cifar.epochs == 30 and cifar.lr == 0.05
    mine, source = resolve_recipe(PretrainConfig(lr=0.2), "vgg16", "digits")
    assert mine.lr == 0.2 and mine.epochs == 4  # set keys win, unset ones come from the table
    with pytest.raises(ConfigError, match="no pretraining recipe is known") as err:
        resolve_recipe(PretrainConfig(), "mobilenetv2", "fashion_mnist")
    assert "problem.pretrain.epochs" in str(err.value)
    assert ("mobilenetv2", "fashion_mnist") not in RECIPES


def test_moving_the_evaluation_cache_keeps_the_models(monkeypatch):
    monkeypatch.setenv("HAMP_BENCH_MODEL_DIR", "/models/here")
    cfg = make_config("cache.dir=/somewhere/else")
    assert cfg.problem.model_dir == "/models/here"
    monkeypatch.delenv("HAMP_BENCH_MODEL_DIR")  # a user's default: no variable set
    monkeypatch.setenv("HAMP_BENCH_CACHE_DIR", "/cache/there")
    cfg = make_config("cache.dir=/somewhere/else")
    assert cfg.problem.model_dir == "~/.cache/hamp_bench"
