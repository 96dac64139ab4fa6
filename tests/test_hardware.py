"""Hardware profiles: table lookups against hand-built tables, manifest checks, the recorder on a
tiny network (and its resume), the shipped modelled Jetson Nano tables, live measurement, and
the error cases."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from omegaconf import OmegaConf
from torch import nn

from hamp_bench import components
from hamp_bench.errors import ConfigError, DataError
from hamp_bench.problems.hardware import jetson_nano, recorder
from hamp_bench.problems.hardware.live import LiveProfile
from hamp_bench.problems.hardware.recorder import RecordingPlan, record_table
from hamp_bench.problems.hardware.table import KEY, LatencyTable, NetworkShape, base_manifest
from hamp_bench.problems.hardware.table_profile import JetsonNanoProfile, TableProfile
from hamp_bench.problems.hardware.timing import TimingConfig, time_interleaved, time_module
from hamp_bench.problems.hardware.validation import _mismatch
from hamp_bench.problems.pruning_problem import PruningProblem
from hamp_bench.problems.search_space import PruningSpace

from conftest import make_config

# tiny: conv 1->16 @32, pool, conv 16->32 @16, pool, conv 32->32 @8, linear 32->10
SHAPE = NetworkShape("tiny", 1.0, 1, 32, 10)
LEVELS = 4
FAST = TimingConfig(warmup=1, repeats=3)


def tiny_space(levels=LEVELS):
    return PruningSpace(SHAPE, levels)


def hand_table(ms, fixed=0.5, drop=(), interpolation="none", **network):
    """A table holding every configuration tiny can reach at 4 levels, times from `ms`."""
    rows = []
    for c1 in (4, 8, 12, 16):
        rows.append(("conv", 1, c1, 3, 1, 32, 1))
        for c2 in (8, 16, 24, 32):
            rows.append(("conv", c1, c2, 3, 1, 16, 1))
    for c2 in (8, 16, 24, 32):
        for c3 in (8, 16, 24, 32):
            rows.append(("conv", c2, c3, 3, 1, 8, 1))
    for c3 in (8, 16, 24, 32):
        rows.append(("linear", c3, 10, 1, 1, 1, 1))
    df = pd.DataFrame(rows, columns=list(KEY)).drop_duplicates()
    df = df[[tuple(r) not in drop for r in df.itertuples(index=False, name=None)]]
    df = df.assign(
        median_ms=[ms(*r) for r in df.itertuples(index=False, name=None)], iqr_ms=0.0, repeats=1
    )
    net = {
        "name": "tiny",
        "width": 1.0,
        "in_channels": [1],
        "image_size": 32,
        "num_classes": 10,
        **network,
    }
    return LatencyTable(
        df,
        base_manifest(
            provenance="recorded",
            device="test",
            fixed_ms=fixed,
            network=net,
            precision="fp32",
            interpolation=interpolation,
        ),
    )


def ms_rule(op, cin, cout, k, s, hw, b):
    return cin * 0.01 + cout * 0.001 + hw * 0.1 + (7.0 if op == "linear" else 0.0)


def bound_profile(table, tmp_path):
    table.write(tmp_path / "t")
    profile = TableProfile(path=str(tmp_path / "t"))
    space = tiny_space()
    profile.bind(space)
    return profile, space


def test_lookup_is_the_sum_of_hand_listed_layers_plus_the_fixed_cost(tmp_path):
    profile, space = bound_profile(hand_table(ms_rule), tmp_path)
    genomes = np.array([[2, 1, 4], [4, 4, 4], [1, 3, 2]])
    keep = space.keep(genomes)
    assert keep.tolist() == [[8, 8, 32], [16, 32, 32], [4, 24, 16]]
    expected = [
        ms_rule("conv", 1, 8, 3, 1, 32, 1)
        + ms_rule("conv", 8, 8, 3, 1, 16, 1)
        + ms_rule("conv", 8, 32, 3, 1, 8, 1)
        + ms_rule("linear", 32, 10, 1, 1, 1, 1)
        + 0.5,
        ms_rule("conv", 1, 16, 3, 1, 32, 1)
        + ms_rule("conv", 16, 32, 3, 1, 16, 1)
        + ms_rule("conv", 32, 32, 3, 1, 8, 1)
        + ms_rule("linear", 32, 10, 1, 1, 1, 1)
        + 0.5,
        ms_rule("conv", 1, 4, 3, 1, 32, 1)
        + ms_rule("conv", 4, 24, 3, 1, 16, 1)
        + ms_rule("conv", 24, 16, 3, 1, 8, 1)
        + ms_rule("linear", 16, 10, 1, 1, 1, 1)
        + 0.5,
    ]
    np.testing.assert_allclose(profile.latency(keep), expected, rtol=1e-12)
    assert profile.objective.name == "latency_ms" and profile.objective.cheap
    # a lookup never builds the pruned networks to "measure" them
    assert np.array_equal(profile.measure(keep, iter(()))[0], profile.latency(keep))


def test_a_missing_entry_is_named(tmp_path):
    missing = ("conv", 8, 24, 3, 1, 8, 1)
    with pytest.raises(DataError, match="conv cin=8 cout=24 kernel=3 stride=1 in_hw=8 batch=1"):
        bound_profile(hand_table(ms_rule, drop={missing}), tmp_path)


def test_linear_macs_interpolation_fills_a_gap_between_neighbours(tmp_path):
    missing = ("conv", 8, 24, 3, 1, 8, 1)  # MACs between (8, 16) and (8, 32) at the same shape
    table = hand_table(
        lambda op, cin, cout, k, s, hw, b: cin * cout * 0.001,
        drop={missing},
        interpolation="linear_macs",
    )
    profile, space = bound_profile(table, tmp_path)
    # 8x24 lies between 16x8 (0.128) and 8x32 / 32x8 (0.256) in MACs: linear in MACs gives 0.192
    keep_genome = np.array([[2, 1, 3]])  # keep 8, 8, 24 -> layer 3 is conv 8->24 @8
    lat = profile.latency(space.keep(keep_genome))
    exact = 1 * 8 * 0.001 + 8 * 8 * 0.001 + 8 * 24 * 0.001 + 24 * 10 * 0.001 + 0.5
    np.testing.assert_allclose(lat, [exact], rtol=1e-12)


def test_manifest_and_table_refusals(tmp_path):
    good = hand_table(ms_rule)
    good.write(tmp_path / "ok")
    load = LatencyTable.load

    (tmp_path / "nomanifest").mkdir()
    good.entries.to_csv(tmp_path / "nomanifest" / "table.csv", index=False)
    with pytest.raises(DataError, match="no manifest.yaml"):
        load(tmp_path / "nomanifest")

    with pytest.raises(DataError, match="does not exist"):
        load(tmp_path / "nowhere")

    for name, edit, message in [
        ("nofield", lambda m: m.pop("provenance"), r"lacks \['provenance'\]"),
        ("badprov", lambda m: m.update(provenance="guessed"), "provenance 'guessed'"),
        ("badformat", lambda m: m.update(format=99), "format 99"),
    ]:
        d = tmp_path / name
        good.write(d)
        m = yaml.safe_load((d / "manifest.yaml").read_text())
        edit(m)
        (d / "manifest.yaml").write_text(yaml.safe_dump(m))
        with pytest.raises(DataError, match=message):
            load(d)

    d = tmp_path / "truncated"
    good.write(d)
    text = (d / "table.csv").read_text()
    (d / "table.csv").write_text(text[: len(text) // 2].rsplit(",", 3)[0])
    with pytest.raises(DataError, match="empty fields|truncated"):
        load(d)

    d = tmp_path / "badyaml"
    good.write(d)
    (d / "manifest.yaml").write_text("format: [1\n")
    with pytest.raises(DataError, match="not valid YAML"):
        load(d)

    other = hand_table(ms_rule, name="vgg16")
    with pytest.raises(DataError, match="made for another network.*name: table 'vgg16'"):
        bound_profile(other, tmp_path / "other")
    grey = hand_table(ms_rule, in_channels=[3])
    with pytest.raises(DataError, match=r"in_channels: table \[3\], problem 1"):
        bound_profile(grey, tmp_path / "grey")


def test_table_profile_needs_a_path_and_a_matching_precision(tmp_path):
    cfg = make_config("problem=vgg16_jetson", "hardware=table").hardware
    with pytest.raises(ConfigError, match="hardware.path has no value"):
        components.build(cfg, "hardware")
    with pytest.raises(ConfigError, match="hardware.path"):
        TableProfile(path="").bind(tiny_space())
    hand_table(ms_rule).write(tmp_path / "t")
    fp16 = components.build(
        {**OmegaConf.to_container(cfg), "path": str(tmp_path / "t"), "precision": "fp16"},
        "hardware",
    )
    with pytest.raises(ConfigError, match="precision fp32"):
        fp16.bind(tiny_space())
    with pytest.raises(ConfigError, match="hardware.precision='fp64' is unknown"):
        TableProfile(path="t", precision="fp64")


def test_each_profile_declares_its_own_parameters():
    """A preset names its class; a parameter another profile has is refused at compose time."""
    from hydra.errors import ConfigCompositionException

    for preset, cls in [
        ("macs", "MacsProxy"),
        ("table", "TableProfile"),
        ("jetson_nano", "JetsonNanoProfile"),
        ("live", "LiveProfile"),
    ]:
        hw = make_config("problem=vgg16_jetson", f"hardware={preset}").hardware
        assert hw.name == preset and hw._target_.endswith(cls) and hw.precision == "fp32"
    live = make_config("problem=vgg16_jetson", "hardware=live", "hardware.warmup=3").hardware
    # the live profile's timing settings are TimingConfig's, with its defaults
    assert (live.warmup, live.repeats, live.threads) == (3, TimingConfig().repeats, 1)
    for bad in (
        "hardware=jetson_nano hardware.path=x",
        "hardware=macs hardware.warmup=3",
        "hardware=live hardware.wamup=3",
    ):
        with pytest.raises(ConfigCompositionException):
            make_config("problem=vgg16_jetson", *bad.split())


# -- the recorder ---------------------------------------------------------------------------------
def test_recorder_times_every_reachable_configuration_and_resumes(tmp_path, monkeypatch):
    plan = RecordingPlan(SHAPE, levels=3, checkpoints=3, context_mb=0.0, passes=1)
    calls = {"n": 0}
    real = recorder.time_module

    def flaky(module, x, timing, copies=1):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt  # a user's Ctrl-C in the middle of the recording
        return real(module, x, timing, copies)

    monkeypatch.setattr(recorder, "time_module", flaky)
    with pytest.raises(KeyboardInterrupt):
        record_table(plan, FAST, tmp_path / "t", progress=False)
    partial = pd.read_csv(tmp_path / "t" / "partial.csv")
    assert len(partial) == 5 and not (tmp_path / "t" / "table.csv").exists()
    # a kill in the middle of writing a line: the cut line is timed again
    with open(tmp_path / "t" / "partial.csv", "a") as f:
        f.write("conv,3,")

    monkeypatch.setattr(recorder, "time_module", real)
    counted = {"n": 0}
    monkeypatch.setattr(
        recorder,
        "time_module",
        lambda m, x, t, copies: (counted.__setitem__("n", counted["n"] + 1), real(m, x, t, copies))[
            1
        ],
    )
    table = record_table(plan, FAST, tmp_path / "t", progress=False)

    n_configs = 3 + 3 * 3 + 3 * 3 + 3  # levels 3: keep 5/11/16, 11/21/32, 11/21/32
    assert len(table.entries) == n_configs
    assert counted["n"] == n_configs - 5  # the rest of the layers (check points: interleaved)
    assert table.manifest["provenance"] == "recorded"
    assert table.manifest["execution_provider"] == "CPUExecutionProvider"
    assert table.manifest["repeats"] == 3 and table.manifest["warmup"] == 1
    checks = pd.read_csv(tmp_path / "t" / "checkpoints.csv")
    assert len(checks) == 3 and (checks.measured_ms > 0).all()
    assert not (tmp_path / "t" / "partial.csv").exists()
    # the table works as a profile for this network
    profile = TableProfile(path=str(tmp_path / "t"))
    space = tiny_space(levels=3)
    profile.bind(space)
    genomes = checks[[f"x{i}" for i in range(space.n_var)]].to_numpy()
    lat = profile.latency(space.keep(genomes))
    np.testing.assert_allclose(lat, checks.predicted_ms, atol=1e-5)  # what the recorder checked


def test_recorder_refuses_to_mix_settings(tmp_path, monkeypatch):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "partial.json").write_text('{"key": "something else"}')
    with pytest.raises(ConfigError, match="other settings"):
        record_table(
            RecordingPlan(SHAPE, levels=3, context_mb=0.0, passes=1),
            FAST,
            tmp_path / "t",
            progress=False,
        )
    with pytest.raises(ConfigError, match="levels >= 2"):
        record_table(RecordingPlan(SHAPE, levels=1), FAST, tmp_path / "u", progress=False)


def test_context_copies_and_passes_are_applied_and_recorded(tmp_path):
    small, big = nn.Linear(16, 16), nn.Linear(1024, 1024)  # 1 KiB and 4 MiB of weights
    plan = RecordingPlan(SHAPE, levels=2, checkpoints=1, context_mb=8.0, passes=2)
    assert plan.copies(big) == 2 and plan.copies(small) == recorder.MAX_COPIES
    assert RecordingPlan(SHAPE, context_mb=0.0).copies(big) == 1  # no context: the layer alone
    assert (
        RecordingPlan(SHAPE).context_mb == 32.0 and RecordingPlan(SHAPE).passes == 3
    )  # as the CLI
    with pytest.raises(ConfigError, match="context_mb=-1.0 must be >= 0"):
        RecordingPlan(SHAPE, context_mb=-1.0).check()
    table = record_table(plan, FAST, tmp_path / "t", progress=False)
    assert (
        table.manifest["context_mb"] == 8.0
        and "copies of itself" in table.manifest["what_is_timed"]
    )
    # two passes of ceil(3 / 2) repeats each, one entry per configuration
    assert len(table.entries) == 2 + 2 * 2 + 2 * 2 + 2 and (table.entries.repeats == 4).all()
    assert table.manifest["passes"] == 2 and table.manifest["repeats"] == 4
    with pytest.raises(ConfigError, match="passes >= 1"):
        RecordingPlan(SHAPE, passes=0).check()


@pytest.mark.parametrize("runtime", ["onnxruntime", "torch"])
def test_timing_with_copies_and_interleaved(runtime):
    cfg = TimingConfig(runtime=runtime, warmup=1, repeats=4)
    x = torch.randn(1, 512)
    t = time_module(nn.Linear(512, 512), x, cfg, copies=3)
    assert t.median_ms > 0 and t.iqr_ms >= 0
    assert np.isnan(t.onnx_mb) == (runtime == "torch")
    with pytest.raises(ConfigError, match="copies=0"):
        time_module(nn.Linear(512, 512), x, cfg, copies=0)
    # one timing per model, in the order given, however they were visited
    small, big = nn.Linear(512, 8), nn.Sequential(*[nn.Linear(512, 512) for _ in range(40)])
    times = time_interleaved([small, big, small], x, cfg, rounds=2)
    assert len(times) == 3 and times[1].median_ms > 5 * max(times[0].median_ms, times[2].median_ms)
    with pytest.raises(ConfigError, match="rounds=0"):
        time_interleaved([small], x, cfg, rounds=0)


def test_validation_names_how_the_table_was_timed_differently():
    table = {
        "provenance": "recorded",
        "runtime": "onnxruntime",
        "threads": 1,
        "execution_provider": "CPUExecutionProvider",
    }
    live = TimingConfig(threads=2).describe()
    assert _mismatch(table, live) == ["threads: table 1, live 2"]
    assert _mismatch(table, TimingConfig(threads=1).describe()) == []
    assert _mismatch({**table, "provenance": "modelled"}, live) == []  # a model is not timed


def test_an_unavailable_execution_provider_is_an_error_not_a_fallback():
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has the CUDA provider")
    with pytest.raises(ConfigError, match="provider=cuda.*offers only"):
        TimingConfig(provider="cuda").check()
    with pytest.raises(ConfigError, match="runtime='tvm'"):
        TimingConfig(runtime="tvm").check()


# -- the shipped Jetson Nano tables ----------------------------------------------------------------
@pytest.mark.parametrize("network", jetson_nano.PRESET_NETWORKS)
def test_shipped_jetson_tables_cover_every_preset_genome(network):
    for channels in (3, 1):
        space = PruningSpace.of(network, 1.0, channels, 32, 10)
        profile = JetsonNanoProfile()
        profile.bind(space)
        assert profile.table.manifest["provenance"] == "modelled"
        lat = profile.latency(space.keep(space.random_genomes(np.random.default_rng(0), 200)))
        full = profile.latency(space.sizes[None])[0]
        assert np.isfinite(lat).all() and (lat > 0).all() and (lat <= full + 1e-9).all()


# The shipped Nano tables against a refit. The fit reproduces its parameters to ~2e-16 relative
# across BLAS kernels and thread counts (docs/hardware.md); exact equality of the printed figures
# would still fail whenever a value sits on a rounding boundary, so each figure may differ by
# one unit of the last decimal it is printed with, plus a relative tolerance:
FIT_RTOL = 1e-6  # fitted parameters and report figures: 10 orders above the refit's own spread,
#                  and an order below what a small change of the data does (0.1% on one of the
#                  193 per-layer figures moves P_3x3 by 1.1e-5 relative; this test fails then)
ENTRY_RTOL = (
    2e-6  # table latencies: |d log t| <= |d log P| + |d log n_half|, two parameters at FIT_RTOL
)
ENTRY_ATOL = 1e-6  # ms: the entries are written to 6 decimals, one may round the other way
REPORT_UNIT = {"modelled_ms": 1e-2}  # fit() rounds this to 2 decimals, every other float to 4


def assert_report_close(shipped, fresh, where="fit"):
    assert isinstance(shipped, dict) and set(shipped) == set(fresh), f"{where}: fields differ"
    for key, value in fresh.items():
        got, at = shipped[key], f"{where}.{key}"
        if isinstance(value, dict):
            assert_report_close(got, value, at)
        elif isinstance(value, float):
            tol = REPORT_UNIT.get(key, 1e-4) + FIT_RTOL * abs(value)
            assert abs(got - value) <= tol, (
                f"{at}: shipped {got}, refit {value} (tolerance {tol:.3g})"
            )
        else:
            assert got == value, f"{at}: shipped {got!r}, refit {value!r}"


def test_shipped_jetson_tables_are_what_the_fit_produces():
    """The manifests' fit report and entries are reproducible from the calibration data."""
    model, report = jetson_nano.fit()
    for network in jetson_nano.PRESET_NETWORKS:
        shipped = LatencyTable.load(jetson_nano.TABLES / network)
        assert_report_close(shipped.manifest["fit"], report, f"{network} fit")
        assert shipped.manifest["fixed_ms"] == pytest.approx(model.fixed_ms, rel=FIT_RTOL, abs=1e-4)
        fresh = jetson_nano.make_table(model, report, network)
        pd.testing.assert_frame_equal(
            shipped.entries[list(KEY)].reset_index(drop=True),
            fresh.entries[list(KEY)].reset_index(drop=True),
            check_dtype=False,
        )  # the same configurations, in order
        np.testing.assert_allclose(
            shipped.entries.median_ms,
            fresh.entries.median_ms,
            rtol=ENTRY_RTOL,
            atol=ENTRY_ATOL,
            err_msg=network,
        )
    assert report["per_layer_test"]["n"] > 50
    assert set(report["networks"]) == {"resnet50", "vgg16", "mobilenetv2"}


