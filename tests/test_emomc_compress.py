"""EMOMC's pruning + quantisation (problems/emomc/compress.py): the pruned fraction is exact,
each layer's quantised weights take at most 2^bits values, pruned weights stay zero, and bad
bit widths or densities are refused before anything changes."""

import pytest
import torch
from torch import nn

from hamp_bench.errors import ConfigError
from hamp_bench.problems.emomc.compress import compress, layers_of
from hamp_bench.problems.emomc.costs import Layer


def net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )


@pytest.mark.parametrize("density", [1.0, 0.5, 0.3, 0.07])
@pytest.mark.parametrize("bits", [(1, 1, 1), (2, 3, 4), (8, 5, 12), (16, 16, 16)])
def test_pruned_fraction_is_exact_and_values_fit_the_bits(density, bits):
    model = net()
    masks = compress(model, density, bits)
    layers = [model[0], model[2], model[4]]
    for layer, mask, b in zip(layers, masks, bits):
        w = layer.weight.detach().reshape(-1)
        n = w.numel()
        assert int((~mask).sum()) == round((1 - density) * n)  # torch's rule, exact
        assert torch.all(w[~mask.reshape(-1)] == 0)  # pruned weights stay zero
        assert len(torch.unique(w[mask.reshape(-1)])) <= 2**b  # the kept weights' codes
        if b >= 2:  # symmetric levels and zero: 2^b - 1 values, pruned zeros included
            assert len(torch.unique(w)) <= 2**b - 1
        else:  # one bit: +-max|w| for the kept weights; the pruned zeros are the mask's
            assert len(torch.unique(w)) <= 3


def test_quantisation_keeps_the_largest_weight_and_rounds_to_its_grid():
    model = net()
    before = model[0].weight.detach().clone()
    compress(model, 1.0, (4, 8, 8))
    after = model[0].weight.detach()
    step = before.abs().max() / 7  # 2^(4-1) - 1 levels a side
    assert torch.allclose(after.abs().max(), before.abs().max())
    assert torch.allclose(after / step, torch.round(after / step), atol=1e-5)
    assert (after - before).abs().max() <= step / 2 + 1e-6
    assert len(torch.unique(after)) > 2  # 4 bits is not binary


def test_the_kept_weights_are_the_largest():
    model = net()
    before = model[4].weight.detach().abs().reshape(-1).clone()
    masks = compress(model, 0.25, (16, 16, 16))
    kept = before[masks[2].reshape(-1)]
    dropped = before[~masks[2].reshape(-1)]
    assert kept.min() >= dropped.max()


@pytest.mark.parametrize(
    "density, bits, match",
    [
        (0.5, (0, 4, 4), r"bits: 0 is outside \[1, 16\]"),
        (0.5, (4, 17, 4), r"bits: 17 is outside \[1, 16\]"),
        (0.5, (4, 4), r"bits: 2 bit widths for a network of 3 conv and linear layers"),
        (0.0, (4, 4, 4), r"density: 0.0 is not in \(0, 1\]"),
        (1.5, (4, 4, 4), r"density: 1.5 is not in \(0, 1\]"),
    ],
)
def test_bad_bits_and_densities_are_refused_before_any_change(density, bits, match):
    model = net()
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ConfigError, match=match):
        compress(model, density, bits)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_layers_of_reads_kernels_groups_and_output_maps():
    assert layers_of(net(), (2, 8, 8)) == [
        Layer("conv", cin=2, cout=4, kh=3, kw=3, groups=1, ofmap=64),
        Layer("conv", cin=4, cout=8, kh=3, kw=3, groups=2, ofmap=16),
        Layer("linear", cin=128, cout=10),
    ]


@pytest.mark.parametrize("bits", [6, 8, 12])
def test_a_large_layer_uses_at_most_2_to_the_bits_minus_1_values(bits):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(256, 256))  # 65,536 weights: more than 2^12 values
    compress(model, 0.9, (bits,))
    w = model[0].weight.detach()
    assert 2 ** (bits - 1) < len(torch.unique(w)) <= 2**bits - 1  # the grid, nearly all used
