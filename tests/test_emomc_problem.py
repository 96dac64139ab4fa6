"""The EMOMC problem (problems/emomc/problem.py) on a 3-conv network and synthetic data: its
objectives are the quantised checkpoint's error and EMOMC's cost models, its constraint is the
other cost against the bound, bad settings are refused before any training, a checkpoint that
does not match is refused, and a run goes through the runner with the constraint recorded."""

import copy
import json

import numpy as np
import pandas as pd
import pytest
import torch

from hamp_bench.components import build
from hamp_bench.errors import ConfigError, DataError
from hamp_bench.problems.emomc.checkpoints import load_checkpoint
from hamp_bench.problems.emomc.compress import compress, compressible, layers_of
from hamp_bench.problems.emomc.costs import energy, size_kb

from conftest import make_config, run_cell


def emomc(model_dir, *overrides):
    cfg = make_config("problem=emomc_tiny_synthetic", f"problem.model_dir={model_dir}", *overrides)
    return build(cfg.problem, "problem", progress=False)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("emomc_models")


@pytest.fixture(scope="module")
def problem(model_dir):
    return emomc(model_dir)


def shape(problem):
    d = problem.data
    return (d.channels, d.image_size, d.image_size)


GENOMES = np.array([[0, 8, 8, 8, 8], [1, 4, 6, 3, 12], [2, 2, 2, 2, 2]])


def test_objectives_are_the_quantised_error_and_the_cost_model(problem):
    assert problem.objective_names == ["error", "energy"] and not problem.constraints
    assert problem.n_var == 5 and problem.xu.tolist() == [2, 12, 12, 12, 12]
    ev = problem.evaluate(GENOMES)
    layers = layers_of(problem.checkpoints[0], shape(problem))
    for (i, *bits), (err, e) in zip(GENOMES, ev.F):
        assert e == pytest.approx(energy(layers, problem.densities[i], bits, "X|Y"))
        assert 0.0 <= err <= 1.0
    assert np.array_equal(problem.evaluate(GENOMES).F, ev.F)  # deterministic per genome
    assert ev.F[0, 1] > ev.F[1, 1] > ev.F[2, 1]  # denser and wider costs more
    narrow, wide = problem.evaluate([[1, 2, 2, 2, 2], [1, 8, 8, 8, 8]]).F[:, 0]
    assert narrow != wide  # the bits reach the weights the error is measured with


def test_the_evaluated_network_is_pruned_then_quantised(problem):
    density_index, *bits = GENOMES[1]
    net = problem.network(GENOMES[1])
    by_hand = copy.deepcopy(problem.checkpoints[density_index])  # the genome's checkpoint
    compress(by_hand, problem.densities[density_index], bits)
    for a, b in zip(compressible(net), compressible(by_hand)):
        assert torch.equal(a.weight, b.weight)
    for layer, b in zip(compressible(net), bits):
        w = layer.weight.detach().reshape(-1)
        assert int((w == 0).sum()) >= round((1 - problem.densities[density_index]) * w.numel())
        assert len(torch.unique(w)) <= 2**b - 1


def test_checkpoints_hold_their_density_and_are_cached(problem, model_dir):
    files = sorted((model_dir / "models").glob("emomc-*.pt"))
    assert len(files) == 2  # densities 0.5 and 0.2; 1.0 is the base model
    for net, d in zip(problem.checkpoints[1:], problem.densities[1:]):
        for layer in compressible(net):
            n = layer.weight.numel()
            assert int((layer.weight == 0).sum()) == round((1 - d) * n)
    again = emomc(model_dir)
    assert [m["source"] for m in again.checkpoint_meta[1:]] == ["cache", "cache"]
    assert again.fingerprint() == problem.fingerprint()


def test_size_mode_constrains_energy(model_dir, problem):
    bound = float(problem.evaluate(GENOMES[1]).F[0, 1])  # the middle genome's energy
    sized = emomc(model_dir, "problem.emomc.mode=size", "problem.emomc.coding=csr",
                  f"problem.emomc.bound={bound}")  # fmt: skip
    assert sized.objective_names == ["error", "size_kb"]
    assert sized.constraint_names == ["g_energy"]
    ev = sized.evaluate(GENOMES)
    layers = layers_of(problem.checkpoints[0], shape(problem))
    for (i, *bits), (_, size), g in zip(GENOMES, ev.F, ev.G[:, 0]):
        assert size == pytest.approx(size_kb(layers, problem.densities[i], bits, "csr"))
        assert g == pytest.approx(energy(layers, problem.densities[i], bits, "X|Y") - bound)
    assert ev.G[0, 0] > 0 and ev.G[1, 0] == pytest.approx(0) and ev.G[2, 0] < 0


