"""The EMOMC problem (Wang et al., IEEE CIM 2021; our code): one gene picks a pre-pruned
checkpoint (a density: the share of each layer's weights kept by magnitude pruning), one gene a
layer picks that layer's weight bit width; an evaluation quantises the checkpoint's weights
(quantise after pruning, as EMOMC) and measures the validation error.

Working modes (`emomc.mode`): `energy` minimises (error, energy) subject to size <= bound;
`size` minimises (error, size) subject to energy <= bound. Energy and size come from EMOMC's
analytic models (costs.py, docs/emomc.md): exact and cheap, like a pruning problem's latency
table. Evaluation is deterministic per genome (fine-tuning, if any, is seeded from it)."""

from __future__ import annotations

import copy
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hamp_bench import components
from hamp_bench.errors import ConfigError
from hamp_bench.hashing import genome_key
from hamp_bench.problem import Constraint, Evaluation, Objective, Problem
from hamp_bench.problems.base_models import obtain_base_model
from hamp_bench.problems.configs import NetworkConfig
from hamp_bench.problems.datasets import data_identity, load_dataset
from hamp_bench.problems.emomc.checkpoints import masked_finetune, obtain_checkpoint
from hamp_bench.problems.emomc.compress import MAX_BITS, MIN_BITS, compress, layers_of
from hamp_bench.problems.emomc.config import EmomcProblemConfig
from hamp_bench.problems.emomc.costs import (
    CODINGS,
    DATAFLOWS,
    FP32,
    energy,
    size_kb,
    uncompressed_cost,
)
from hamp_bench.problems.networks import build_network
from hamp_bench.problems.pruning_problem import _check_device, set_error_roi
from hamp_bench.problems.recipes import resolve_recipe
from hamp_bench.problems.training import (
    SGDRecipe,
    error_rate,
    evaluation_platform,
    recalibrate_bn,
    torch_threads,
)

MODES = ("energy", "size")


def check_settings(cfg: EmomcProblemConfig) -> None:
    """Every key that can be wrong without training anything, named with its allowed values."""
    e = cfg.emomc
    if e.mode not in MODES:
        raise ConfigError(f"problem.emomc.mode={e.mode!r} is unknown; choose one of {MODES}")
    if e.dataflow not in DATAFLOWS:
        raise ConfigError(
            f"problem.emomc.dataflow={e.dataflow!r} is unknown; choose one of {DATAFLOWS}"
        )
    if e.coding not in CODINGS:
        raise ConfigError(f"problem.emomc.coding={e.coding!r} is unknown; choose one of {CODINGS}")
    for key in ("min_bits", "max_bits"):
        b = getattr(cfg, key)
        if not MIN_BITS <= b <= MAX_BITS:
            raise ConfigError(
                f"problem.{key}={b} is outside [{MIN_BITS}, {MAX_BITS}]; bit widths are "
                f"integers from {MIN_BITS} to {MAX_BITS}"
            )
    if cfg.min_bits > cfg.max_bits:
        raise ConfigError(
            f"problem.min_bits={cfg.min_bits} is above problem.max_bits={cfg.max_bits}"
        )
    if e.bound is not None and not math.isfinite(e.bound):
        raise ConfigError(
            f"problem.emomc.bound={e.bound} is not a finite number; give the bound in the "
            "constrained quantity's unit, or null for no constraint"
        )
    d = list(cfg.densities)
    if not d or len(set(d)) != len(d) or not all(0.0 < x <= 1.0 for x in d):
        raise ConfigError(
            f"problem.densities must be distinct shares of weights kept, each in (0, 1], got {d}"
        )
    if cfg.fidelity.finetune_steps < 0 or cfg.fidelity.bn_batches < 0:
        raise ConfigError("problem.fidelity: finetune_steps >= 0 and bn_batches >= 0 are required")


