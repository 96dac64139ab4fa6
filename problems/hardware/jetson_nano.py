"""A device model of the NVIDIA Jetson Nano, fitted to recorded Nano figures, and the modelled
latency tables made from it (the `hardware=jetson_nano` profile).

What it models: TensorRT, fp32, batch 1, nvpmodel mode 0 (MAXN), times including host<->device
copies: the setting of the recorded figures it is fitted to (data/: figures copied from the
sources in docs/hardware.md). The Nano: 128 Maxwell CUDA cores at 921.6 MHz (236 GFLOP/s fp32
peak), LPDDR4 at 25.6 GB/s shared with the CPU.

The model of one layer (conv with BN folded and ReLU fused, or linear), a roofline with an
occupancy term:

    t = max(MACs / (P_op * u), bytes / B),   u = n / (n + n_half),   n = cout * out_hw^2

P_3x3 (3x3 stride-1 convs, where TensorRT uses Winograd) and n_half are fitted to per-layer
costs of 3x3 convs; P_other (every other conv and linear layer) is fitted to one whole network
(ResNet-50); B is the nominal 25.6 GB/s; a network adds a fixed cost (input copy, launch) equal
to the median intercept of the per-layer stacks. The remaining whole networks and a held-out
30% of the per-layer figures measure the error. Run this module to refit and rewrite the
shipped tables: `python -m hamp_bench.problems.hardware.jetson_nano`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq, least_squares

from hamp_bench.problems.hardware.table import KEY, LatencyTable, base_manifest, config_macs

DATA = Path(__file__).resolve().parent / "data"
TABLES = Path(__file__).resolve().parent / "tables" / "jetson_nano"
NANO = {"cuda_cores": 128, "clock_mhz": 921.6, "dram_gb_s": 25.6}
RUNTIME = "TensorRT (ONNX -> engine)"
SPLIT_SEED, TEST_FRACTION = 0, 0.3
#: the per-layer fit runs from each of these starts (gmacs_3x3, n_half / 1e3), in this order, and
#: keeps the lowest cost (the first on a tie): no result hangs on one start point
STARTS = tuple((p, h) for p in (30.0, 150.0, 1000.0) for h in (1.0, 30.0, 1000.0))
#: a trust-region search (least_squares) stops when its cost stops falling in float64; the cost is
#: quadratic near the optimum, so that leaves the parameters settled only to ~sqrt(eps), 1e-8, at
#: a place that moved with the BLAS kernel (n_half 72757.5608 or .5611 from the same start, before
#: this). Undamped Gauss-Newton steps with the exact Jacobian then go to the stationary point
#: itself (J^T r = 0, computed to ~1e-16) until a step is below POLISH_RTOL of the parameters.
POLISH_RTOL, POLISH_STEPS = 1e-13, 100
#: the presets the suite ships tables for: CIFAR-sized inputs, colour and grey
PRESET_NETWORKS = ("vgg16", "resnet20", "resnet56", "mobilenetv2")
PRESET_INPUT = {"image_size": 32, "in_channels": [3, 1], "num_classes": 10}


@dataclass(frozen=True)
class NanoModel:
    gmacs_3x3: float  # effective GMAC/s of 3x3 stride-1 convs at full occupancy
    gmacs_other: float  # the same for every other conv and linear layer
    n_half: float  # output elements at which occupancy is one half
    fixed_ms: float  # per network
    dram_gb_s: float = NANO["dram_gb_s"]

    def _parts(self, cfg: pd.DataFrame):
        """Compute and memory time in seconds, occupancy size n and the Winograd mask per row."""
        macs = config_macs(cfg)
        linear = (cfg["op"] == "linear").to_numpy()
        out_hw = np.where(linear, 1, -(-cfg["in_hw"].to_numpy() // cfg["stride"].to_numpy()))
        n = cfg["batch"].to_numpy() * cfg["cout"].to_numpy() * out_hw**2
        winograd = ((cfg["op"] == "conv") & (cfg["kernel"] == 3) & (cfg["stride"] == 1)).to_numpy()
        peak = np.where(winograd, self.gmacs_3x3, self.gmacs_other) * 1e9
        compute = macs / (peak * n / (n + self.n_half))
        in_hw = np.where(linear, 1, cfg["in_hw"].to_numpy())
        weights = np.where(
            cfg["op"] == "dwconv",
            cfg["cout"] * cfg["kernel"] ** 2,
            cfg["cin"] * cfg["cout"] * cfg["kernel"] ** 2,
        )
        values = cfg["batch"] * (cfg["cin"] * in_hw**2 + cfg["cout"] * out_hw**2) + weights
        memory = 4 * values.to_numpy(dtype=float) / (self.dram_gb_s * 1e9)
        return compute, memory, n, winograd

    def layer_ms(self, cfg: pd.DataFrame) -> np.ndarray:
        """Modelled ms of each layer configuration (columns as in a table: op, cin, ...)."""
        compute, memory, _, _ = self._parts(cfg)
        return 1e3 * np.maximum(compute, memory)

    def log_layer_jacobian(self, cfg: pd.DataFrame) -> np.ndarray:
        """d log(layer_ms) / d (gmacs_3x3, n_half / 1e3), exact: the per-layer fit's Jacobian.

        A compute-bound layer has log t = log MACs - log P - log n + log(n + n_half) (+ const);
        a memory-bound one depends on neither parameter."""
        compute, memory, n, winograd = self._parts(cfg)
        bound = compute >= memory
        return np.column_stack(
            [
                np.where(bound & winograd, -1.0 / self.gmacs_3x3, 0.0),
                np.where(bound, 1e3 / (n + self.n_half), 0.0),
            ]
        )

    def network_ms(self, cfg: pd.DataFrame) -> float:
        return float(self.layer_ms(cfg).sum() + self.fixed_ms)


# -- calibration data ---------------------------------------------------------------------------
def per_layer_data() -> pd.DataFrame:
    d = pd.read_csv(DATA / "jetson_nano_conv3x3_per_layer.csv")
    return pd.DataFrame(
        {
            "op": "conv",
            "cin": d.channels,
            "cout": d.channels,
            "kernel": 3,
            "stride": 1,
            "in_hw": d.input_hw,
            "batch": 1,
            "ms": d.per_layer_ms,
            "intercept_ms": d.stack_intercept_ms,
        }
    )


def network_data() -> pd.DataFrame:
    """The whole-network figures in the model's setting (TensorRT fp32, mode 0, incl. copies)."""
    d = pd.read_csv(DATA / "jetson_nano_networks.csv")
    return d[d.runtime.str.startswith("TensorRT (ONNX") & (d.precision == "fp32")]