# -- the shipped Nano tables checked by hand, without the module's code --------------------------
def nano_ms_by_hand(op, cin, cout, k, stride, in_hw, p):
    """docs/hardware.md: t = max(MACs / (P_op * u), bytes / B), u = n / (n + n_half),
    n = cout * out_hw^2; P_3x3 for 3x3 stride-1 convs, P_other for the rest; bytes: fp32
    input, output and weights; batch 1. Written out here, not taken from jetson_nano.py."""
    import math

    out_hw = 1 if op == "linear" else math.ceil(in_hw / stride)
    hw = 1 if op == "linear" else in_hw
    weights = cout * k * k if op == "dwconv" else cin * cout * k * k
    macs = weights * out_hw * out_hw
    n = cout * out_hw * out_hw
    peak = p["gmacs_3x3"] if (op == "conv" and k == 3 and stride == 1) else p["gmacs_other"]
    compute_s = macs / (peak * 1e9 * n / (n + p["n_half"]))
    memory_s = 4 * (cin * hw * hw + cout * out_hw * out_hw + weights) / (p["dram_gb_s"] * 1e9)
    return 1e3 * max(compute_s, memory_s)


def shipped_nano(network):
    folder = jetson_nano.TABLES / network
    return (
        yaml.safe_load((folder / "manifest.yaml").read_text()),
        pd.read_csv(folder / "table.csv"),
    )