@pytest.mark.parametrize(
    "override, match",
    [
        ("problem.max_bits=17", r"problem.max_bits=17 is outside \[1, 16\]"),
        ("problem.min_bits=0", r"problem.min_bits=0 is outside \[1, 16\]"),
        ("problem.emomc.dataflow=XY", r"problem.emomc.dataflow='XY' is unknown; choose one of"),
        ("problem.emomc.coding=huffman", r"problem.emomc.coding='huffman' is unknown"),
        ("problem.emomc.mode=latency", r"problem.emomc.mode='latency' is unknown"),
        ("problem.densities=[0.5,1.5]", r"problem.densities must be distinct shares"),
        ("problem.emomc.bound=0.001", r"problem.emomc.bound=0.001: no configuration meets size_kb"),
        ("problem.emomc.bound=nan", r"problem.emomc.bound=nan is not a finite number"),
        ("problem.emomc.bound=inf", r"problem.emomc.bound=inf is not a finite number"),
    ],
)
def test_bad_settings_are_refused_before_any_training(tmp_path, override, match):
    with pytest.raises(ConfigError, match=match):
        emomc(tmp_path, override)
    assert not (tmp_path / "models").exists()  # no base model, no checkpoint


def test_an_unmeetable_energy_bound_is_refused_before_any_training(tmp_path):
    with pytest.raises(ConfigError, match=r"no configuration meets energy <= bound"):
        emomc(tmp_path, "problem.emomc.mode=size", "problem.emomc.bound=1e-6")
    assert not (tmp_path / "models").exists()


def test_fine_tuning_holds_the_pruned_weights_and_trains_the_rest(problem):
    from hamp_bench.problems.emomc.checkpoints import masked_finetune
    from hamp_bench.problems.training import SGDRecipe

    net = copy.deepcopy(problem.checkpoints[1])
    masks = compress(net, 0.5, [2, 2, 2, 2])  # 2 bits round many kept weights to zero
    layer, mask = compressible(net)[1], masks[1]
    rounded = mask & (layer.weight == 0)
    assert rounded.any()
    masked_finetune(net, problem.data.train, SGDRecipe(3, 16, 0.05), "cpu", None, masks=masks)
    assert torch.all(layer.weight[~mask] == 0)  # pruned: held
    assert torch.all(layer.weight[rounded] != 0)  # rounded to zero by quantisation: trained


def test_a_checkpoint_that_does_not_match_is_refused(problem, model_dir, tmp_path):
    path = sorted((model_dir / "models").glob("emomc-*-d0.5-*.pt"))[0]
    net = problem.checkpoints[0]
    sha = problem.base_meta["weights_sha256"]
    with pytest.raises(DataError, match=r"holds density 0.5, not 0.2"):
        load_checkpoint(net, path, problem.network_cfg, sha, 0.2)
    blob = torch.load(path, weights_only=True)
    blob["meta"]["density"] = 0.2  # says 0.2, weights pruned to 0.5
    torch.save(blob, tmp_path / "relabelled.pt")
    with pytest.raises(DataError, match=r"fewer than density 0.2 prunes"):
        load_checkpoint(net, tmp_path / "relabelled.pt", problem.network_cfg, sha, 0.2)
    (tmp_path / "damaged.pt").write_bytes(path.read_bytes()[:1000])
    with pytest.raises(DataError, match=r"pre-pruned checkpoint .*damaged.pt is corrupt"):
        load_checkpoint(net, tmp_path / "damaged.pt", problem.network_cfg, sha, 0.5)
    with pytest.raises(DataError, match=r"was made for network .* not for"):
        load_checkpoint(net, path, {**problem.network_cfg, "name": "vgg16"}, sha, 0.5)
    blob = torch.load(path, weights_only=True)
    blob["meta"]["base_weights_sha256"] = "0" * 64
    torch.save(blob, tmp_path / "other.pt")
    with pytest.raises(DataError, match=r"from base model 000000000000, not"):
        load_checkpoint(net, tmp_path / "other.pt", problem.network_cfg, sha, 0.5)


