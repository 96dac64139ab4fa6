"""The surrogate builds' sampling design (algorithms/design.py): its neighbours stay near their
parents unless `resample` asks for wide moves, and `resample=0` keeps the design's random
stream (so artifacts built before the key existed are rebuilt by their command)."""

from types import SimpleNamespace

import numpy as np
import pytest

from hamp_bench.algorithms.design import SurrogateDesign
from hamp_bench.errors import ConfigError


def _problem(n_var=12):
    return SimpleNamespace(
        n_var=n_var,
        xl=np.ones(n_var, np.int64),
        xu=np.full(n_var, 16, np.int64),
        var_type="int",
        space=SimpleNamespace(in_roi=lambda F: F[:, 0] <= 0.5),
    )


def _parent_and_children(design, n=400, seed=0):
    p = _problem()
    X = np.full((1, p.n_var), 14, np.int64)  # one parent, inside the region
    F = np.array([[0.1, 1.0]])
    return X[0], design.neighbours(np.random.default_rng(seed), p, X, F, n)


def test_stepped_neighbours_stay_within_the_step():
    parent, children = _parent_and_children(SurrogateDesign(neighbour_step=0.15))
    moved = np.abs(children - parent)
    assert moved.max() <= int(np.ceil(0.15 * 15))  # step * range, rounded
    assert ((moved > 0).sum(axis=1) >= 1).all()  # every child moves at least one gene


def test_resampled_neighbours_make_wide_moves_on_few_genes():
    parent, children = _parent_and_children(SurrogateDesign(resample=1.0, neighbour_genes=3))
    changed = (children != parent).sum(axis=1)
    assert changed.max() <= 3
    assert (children <= 5).any(axis=1).mean() > 0.3  # a layer cut hard, as MOEAs do
    assert children.min() >= 1 and children.max() <= 16


def test_resample_zero_draws_what_the_design_drew_before_the_key():
    # the first children and the sum of all 400, drawn by the design before `resample` existed
    _, a = _parent_and_children(SurrogateDesign(resample=0.0), seed=3)
    assert a[:2].tolist() == [
        [13, 12, 15, 14, 14, 14, 14, 14, 14, 14, 14, 14],
        [14, 14, 14, 15, 14, 12, 14, 14, 14, 14, 14, 14],
    ]
    assert int(a.sum()) == 67191
    _, c = _parent_and_children(SurrogateDesign(resample=0.5), seed=3)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_a_resample_share_outside_0_1_is_refused(bad):
    with pytest.raises(ConfigError, match="resample"):
        SurrogateDesign(resample=bad)
