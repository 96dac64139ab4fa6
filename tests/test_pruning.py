"""Structured pruning is real surgery: outputs, parameter counts and MACs are checked against
the unpruned network with the removed channels masked out."""

import copy

import numpy as np
import pytest
import torch

from hamp_bench.errors import ConfigError
from hamp_bench.problems.costs import CostModel, count_macs, trace_layers
from hamp_bench.problems.networks import NETWORKS, build_network
from hamp_bench.problems.pruning import (
    channel_ranking,
    channel_scores,
    group_sizes,
    keep_counts,
    kept_channels,
    prune,
)

NETS = ["tiny", "vgg16", "resnet20", "mobilenetv2", "lenet5"]


def _randomised(name, in_channels=3, input_size=32):
    """A network with random BN statistics, so that masking and pruning are not trivial."""
    torch.manual_seed(0)
    net = build_network(name, in_channels, 10, input_size)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return net.eval()


def _masked(net, kept):
    """The unpruned network with removed channels forced to zero (BN scale and shift 0)."""
    masked = copy.deepcopy(net)
    modules = dict(masked.named_modules())
    for group, idx in zip(net.channel_groups, kept):
        drop = np.setdiff1d(np.arange(group.size), idx)
        for _, bn in group.producers + group.passthrough:
            modules[bn].weight.data[drop] = 0
            modules[bn].bias.data[drop] = 0
    return masked


def _random_keep(net, rng, levels=16):
    sizes = group_sizes(net.channel_groups)
    genome = rng.integers(1, levels + 1, size=len(sizes))
    return keep_counts(genome, sizes, levels)[0]


@pytest.mark.parametrize("name", NETS)
def test_all_keep_genome_gives_the_original_network(name):
    net = _randomised(name)
    sizes = group_sizes(net.channel_groups)
    keep = keep_counts(np.full(len(sizes), 16), sizes, 16)[0]
    assert np.array_equal(keep, sizes)
    pruned = prune(net, kept_channels(channel_ranking(channel_scores(net, "l1")), keep)).eval()
    x = torch.randn(4, 3, 32, 32)
    assert torch.equal(pruned(x), net(x))


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("criterion", ["l1", "bn_scale"])
def test_pruned_network_equals_masked_original(name, criterion):
    net = _randomised(name)
    rng = np.random.default_rng(1)
    x = torch.randn(3, 3, 32, 32)
    ranking = channel_ranking(channel_scores(net, criterion))
    for _ in range(2):
        kept = kept_channels(ranking, _random_keep(net, rng))
        pruned = prune(net, kept).eval()
        with torch.no_grad():
            assert torch.allclose(pruned(x), _masked(net, kept)(x), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("name", NETS + ["resnet56"])
def test_cost_model_matches_the_pruned_network(name):
    net = build_network(name, 1, 10, 28)  # an odd input size and one channel, like Fashion-MNIST
    model = CostModel(trace_layers(net), len(net.channel_groups))
    rng = np.random.default_rng(2)
    ranking = channel_ranking(channel_scores(net, "l1"))
    for _ in range(3):
        keep = _random_keep(net, rng)
        pruned = prune(net, kept_channels(ranking, keep))
        assert model.params(keep)[0] == sum(p.numel() for p in pruned.parameters())
        assert model.macs(keep)[0] == count_macs(pruned, net.example_input())
        n_groups_shrunk = sum(g.size > k for g, k in zip(net.channel_groups, keep))
        assert n_groups_shrunk > 0


def test_pruned_layers_are_physically_smaller():
    net = build_network("vgg16", 3, 10, 32)
    sizes = group_sizes(net.channel_groups)
    keep = keep_counts(np.full(len(sizes), 8), sizes, 16)[0]  # half of every layer
    pruned = prune(net, kept_channels(channel_ranking(channel_scores(net, "l1")), keep))
    convs = [m for m in pruned.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == list(sizes // 2)
    assert pruned.classifier.in_features == 256


def test_keep_counts_levels_and_rounding():
    sizes = np.array([64, 10, 512])
    assert keep_counts(np.array([1, 1, 1]), sizes, 16).tolist() == [[4, 1, 32]]
    assert keep_counts(np.array([16, 16, 16]), sizes, 16).tolist() == [[64, 10, 512]]
    assert keep_counts(np.array([3, 1, 5]), sizes, 16, round_to=8).tolist() == [[16, 8, 160]]
    # rounding never exceeds the layer
    assert keep_counts(np.array([16]), np.array([10]), 16, round_to=8).tolist() == [[10]]


def test_l1_keeps_the_largest_filters():
    net = build_network("tiny", 1, 10, 16)
    conv = net.features[0]
    with torch.no_grad():
        conv.weight.mul_(0)
        conv.weight[[3, 7, 11]] = 1.0
    ranking = channel_ranking(channel_scores(net, "l1"))
    assert sorted(ranking[0][:3].tolist()) == [3, 7, 11]


def test_random_criterion_is_seeded_and_unknown_criterion_fails():
    net = build_network("tiny", 1, 10, 16)
    a, b = (channel_ranking(channel_scores(net, "random", seed=3)) for _ in range(2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    with pytest.raises(ConfigError, match="criterion"):
        channel_scores(net, "magic")


def test_documented_gene_counts():
    counts = {n: len(build_network(n, 3, 10, 32).channel_groups) for n in NETWORKS}
    assert counts == {
        "vgg16": 13, "resnet20": 12, "resnet56": 30, "mobilenetv2": 17, "tiny": 3, "lenet5": 1
    }  # fmt: skip