def _conv(cin, cout, k, s, hw, op="conv"):
    return (op, cin, cout, k, s, hw, 1)


def vgg16_224() -> pd.DataFrame:
    rows, cin, hw = [], 3, 224
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
            rows.append(_conv(cin, v, 3, 1, hw))
            cin = v
    rows += [
        ("linear", 512 * 49, 4096, 1, 1, 1, 1),
        ("linear", 4096, 4096, 1, 1, 1, 1),
        ("linear", 4096, 1000, 1, 1, 1, 1),
    ]
    return pd.DataFrame(rows, columns=list(KEY))


def resnet50_224() -> pd.DataFrame:
    rows, hw, cin = [_conv(3, 64, 7, 2, 224)], 56, 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for b in range(blocks):
            s = stride if b == 0 else 1
            rows += [_conv(cin, width, 1, 1, hw), _conv(width, width, 3, s, hw)]
            out_hw = -(-hw // s)
            rows.append(_conv(width, 4 * width, 1, 1, out_hw))
            if b == 0:
                rows.append(_conv(cin, 4 * width, 1, s, hw))
            cin, hw = 4 * width, out_hw
    rows.append(("linear", 2048, 1000, 1, 1, 1, 1))
    return pd.DataFrame(rows, columns=list(KEY))


def mobilenetv2_224() -> pd.DataFrame:
    rows, hw, cin = [_conv(3, 32, 3, 2, 224)], 112, 32
    for t, c, n, s in (
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ):
        for i in range(n):
            stride, hidden = (s if i == 0 else 1), cin * t
            if t != 1:
                rows.append(_conv(cin, hidden, 1, 1, hw))
            rows.append(_conv(hidden, hidden, 3, stride, hw, op="dwconv"))
            hw = -(-hw // stride)
            rows.append(_conv(hidden, c, 1, 1, hw))
            cin = c
    rows += [_conv(320, 1280, 1, 1, hw), ("linear", 1280, 1000, 1, 1, 1, 1)]
    return pd.DataFrame(rows, columns=list(KEY))


REFERENCE_NETWORKS = {"resnet50": resnet50_224, "vgg16": vgg16_224, "mobilenetv2": mobilenetv2_224}
FIT_NETWORK = "resnet50"


# -- fitting ------------------------------------------------------------------------------------
def _ape(pred, true) -> np.ndarray:
    return np.abs(np.asarray(pred) - np.asarray(true)) / np.asarray(true)


def _gauss_newton(residual, jacobian, x) -> np.ndarray:
    """Polish a least-squares solution: undamped Gauss-Newton steps to the stationary point."""
    x = np.asarray(x, dtype=float)
    for _ in range(POLISH_STEPS):
        step = np.linalg.lstsq(jacobian(x), -residual(x), rcond=None)[0]
        x = x + step
        if np.all(np.abs(step) <= POLISH_RTOL * np.abs(x)):
            return x
    raise RuntimeError(
        f"the Jetson Nano fit did not settle in {POLISH_STEPS} Gauss-Newton steps "
        f"(last step {step}, at {x})"
    )


def fit() -> tuple[NanoModel, dict]:
    """Fit the model and measure its error on what it was not fitted to (deterministic)."""
    layers = per_layer_data()
    rng = np.random.default_rng(SPLIT_SEED)
    order = rng.permutation(len(layers))
    n_test = round(TEST_FRACTION * len(layers))
    test, train = layers.iloc[order[:n_test]], layers.iloc[order[n_test:]]
    fixed = float(max(0.0, np.median(train.intercept_ms)))

    def model(p, other=1.0):
        return NanoModel(gmacs_3x3=p[0], gmacs_other=other, n_half=p[1] * 1e3, fixed_ms=fixed)

    # P_3x3 and n_half: least squares on log time, exact Jacobian, from every start in STARTS
    log_ms = np.log(train.ms.to_numpy())

    def residual(p):
        return np.log(model(p).layer_ms(train)) - log_ms

    best = None
    for x0 in STARTS:
        res = least_squares(
            residual,
            x0=list(x0),
            jac=lambda p: model(p).log_layer_jacobian(train),
            bounds=([1.0, 0.0], [1e4, 1e5]),
        )
        if best is None or res.cost < best.cost:
            best = res
    x = _gauss_newton(residual, lambda p: model(p).log_layer_jacobian(train), best.x)
    if not (
        np.all(x >= [1.0, 0.0])
        and np.all(x <= [1e4, 1e5])
        and 0.5 * residual(x) @ residual(x) <= best.cost * (1 + 1e-9)
    ):
        raise RuntimeError(f"the Jetson Nano fit's polish left the optimum: {best.x} -> {x}")
    # P_other: the root of log(modelled / measured ResNet-50), to a few ulps (monotone in P_other)
    nets = network_data().set_index(network_data().network.str.lower())
    target = float(nets.loc[FIT_NETWORK, "latency_ms"])
    fit_net = REFERENCE_NETWORKS[FIT_NETWORK]()
    other = brentq(
        lambda q: np.log(model(x, q).network_ms(fit_net)) - np.log(target),
        1.0,
        1e4,
        xtol=1e-12,
        rtol=4 * np.finfo(float).eps,
        maxiter=500,
    )
    m = model(x, float(other))

    def summary(ape):
        return {
            "n": int(len(ape)),
            "mape": round(float(np.mean(ape)), 4),
            "median_ape": round(float(np.median(ape)), 4),
            "max_ape": round(float(np.max(ape)), 4),
        }

    networks = {}
    for name, spec in REFERENCE_NETWORKS.items():
        true = float(nets.loc[name, "latency_ms"])
        pred = m.network_ms(spec())
        networks[name] = {
            "measured_ms": true,
            "modelled_ms": round(pred, 2),
            "error": round(float((pred - true) / true), 4) + 0.0,  # never -0.0
            "role": "fitted (sets gmacs_other)" if name == FIT_NETWORK else "held out",
        }
    report = {
        "per_layer_train": summary(_ape(m.layer_ms(train), train.ms)),
        "per_layer_test": summary(_ape(m.layer_ms(test), test.ms)),
        "networks": networks,
        "split": f"per-layer rows: random {TEST_FRACTION:.0%} held out (seed {SPLIT_SEED})",
        "parameters": {k: round(float(v), 4) for k, v in asdict(m).items()},
    }
    return m, report


# -- the shipped tables -------------------------------------------------------------------------
def make_table(
    model: NanoModel, report: dict, network: str, levels: int = 16, round_to: int = 1
) -> LatencyTable:
    """The modelled table of one preset network: every reachable configuration, both inputs."""
    from hamp_bench.problems.search_space import PruningSpace

    frames = [
        PruningSpace.of(
            network,
            1.0,
            ch,
            PRESET_INPUT["image_size"],
            PRESET_INPUT["num_classes"],
            levels,
            round_to,
        ).reachable_configs()
        for ch in PRESET_INPUT["in_channels"]
    ]
    cfg = pd.concat(frames).drop(columns="layer").drop_duplicates().sort_values(list(KEY))
    cfg = cfg.reset_index(drop=True)
    entries = cfg.assign(median_ms=np.round(model.layer_ms(cfg), 6), iqr_ms=np.nan, repeats=0)
    manifest = base_manifest(
        provenance="modelled",
        device=(
            f"NVIDIA Jetson Nano (modelled: {NANO['cuda_cores']} Maxwell CUDA cores at "
            f"{NANO['clock_mhz']} MHz, LPDDR4 {NANO['dram_gb_s']} GB/s)"
        ),
        runtime=RUNTIME,
        runtime_version="as in the calibration data (not stated there)",
        execution_provider="GPU (CUDA cores)",
        precision="fp32",
        threads="n/a",
        power_mode="nvpmodel mode 0 (MAXN, 10 W)",
        warmup="n/a (modelled)",
        repeats="n/a (modelled)",
        fixed_ms=round(model.fixed_ms, 4),
        interpolation="linear_macs",
        network={
            "name": network,
            "width": 1.0,
            **PRESET_INPUT,
            "levels": levels,
            "round_to": round_to,
        },
        what_is_timed="conv (BN folded, ReLU fused) and linear layers at batch 1; pooling and "
        "residual additions are taken as fused or negligible",
        fit=report,
        sources=[
            "iCAS-Lab/NAS-Performance-Modeling data/real_data/real_models.csv @50e6709 "
            "(whole networks; per-layer costs derived from its plain-stack measurements)"
        ],
    )
    return LatencyTable(entries, manifest)


def main() -> None:
    model, report = fit()
    for network in PRESET_NETWORKS:
        table = make_table(model, report, network)
        table.write(TABLES / network)
        print(f"{network}: {len(table.entries)} configurations -> {TABLES / network}")
    print(report)


if __name__ == "__main__":
    main()