def test_a_constrained_run_goes_through_the_runner(tmp_path, model_dir, problem):
    bound = float(problem.evaluate(GENOMES[1]).F[0, 1])
    outcome = run_cell(
        tmp_path / "run", "algorithm=nsga2", "problem=emomc_tiny_synthetic",
        f"problem.model_dir={model_dir}", "problem.emomc.mode=size",
        f"problem.emomc.bound={bound}", "budget=12", "summary.figure=false",
    )  # fmt: skip
    assert outcome.status == "completed"
    ev = pd.read_csv(tmp_path / "run" / "evaluations.csv")
    assert {"error", "size_kb", "g_energy"} <= set(ev.columns) and len(ev) == 12
    front = pd.read_csv(tmp_path / "run" / "front.csv")
    if front["feasible"].any():
        assert (front["g_energy"] <= 0).all()
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["problem"]["constraints"][0]["name"] == "energy"


def test_an_8_bit_configuration_runs_as_real_int8(problem, tmp_path):
    from hamp_bench.problems.emomc.int8 import count_ops, onnx_error, quantise_int8

    net = problem.checkpoints[1]  # density 0.5
    fp32, int8 = quantise_int8(net, problem.data.train.x[:64], tmp_path)
    assert count_ops(int8, "QuantizeLinear") >= 3 and count_ops(fp32, "QuantizeLinear") == 0
    val = problem.data.val
    fake = problem.evaluate([1, 8, 8, 8, 8]).F[0, 0]
    real = onnx_error(int8, val.x, val.y)
    assert onnx_error(fp32, val.x, val.y) == pytest.approx(problem.checkpoint_meta[1]["val_error"])
    assert abs(real - fake) <= 0.1  # 8 bits: weights and activations, near the fake error


def test_the_summary_compares_with_the_uncompressed_network(problem):
    from hamp_bench.cli.summary import front_table

    ev = problem.evaluate(GENOMES)
    front = pd.DataFrame(GENOMES, columns=[f"x{i}" for i in range(5)])
    front["eval_id"], front["error"], front["energy"] = range(3), ev.F[:, 0], ev.F[:, 1]
    table = front_table(problem, front)
    assert table.eval_id.tolist() == ["fp32", 0, 1, 2]  # sorted by error
    fp32 = table.iloc[0]
    assert fp32.density == 1.0 and fp32.mean_bits == 32 and fp32.energy > ev.F[:, 1].max()
    assert table.density.tolist()[1:] == [1.0, 0.5, 0.2]


def test_the_uncompressed_size_is_dense_fp32_whatever_the_coding(model_dir, problem):
    """A sparse coding of the dense fp32 network would only add index bits: the reference the
    size factors divide is 32 bits a weight."""
    n_weights = sum(m.weight.numel() for m in compressible(problem.checkpoints[0]))
    for coding in ("dense", "csr", "coo"):
        sized = emomc(model_dir, "problem.emomc.mode=size", f"problem.emomc.coding={coding}")
        assert sized.reference_solution()["size_kb"] == pytest.approx(n_weights * 32 / 8192)


def test_the_factors_bench_reads_the_reference_from_a_record_alone(tmp_path, model_dir):
    """bench/emomc_factors.py rebuilds no problem: its reference from run.json (an untrained
    copy of the network for the layer shapes) equals the problem's own first table row."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "emomc_factors.py"
    spec = importlib.util.spec_from_file_location("emomc_factors", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for mode in ("energy", "size"):
        outcome = run_cell(
            tmp_path / mode, "algorithm=random", "problem=emomc_tiny_synthetic",
            f"problem.model_dir={model_dir}", f"problem.emomc.mode={mode}", "budget=6",
            "summary.figure=false",
        )  # fmt: skip
        assert outcome.status == "completed"
        record = json.loads((tmp_path / mode / "run.json").read_text())["problem"]
        cost, fp32, base_test = bench.reference(record)
        problem = emomc(model_dir, f"problem.emomc.mode={mode}")
        assert fp32 == pytest.approx(problem.reference_solution()[cost], rel=1e-12)
        assert base_test == problem.base_meta["test_error"]
        table, _ = bench.factors(tmp_path / mode, max_loss=1.0)  # every member qualifies
        front = pd.read_csv(tmp_path / mode / "front.csv")
        assert table.factor[0] == pytest.approx(fp32 / front[cost].min())
    # and a report with its figures reads EMOMC records (whose genes are names, not groups)
    from hamp_bench.reports.build import build_report

    build_report([tmp_path / "energy"], tmp_path / "report", reference="random")
    assert "`figures/` (PDF and PNG)." in (tmp_path / "report" / "report.md").read_text()
    figures = {p.stem for p in (tmp_path / "report" / "figures").glob("*.png")}
    assert any(f.startswith("hv_") for f in figures) and not any(
        f.startswith("keep_") for f in figures
    )