def test_one_shipped_nano_entry_worked_by_hand():
    manifest, table = shipped_nano("vgg16")
    p = manifest["fit"]["parameters"]
    # VGG-16 (CIFAR) conv 64 -> 64, 3x3, stride 1, 32x32: Winograd-class, compute-bound
    macs, n = 64 * 64 * 9 * 32 * 32, 64 * 32 * 32  # 37,748,736 MACs, 65,536 outputs
    u = n / (n + p["n_half"])  # ~0.474: a layer this small fills half the GPU
    expected = 1e3 * macs / (p["gmacs_3x3"] * 1e9 * u)  # ~0.4897 ms
    row = table[(table.op == "conv") & (table.cin == 64) & (table.cout == 64) & (table.in_hw == 32)]
    assert len(row) == 1 and 0.4 < expected < 0.6
    assert row.median_ms.iloc[0] == pytest.approx(expected, rel=1e-6, abs=1e-6)
    # its classifier, linear 512 -> 10: ten outputs use almost none of the GPU (P_other)
    n = 10
    expected = 1e3 * 512 * 10 / (p["gmacs_other"] * 1e9 * n / (n + p["n_half"]))
    row = table[(table.op == "linear") & (table.cin == 512)]
    assert len(row) == 1 and row.median_ms.iloc[0] == pytest.approx(expected, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("network", jetson_nano.PRESET_NETWORKS)
def test_every_shipped_nano_entry_follows_the_documented_formula(network):
    manifest, table = shipped_nano(network)
    p = manifest["fit"]["parameters"]
    assert manifest["provenance"] == "modelled" and p["fixed_ms"] == manifest["fixed_ms"]
    assert (table.batch == 1).all()
    # the parameters are printed to 4 decimals (<= 4e-7 relative), the entries to 6
    for row in table.itertuples(index=False):
        expected = nano_ms_by_hand(row.op, row.cin, row.cout, row.kernel, row.stride, row.in_hw, p)
        assert row.median_ms == pytest.approx(expected, rel=1e-6, abs=1e-6), row


def test_shipped_nano_fit_error_agrees_with_the_recorded_figures():
    """The manifest's stated fit error, recomputed from its parameters and the recorded figures."""
    manifest, _ = shipped_nano("vgg16")
    fit, p = manifest["fit"], manifest["fit"]["parameters"]
    data = jetson_nano.DATA
    # VGG-16 at 224x224 (held out): 13 3x3 convs, 5 pools, 3 linear layers
    layers, cin, hw = [], 3, 224
    for v in (
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        "M",
    ):
        if v == "M":
            hw //= 2
        else:
            layers.append(("conv", cin, v, 3, 1, hw))
            cin = v
    layers += [
        ("linear", 512 * 7 * 7, 4096, 1, 1, 1),
        ("linear", 4096, 4096, 1, 1, 1),
        ("linear", 4096, 1000, 1, 1, 1),
    ]
    modelled = sum(nano_ms_by_hand(*layer, p) for layer in layers) + manifest["fixed_ms"]
    nets = pd.read_csv(data / "jetson_nano_networks.csv")
    measured = nets[
        (nets.network == "vgg16")
        & (nets.precision == "fp32")
        & nets.runtime.str.startswith("TensorRT (ONNX")
    ].latency_ms
    assert len(measured) == 1
    measured = float(measured.iloc[0])
    stated = fit["networks"]["vgg16"]
    assert stated["measured_ms"] == measured == 149.74
    assert modelled == pytest.approx(stated["modelled_ms"], abs=0.01)  # printed to 2 decimals
    assert (modelled - measured) / measured == pytest.approx(stated["error"], abs=1e-4)
    # every per-layer 3x3 figure: the mean error is the n-weighted mean of the stated train and
    # held-out MAPEs (each printed to 4 decimals), whatever the split
    per_layer = pd.read_csv(data / "jetson_nano_conv3x3_per_layer.csv")
    ape = [
        abs(nano_ms_by_hand("conv", r.channels, r.channels, 3, 1, r.input_hw, p) - r.per_layer_ms)
        / r.per_layer_ms
        for r in per_layer.itertuples(index=False)
    ]
    train, test = fit["per_layer_train"], fit["per_layer_test"]
    assert train["n"] + test["n"] == len(ape)
    stated_mape = (train["n"] * train["mape"] + test["n"] * test["mape"]) / len(ape)
    assert np.mean(ape) == pytest.approx(stated_mape, abs=1e-4)
    assert max(ape) == pytest.approx(max(train["max_ape"], test["max_ape"]), abs=1e-4)


def test_jetson_model_matches_its_calibration_points_roughly():
    model, _ = jetson_nano.fit()
    layers = jetson_nano.per_layer_data()
    ape = np.abs(model.layer_ms(layers) - layers.ms) / layers.ms
    assert np.median(ape) < 0.2  # the figure docs/hardware.md reports is computed the same way


def test_jetson_profile_refuses_an_unshipped_network():
    with pytest.raises(ConfigError, match="no shipped Jetson Nano table for network 'tiny'"):
        JetsonNanoProfile().bind(tiny_space())


# -- live measurement ------------------------------------------------------------------------
def test_live_profile_measures_every_candidate(tmp_path):
    problem = PruningProblem(
        name="tiny_live",
        network={"name": "tiny", "width": 1.0},
        dataset={"name": "synthetic", "image_size": 16, "augment_crop": 0, "augment_hflip": False},
        hardware={
            "_target_": "hamp_bench.problems.hardware.live.LiveProfile",
            "warmup": 1,
            "repeats": 3,
        },
        objectives=["error", "latency"],
        levels=4,
        progress=False,  # the (tiny, synthetic) recipe
        model_dir=str(tmp_path),
    )
    assert problem.objective_names == ["error", "latency_ms"]
    assert not problem.cheap_mask[1]  # measured, so not a free query
    assert problem.nadir[1] > 0 and problem.describe()["latency_bounds"]["latency_bound_ms"] > 0
    ev = problem.evaluate(np.array([[1, 1, 1], [4, 4, 4]]))
    assert (ev.F[:, 1] > 0).all()
    assert set(ev.extras) >= {"latency_iqr_ms", "onnx_mb"}
    assert ev.extras["onnx_mb"][0] < ev.extras["onnx_mb"][1]  # fewer weights, smaller model
    assert problem.describe()["hardware"]["runtime"] == "onnxruntime"
    assert problem.describe()["hardware"]["warmup"] == 1


def test_live_profile_bad_input():
    with pytest.raises(ConfigError, match="latency_bound_ms must be positive"):
        LiveProfile(latency_bound_ms=-1.0)
    with pytest.raises(ConfigError, match="repeats >= 1"):
        LiveProfile(repeats=0)
    with pytest.raises(ConfigError, match="hardware.path is not a parameter"):
        components.build(
            {"_target_": "hamp_bench.problems.hardware.live.LiveProfile", "path": "t"}, "hardware"
        )


@pytest.mark.slow
def test_record_and_validate_from_the_command_line(tmp_path):
    run = lambda *a: subprocess.run(
        [sys.executable, "-m", *a],
        cwd=tmp_path,
        capture_output=True,  # noqa: E731
        text=True,
        timeout=300,
    )
    r = run(
        "hamp_bench.record_latency",
        "network=tiny",
        "dataset=digits",
        "out=tbl",
        "levels=3",
        "timing.repeats=3",
        "timing.warmup=1",
        "checkpoints=2",
    )
    assert r.returncode == 0, r.stderr
    assert "recorded 24 layer configurations of tiny" in r.stdout
    r = run(
        "hamp_bench.validate_table",
        "network=tiny",
        "dataset=digits",
        "hardware=table",
        "hardware.path=tbl",
        "n=6",
        "levels=3",
        "timing.repeats=3",
        "timing.warmup=1",
        "timing.threads=2",
    )
    assert r.returncode == 0, r.stderr
    assert "Kendall tau" in r.stdout
    # the table was recorded with one thread (the recorder's default): the check says so
    assert "threads: table 1, live 2" in r.stdout
    for f in ("validation.csv", "validation.json", "scatter.png", "scatter.pdf"):
        assert (tmp_path / "validation" / "tiny" / f).is_file()
    r = run(
        "hamp_bench.validate_table",
        "network=vgg16",
        "dataset=digits",
        "hardware=table",
        "hardware.path=tbl",
        "n=6",
    )
    assert r.returncode == 2 and "made for another network" in r.stderr
    assert "Traceback" not in r.stderr
    r = run("hamp_bench.validate_table", "network=tiny", "dataset=digits", "hardware=macs", "n=6")
    assert r.returncode == 2 and "hardware=macs is not a table" in r.stderr
    # the old name still works, and says which to use
    r = run(
        "hamp_bench.record", "network=tiny", "dataset=digits", "out=tbl2", "timing.provider=cuda"
    )
    assert r.returncode == 2 and "provider=cuda" in r.stderr
    assert "use python -m hamp_bench.record_latency" in r.stderr.splitlines()[0]
