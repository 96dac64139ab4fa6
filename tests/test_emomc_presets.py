"""EMOMC's presets beyond the tests' tiny one: LeNet-5 (EMOMC's MNIST network) and the CIFAR-10
preset, which cannot download here, built and evaluated on data files the tests write in the
real formats; MNIST's absence is refused with the stand-in named."""

import numpy as np
import pytest
import torch
from test_datasets import _write_idx_set, write_cifar_archive

from hamp_bench.components import build
from hamp_bench.errors import ConfigError, DataError
from hamp_bench.problems.emomc.compress import compressible, layers_of
from hamp_bench.problems.networks import build_network

from conftest import make_config

SMALL = (  # a few steps of everything, so that a preset builds in seconds
    "problem.pretrain.epochs=1", "problem.pretrain.batch_size=16", "problem.densities=[0.5]",
    "problem.checkpoint.steps=2", "problem.checkpoint.batch_size=8",
    "problem.pretrain.max_val_error=1.0",  # the written images are noise: nothing learns them
)  # fmt: skip


def _problem(tmp_path, preset, *overrides):
    cfg = make_config(
        f"problem={preset}", f"problem.model_dir={tmp_path / 'models'}",
        f"dataset.data_dir={tmp_path / 'data'}", "dataset.download=false",
        *SMALL, *overrides,
    )  # fmt: skip
    return build(cfg.problem, "problem", progress=False)


def test_lenet5_is_lecuns_layer_plan():
    net = build_network("lenet5", 1, 10, 32)
    shapes = [tuple(m.weight.shape) for m in compressible(net)]
    assert shapes == [(6, 1, 5, 5), (16, 6, 5, 5), (120, 400), (84, 120), (10, 84)]
    assert [g.name for g in net.channel_groups] == ["conv1"]
    assert net(torch.zeros(2, 1, 32, 32)).shape == (2, 10)
    assert build_network("lenet5", 1, 10, 28).fc1.in_features == 16 * 4 * 4
    with pytest.raises(ConfigError, match="at least 16x16 pixels, got 12; set dataset.image_size"):
        build_network("lenet5", 1, 10, 12)


def test_emomc_lenet5_mnist_runs_on_mnist_files(tmp_path):
    _write_idx_set(tmp_path / "data" / "mnist", n_train=60, n_test=20)
    problem = _problem(tmp_path, "emomc_lenet5_mnist")
    assert problem.data.name == "mnist" and problem.data.source == str(tmp_path / "data/mnist")
    assert problem.n_var == 1 + 5 and problem.xu.tolist() == [0] + [12] * 5
    layers = layers_of(problem.checkpoints[0], (1, 32, 32))
    assert [layer.cout for layer in layers] == [6, 16, 120, 84, 10]
    ev = problem.evaluate(np.array([[0, 8, 8, 4, 4, 2], [0, 2, 2, 2, 2, 2]]))
    assert ev.F.shape == (2, 2) and ((0 <= ev.F[:, 0]) & (ev.F[:, 0] <= 1)).all()
    assert ev.F[0, 1] > ev.F[1, 1] > 0  # more bits cost more energy


def test_emomc_lenet5_mnist_offline_names_the_files_and_the_stand_in(tmp_path):
    with pytest.raises(DataError) as err:
        _problem(tmp_path, "emomc_lenet5_mnist")
    msg = str(err.value)
    assert "MNIST is not in" in msg and str(tmp_path / "data" / "mnist") in msg
    assert "problem=emomc_lenet5_fmnist" in msg and "train-images-idx3-ubyte.gz" in msg
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_emomc_vgg16_cifar10_runs_on_a_written_archive(tmp_path):
    write_cifar_archive(tmp_path / "data", n=16)
    problem = _problem(tmp_path, "emomc_vgg16_cifar10", "network.width=0.0625")
    assert problem.data.name == "cifar10" and problem.data.channels == 3
    assert problem.n_var == 1 + 14  # 13 convs and the classifier
    assert len(problem.data.test) == 16 and problem.fidelity.val_size == 1000
    ev = problem.evaluate(np.array([[0] + [8] * 14, [0] + [3] * 14]))
    assert ((0 <= ev.F[:, 0]) & (ev.F[:, 0] <= 1)).all() and ev.F[0, 1] > ev.F[1, 1]