class EmomcProblem(Problem):
    """Parameters: `EmomcProblemConfig` (problems/emomc/config.py)."""

    Params = EmomcProblemConfig
    expensive = True
    reference_label = "fp32"  # the uncompressed network: every weight kept, 32 bits

    def __init__(self, *, progress: bool = True, **params: Any):
        cfg = components.checked(EmomcProblemConfig, params, "problem")
        check_settings(cfg)
        _check_device(cfg.device)
        self.name, self.device, self.fidelity = cfg.name, cfg.device, cfg.fidelity
        self.settings, self.densities = cfg.emomc, [float(d) for d in cfg.densities]
        self.min_bits, self.max_bits = cfg.min_bits, cfg.max_bits
        self.threads = int(cfg.threads or torch.get_num_threads())
        self.network_cfg = asdict(NetworkConfig(**cfg.network))
        self.dataset_cfg = dict(cfg.dataset)
        self.data = load_dataset(self.dataset_cfg)
        net_name, width = self.network_cfg["name"], self.network_cfg["width"]

        def make_net():
            d = self.data
            return build_network(net_name, d.channels, d.num_classes, d.image_size, width)

        shape = (self.data.channels, self.data.image_size, self.data.image_size)
        self.layers = layers_of(make_net(), shape)
        self.cost_key = "energy" if self.settings.mode == "energy" else "size"
        self.constraint_key = "size" if self.settings.mode == "energy" else "energy"
        self._check_bound()  # before any training

        pretrain, recipe_source = resolve_recipe(cfg.pretrain, net_name, self.dataset_cfg["name"])
        self.base, self.base_meta = obtain_base_model(
            make_net,
            self.network_cfg,
            self.data,
            self.dataset_cfg,
            pretrain,
            Path(cfg.model_dir),
            device=cfg.device,
            progress=progress,
            recipe_source=recipe_source,
        )
        self.checkpoint_recipe = cfg.checkpoint
        self.checkpoints, self.checkpoint_meta = [], []
        for d in self.densities:
            if d == 1.0:  # nothing pruned, nothing to recover: the base model itself
                net, meta = self.base, {"density": 1.0, "source": "base model"}
                meta["weights_sha256"] = self.base_meta["weights_sha256"]
            else:
                net, meta = obtain_checkpoint(
                    make_net,
                    self.base,
                    self.base_meta,
                    self.network_cfg,
                    self.data,
                    d,
                    cfg.checkpoint,
                    Path(cfg.model_dir),
                    device=cfg.device,
                    progress=progress,
                )
            self.checkpoints.append(net)
            self.checkpoint_meta.append(meta)

        n_layers = len(self.layers)
        self.n_var, self.var_type = 1 + n_layers, "int"
        self.xl = np.array([0] + [self.min_bits] * n_layers, dtype=np.int64)
        self.xu = np.array([len(self.densities) - 1] + [self.max_bits] * n_layers, dtype=np.int64)
        self.objective_keys = ["error", self.cost_key]
        self.objectives = (Objective("error", unit="validation top-1 error rate"), self._cost_obj())
        if self.settings.bound is not None:
            name, unit = self._quantity(self.constraint_key)
            self.constraints = (Constraint(name, unit=f"{unit}, bound {self.settings.bound:g}"),)
        low, high = self._cost_range(self.cost_key)
        self.ideal = np.array([0.0, low])
        self.nadir = np.array([1 - 1 / self.data.num_classes, high])
        set_error_roi(self, cfg.roi.max_error_increase, cfg.fidelity.val_size)

    # -- the cost models ---------------------------------------------------------------------
    def _quantity(self, key: str) -> tuple[str, str]:
        s = self.settings
        if key == "energy":
            return "energy", f"0.01 mJ, EMOMC's analytic model, dataflow {s.dataflow}"
        return "size_kb", f"kB of weights, EMOMC's {s.coding} coding"

    def _cost_obj(self) -> Objective:
        name, unit = self._quantity(self.cost_key)
        return Objective(name, unit=unit, cheap=True)

    def cost(self, key: str, density: float, bits) -> float:
        if key == "energy":
            return energy(self.layers, density, bits, self.settings.dataflow)
        return size_kb(self.layers, density, bits, self.settings.coding)

    def _cost_range(self, key: str) -> tuple[float, float]:
        """Smallest (sparsest checkpoint, fewest bits) and largest (densest, most bits) value:
        both models grow with density and with bits."""
        n = len(self.layers)
        low = self.cost(key, min(self.densities), [self.min_bits] * n)
        return low, self.cost(key, max(self.densities), [self.max_bits] * n)

    def _check_bound(self) -> None:
        bound = self.settings.bound
        if bound is None:
            return
        low, high = self._cost_range(self.constraint_key)
        name, unit = self._quantity(self.constraint_key)
        if bound < low:
            raise ConfigError(
                f"problem.emomc.bound={bound:g}: no configuration meets {name} <= bound; the "
                f"sparsest checkpoint (density {min(self.densities):g}) at {self.min_bits} bits "
                f"has {name} {low:.4g} ({unit}); raise the bound to at least that, add a "
                "smaller density, or lower problem.min_bits"
            )

    def _genes(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.array([self.densities[i] for i in X[:, 0]]), X[:, 1:]

    def _costs(self, X: np.ndarray, key: str) -> np.ndarray:
        density, bits = self._genes(X)
        return np.array([self.cost(key, d, b) for d, b in zip(density, bits)])

    # -- Problem interface -----------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {
            "network": self.network_cfg,
            "base_model": self.base_meta["weights_sha256"],
            "checkpoints": [m["weights_sha256"] for m in self.checkpoint_meta],
            "densities": self.densities,
            "checkpoint_recipe": asdict(self.checkpoint_recipe),
            "dataset": {
                **data_identity(self.dataset_cfg),
                "content_sha256": self.data.content_sha256,
            },
            "platform": evaluation_platform(self.device, self.threads),
            "emomc": asdict(self.settings),
            "bits": [self.min_bits, self.max_bits],
            "fidelity": asdict(self.fidelity),
        }

    def network(self, genome: np.ndarray) -> torch.nn.Module:
        """The compressed network of one genome: its checkpoint quantised per layer (then, with
        fine-tuning in the fidelity, fine-tuned with masks held and quantised again)."""
        density = self.densities[int(genome[0])]
        bits = [int(b) for b in genome[1:]]
        net = copy.deepcopy(self.checkpoints[int(genome[0])])
        masks = compress(net, density, bits)
        f = self.fidelity
        if f.finetune_steps:
            salt = "emomc-finetune" if not f.finetune_seed else f"emomc-finetune:{f.finetune_seed}"
            seed = int(genome_key(salt, np.asarray(genome, dtype=np.int64))[:8], 16)
            recipe = SGDRecipe(f.finetune_steps, f.finetune_batch, f.finetune_lr, seed=seed)
            masked_finetune(net, self.data.train, recipe, self.device, None, masks=masks)
            compress(net, density, bits)
        recalibrate_bn(net, self.data.train, f.bn_batches, device=self.device)
        return net.to("cpu").eval()

    def _evaluate(self, X: np.ndarray) -> Evaluation:
        errors = []
        with torch_threads(self.threads):
            for genome in X:
                net = self.network(genome)
                errors.append(
                    error_rate(net, self.data.val, limit=self.fidelity.val_size, device=self.device)
                )
        F = np.column_stack([errors, self._costs(X, self.cost_key)])
        G = None
        if self.constraints:
            G = (self._costs(X, self.constraint_key) - self.settings.bound)[:, None]
        return Evaluation(F, G=G)

    def _evaluate_cheap(self, X: np.ndarray) -> np.ndarray:
        return self._costs(X, self.cost_key)[:, None]

    def test_scores(self, X: np.ndarray) -> dict[str, np.ndarray]:
        with torch_threads(self.threads):
            errors = [error_rate(self.network(g), self.data.test, device=self.device) for g in X]
        return {"test_error": np.array(errors)}

    def describe_genomes(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """`density` (the share of weights kept) and `mean_bits` (over layers, by weights)."""
        density, bits = self._genes(X)
        weights = np.array([la.weights for la in self.layers], dtype=float)
        return {"density": density, "mean_bits": bits @ weights / weights.sum()}

    def reference_solution(self) -> dict[str, Any]:
        """The uncompressed base model (costs.uncompressed_cost): fp32, every weight kept."""
        name, _ = self._quantity(self.cost_key)
        cost = uncompressed_cost(self.layers, name, self.settings.dataflow)
        return {
            "error": self.base_meta["val_error"],
            name: cost,
            "test_error": self.base_meta["test_error"],
            "density": 1.0,
            "mean_bits": float(FP32),
        }

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "data": self.data.describe(),
            "platform": evaluation_platform(self.device, self.threads),
            "emomc": asdict(self.settings),
            "fidelity": asdict(self.fidelity),
            "genes": ["checkpoint"] + [f"bits{i}" for i in range(len(self.layers))],
            "densities": self.densities,
            "checkpoints": self.checkpoint_meta,
            "base_model": self.base_meta,
        }
