"""EMOMC's analytic energy and model-size models (Wang et al., IEEE CIM 2021), our code, after
the formulas of the authors' public code (Evaluation.py; docs/emomc.md sets them out).

A network is its conv and linear layers (`Layer`); a configuration is the density d (the share
of weights kept by magnitude pruning, the same for every layer) and a bit width b per layer.

Energy, in units of 0.01 mJ, is per-access costs times access counts, summed over layers:
MACs cost 0.102 x (b + 1) each and only the kept weights' MACs are done (x d); weights are read
at 0.728 x (b + 1) / 16 each, zeros included (the dense weight tensor streams through); input-map
reads (0.728) and output-map writes (0.447) and re-reads (0.728) depend on the accelerator's
dataflow, which decides how often each value is reused and how much sparsity saves of them.
Model size, in kB: the weights at b bits (`dense`), or the kept ones at b + 3 bits (`csr`: a
3-bit run length to the next non-zero) or at b + log2(layer size) bits (`coo`: an index each).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DATAFLOWS = ("X|Y", "IC|OC", "Fx|Fy", "X|Fx")
CODINGS = ("dense", "csr", "coo")
MAC, READ, WRITE = 0.102, 0.728, 0.447  # per access (EMOMC's constants)
#: a dataflow that spreads channels over the array saves input reads by sparsity only for this
#: many channels or fewer (EMOMC's threshold)
CHANNEL_SPREAD = 24
SCALE = 1e6  # access-cost units per 0.01 mJ


@dataclass(frozen=True)
class Layer:
    """A conv layer (kernel kh x kw, `groups`, output map of `ofmap` positions) or a linear
    layer (kh = kw = ofmap = groups = 1), with its input and output channels (features)."""

    kind: str  # "conv" or "linear"
    cin: int
    cout: int
    kh: int = 1
    kw: int = 1
    groups: int = 1
    ofmap: int = 1

    @property
    def weights(self) -> int:
        return self.kh * self.kw * self.cin * self.cout // self.groups

    @property
    def macs(self) -> float:
        return float(self.weights * self.ofmap)


def _sparse_share(d: float, n: float) -> float:
    """Share of n-value blocks with at least one kept weight at density d: reads and writes
    skipped only where a whole block is zero."""
    return 1.0 - (1.0 - d) ** n


def access_counts(layer: Layer, dataflow: str) -> tuple[float, float, float, float, float]:
    """(MACs, input-map reads, weight reads, output-map writes, output-map re-reads) of a dense
    layer under `dataflow`, before sparsity."""
    m = layer.macs
    if layer.kind == "linear":  # output stationary, whatever the dataflow
        return m, m, m, float(layer.cout), 0.0
    cin, cout = layer.cin / layer.groups, layer.cout / layer.groups
    k2 = layer.kh * layer.kw
    if dataflow == "X|Y":  # output positions spread: each weight reused over the map
        return m, m, m / layer.ofmap, m / (k2 * cin), 0.0
    if dataflow == "IC|OC":  # channels spread: inputs reused over output channels
        return m, m / cout, m, m / cin, m / cin
    if dataflow == "Fx|Fy":  # kernel positions spread
        return m, m, m / layer.ofmap, m / k2, m / k2
    if dataflow == "X|Fx":  # one map axis and one kernel axis spread
        return m, m / layer.kh, m / layer.ofmap**0.5, m / layer.kh, m / layer.kh
    raise ValueError(f"unknown dataflow {dataflow!r}; choose one of {DATAFLOWS}")


def layer_energy(layer: Layer, d: float, bits: int, dataflow: str) -> float:
    """One layer's energy in access-cost units (before `SCALE`)."""
    macs, ifmap, weights, ofmap_w, ofmap_r = access_counts(layer, dataflow)
    e = MAC * macs * d * (bits + 1) + READ * weights * (bits + 1) / 16
    if layer.kind == "linear" or dataflow in ("X|Y", "Fx|Fy"):
        e += READ * ifmap * d
    elif dataflow == "IC|OC":
        cout = layer.cout / layer.groups
        e += READ * ifmap * (1.0 if cout > CHANNEL_SPREAD else _sparse_share(d, cout))
    else:  # X|Fx
        e += READ * ifmap * _sparse_share(d, layer.kh)
    if layer.kind == "linear" or dataflow == "X|Y":
        out = 1.0
    elif dataflow == "IC|OC":
        cin = layer.cin / layer.groups
        out = 1.0 if cin > CHANNEL_SPREAD else _sparse_share(d, cin)
    elif dataflow == "Fx|Fy":
        out = _sparse_share(d, layer.kh * layer.kw)
    else:
        out = _sparse_share(d, layer.kh)
    return e + WRITE * ofmap_w * out + READ * ofmap_r * out


def energy(layers: list[Layer], d: float, bits, dataflow: str) -> float:
    """Energy of the network at density d and per-layer `bits`, in units of 0.01 mJ."""
    bits = np.asarray(bits).reshape(-1)
    return sum(layer_energy(la, d, int(b), dataflow) for la, b in zip(layers, bits)) / SCALE


def size_kb(layers: list[Layer], d: float, bits, coding: str) -> float:
    """Model size of the weights in kB (1,024 bytes) under `coding`."""
    bits = np.asarray(bits).reshape(-1)
    total = 0.0
    for la, b in zip(layers, bits):
        n = la.weights
        if coding == "dense":  # zeros stored too
            total += n * int(b)
        elif coding == "csr":
            total += n * (int(b) + 3) * d
        elif coding == "coo":
            total += n * round(int(b) + np.log2(n)) * d
        else:
            raise ValueError(f"unknown coding {coding!r}; choose one of {CODINGS}")
    return total / (1024 * 8)


FP32 = 32


def uncompressed_cost(layers: list[Layer], quantity: str, dataflow: str) -> float:
    """The uncompressed network's energy or size, the reference EMOMC's factors divide: every
    weight kept at 32 bits; its size is dense storage (a sparse coding of a dense model only
    adds index bits)."""
    fp32 = [FP32] * len(layers)
    if quantity == "energy":
        return energy(layers, 1.0, fp32, dataflow)
    if quantity == "size_kb":
        return size_kb(layers, 1.0, fp32, "dense")
    raise ValueError(f"unknown quantity {quantity!r}; choose energy or size_kb")
