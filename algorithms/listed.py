"""Evaluate the genomes listed in a CSV file (columns x0..x{n-1}), in order, in batches: for
re-evaluating a set of genomes under another setting (a surrogate build's noise ceiling,
hamp_bench/cli/build_surrogate.py) with the normal record, cache and resume. Not a preset:
`algorithm._target_=hamp_bench.algorithms.listed.ListedGenomes algorithm.genomes=FILE`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hamp_bench.algorithm import Algorithm
from hamp_bench.errors import ConfigError
from hamp_bench.evaluator import Evaluator


class ListedGenomes(Algorithm):
    uses_whole_budget = False  # as many evaluations as there are genomes

    def __init__(self, genomes: str, name: str = "listed", batch_size: int = 10):
        super().__init__(name)
        self.require(batch_size >= 1, "batch_size", f"must be at least 1, got {batch_size}")
        self.genomes, self.batch_size = genomes, batch_size

    def run(self, evaluator: Evaluator, seed: int) -> None:
        n_var = evaluator.problem.n_var
        try:
            X = pd.read_csv(self.genomes)[[f"x{i}" for i in range(n_var)]].to_numpy()
        except (FileNotFoundError, KeyError, pd.errors.ParserError) as e:
            raise ConfigError(
                f"algorithm.genomes={self.genomes}: not a CSV of genes x0..x{n_var - 1} ({e})"
            ) from None
        for start in range(0, len(X), self.batch_size):
            if evaluator.remaining <= 0:
                return
            evaluator.evaluate(np.asarray(X[start : start + self.batch_size]))
