"""The search space of pruning one network: network -> its layers' costs -> channel groups ->
the keep counts each group can take, built once and shared by the pruning problem, the latency
table recorder, table validation and the shipped Jetson Nano tables.

A genome holds one level in 1..levels per channel group (problems/pruning.py says how a level
becomes a keep count). The layers are traced once from the unpruned network (`CostModel`);
`choices[g]` are the keep counts group g can take over all levels, what a latency table must
cover (`reachable_configs`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hamp_bench.problems.costs import CostModel, trace_layers
from hamp_bench.problems.hardware.table import NetworkShape, reachable_configs
from hamp_bench.problems.networks import PrunableNet, build_network
from hamp_bench.problems.pruning import group_sizes, keep_counts, kept_channels, prune


def group_choices(sizes: np.ndarray, levels: int, round_to: int) -> list[np.ndarray]:
    """The keep counts each group can take over all levels."""
    genomes = np.repeat(np.arange(1, levels + 1)[:, None], len(sizes), axis=1)
    keep = keep_counts(genomes, np.asarray(sizes), levels, round_to)
    return [np.unique(keep[:, g]) for g in range(len(sizes))]


class PruningSpace:
    """One network's pruning search space.

    `net` is the network whose channels are pruned (a trained base model); without it, a
    freshly initialised network of `shape` is built (enough for costs, tables and timing).
    """

    def __init__(
        self,
        shape: NetworkShape,
        levels: int = 16,
        round_to: int = 1,
        net: PrunableNet | None = None,
    ):
        self.shape, self.levels, self.round_to = shape, levels, round_to
        self.net = (
            net
            if net is not None
            else build_network(
                shape.name, shape.in_channels, shape.num_classes, shape.image_size, shape.width
            )
        )
        self.costs = CostModel(trace_layers(self.net), len(self.net.channel_groups))
        self.sizes = group_sizes(self.net.channel_groups)
        self.choices = group_choices(self.sizes, levels, round_to)

    @classmethod
    def of(
        cls,
        network: str,
        width: float,
        in_channels: int,
        image_size: int,
        num_classes: int,
        levels: int = 16,
        round_to: int = 1,
        net: PrunableNet | None = None,
    ) -> PruningSpace:
        """The space of network `network` (at channel multiplier `width`) on data of this shape."""
        return cls(
            NetworkShape(network, float(width), in_channels, image_size, num_classes),
            levels,
            round_to,
            net,
        )

    @property
    def n_var(self) -> int:
        return len(self.sizes)

    def keep(self, genomes: np.ndarray) -> np.ndarray:
        """Channels kept per group for each genome: (n, groups)."""
        return keep_counts(genomes, self.sizes, self.levels, self.round_to)

    def random_genomes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` genomes with levels drawn uniformly from 1..levels."""
        return rng.integers(1, self.levels + 1, size=(n, self.n_var))

    def reachable_configs(self, batch: int = 1) -> pd.DataFrame:
        """Every layer configuration genomes can produce (what a latency table must hold)."""
        return reachable_configs(self.costs, self.choices, batch)

    def pruned(self, keep: np.ndarray, rankings: list[np.ndarray] | None = None) -> PrunableNet:
        """The network physically pruned to keep counts `keep` (one genome's row): the top
        `keep[g]` channels of each group by `rankings` (by default its first channels)."""
        if rankings is None:
            rankings = [np.arange(s) for s in self.sizes]
        return prune(self.net, kept_channels(rankings, keep))
