"""EMOMC's energy and model-size models (problems/emomc/costs.py) against values worked out by
hand for a two-layer network: a 3x3 conv from 2 to 4 channels over a 4x4 output map (16
positions), then a linear layer from 64 to 10 features; density d = 0.5, bits 4 and 8."""

import math

import pytest

from hamp_bench.problems.emomc.costs import Layer, energy, size_kb

CONV = Layer("conv", cin=2, cout=4, kh=3, kw=3, ofmap=16)  # 72 weights, 1,152 MACs
FC = Layer("linear", cin=64, cout=10)  # 640 weights and MACs
D, BITS = 0.5, (4, 8)


def test_counts():
    assert (CONV.weights, CONV.macs, FC.weights, FC.macs) == (72, 1152.0, 640, 640.0)


def fc_energy():
    """Linear layers are output stationary under every dataflow: 640 MACs at (8 + 1) x d, 640
    weight reads at (8 + 1) / 16, 640 input reads x d, 10 output writes."""
    return 0.102 * 640 * D * 9 + 0.728 * 640 * 9 / 16 + 0.728 * 640 * D + 0.447 * 10


def conv_common():
    """MACs at (4 + 1) x d; the weight reads depend on the dataflow (below)."""
    return 0.102 * 1152 * D * 5


@pytest.mark.parametrize(
    "dataflow, conv",
    [
        # X|Y: weights read once per map (1,152 / 16 = 72), every input read x d, one write per
        # output value (1,152 / (9 x 2) = 64), no re-read
        ("X|Y", 0.728 * 72 * 5 / 16 + 0.728 * 1152 * D + 0.447 * 64),
        # IC|OC: inputs reused over 4 output channels (288 reads), sparsity saves those of all-zero
        # blocks of 4 (share 1 - 0.5^4); 1,152 weight reads; writes and re-reads 1,152 / 2 = 576,
        # saved for blocks of 2 input channels (share 1 - 0.5^2)
        (
            "IC|OC",
            0.728 * 1152 * 5 / 16
            + 0.728 * 288 * (1 - 0.5**4)
            + (0.447 + 0.728) * 576 * (1 - 0.5**2),
        ),
        # Fx|Fy: weights 72, inputs 1,152 x d, writes and re-reads 1,152 / 9 = 128 for blocks of 9
        ("Fx|Fy", 0.728 * 72 * 5 / 16 + 0.728 * 1152 * D + (0.447 + 0.728) * 128 * (1 - 0.5**9)),
        # X|Fx: inputs 1,152 / 3 = 384, weights 1,152 / sqrt(16) = 288, writes and re-reads 384,
        # all for blocks of 3
        ("X|Fx", 0.728 * 288 * 5 / 16 + (0.728 + 0.447 + 0.728) * 384 * (1 - 0.5**3)),
    ],
)
def test_energy_by_hand(dataflow, conv):
    want = (conv_common() + conv + fc_energy()) / 1e6  # units of 0.01 mJ
    assert energy([CONV, FC], D, BITS, dataflow) == pytest.approx(want, rel=1e-12)


def test_size_by_hand():
    """dense: 72 x 4 + 640 x 8 bits; csr: kept weights at bits + 3; coo: kept weights at
    round(bits + log2(layer size)) bits; in kB of 1,024 bytes."""
    kb = 1024 * 8
    assert size_kb([CONV, FC], D, BITS, "dense") == pytest.approx((72 * 4 + 640 * 8) / kb)
    assert size_kb([CONV, FC], D, BITS, "csr") == pytest.approx((72 * 7 + 640 * 11) * D / kb)
    coo = 72 * round(4 + math.log2(72)) + 640 * round(8 + math.log2(640))
    assert size_kb([CONV, FC], D, BITS, "coo") == pytest.approx(coo * D / kb)


def test_more_bits_and_density_cost_more():
    low = energy([CONV, FC], 0.2, (2, 2), "X|Y")
    assert low < energy([CONV, FC], 0.2, (8, 8), "X|Y") < energy([CONV, FC], 0.9, (8, 8), "X|Y")
    with pytest.raises(ValueError, match="unknown dataflow"):
        energy([CONV, FC], D, BITS, "Z|Z")
    with pytest.raises(ValueError, match="unknown coding"):
        size_kb([CONV, FC], D, BITS, "zip")
