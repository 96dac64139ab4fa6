"""The pruning problem: a genome of keep levels, evaluated by pruning a trained network for real.

Objectives (the config picks 2 or 3, in order): `error` (validation top-1 error after pruning,
the declared fine-tuning and BN recalibration; expensive), `latency` (from the hardware profile:
cheap when looked up, expensive when measured live) and `memory` (MB at the profile's
precision, analytic; cheap). Params and MACs are recorded as extras, with whatever the profile
measures. Evaluation is deterministic per genome: fine-tuning draws its seed from the genome.
The search space (network, layer costs, keep counts) is a `PruningSpace`; everything that
differs between hardware profiles is behind the profile's methods.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hamp_bench import components
from hamp_bench.errors import ConfigError
from hamp_bench.hashing import genome_key
from hamp_bench.problem import Evaluation, Objective, Problem
from hamp_bench.problems.base_models import obtain_base_model
from hamp_bench.problems.configs import NetworkConfig, PruningProblemConfig
from hamp_bench.problems.datasets import data_identity, load_dataset
from hamp_bench.problems.hardware import HardwareProfile
from hamp_bench.problems.networks import build_network
from hamp_bench.problems.pruning import channel_ranking, channel_scores
from hamp_bench.problems.recipes import resolve_recipe
from hamp_bench.problems.search_space import PruningSpace
from hamp_bench.problems.training import (
    SGDRecipe,
    error_rate,
    evaluation_platform,
    recalibrate_bn,
    sgd_train,
    torch_threads,
)

OBJECTIVES = ("error", "latency", "memory")


def _check_device(device: str) -> None:
    """A device this machine has, before any data or model is touched."""
    try:
        kind = torch.device(device)
    except (RuntimeError, ValueError) as e:
        raise ConfigError(f"problem.device={device!r} is not a torch device ({e})") from e
    if kind.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"problem.device={device}, but torch here has no CUDA device (torch "
            f"{torch.__version__}, CUDA build: {torch.version.cuda or 'none'}); use "
            "problem.device=cpu, or run where a GPU and a CUDA build of torch are"
        )
    if kind.type == "cuda" and (kind.index or 0) >= torch.cuda.device_count():
        raise ConfigError(
            f"problem.device={device}, but this machine has {torch.cuda.device_count()} CUDA "
            "device(s); choose one that exists"
        )


def _params(params: dict[str, Any]) -> PruningProblemConfig:
    """The parameters as their declaration (`PruningProblemConfig`): defaults filled in,
    interpolations such as the model_dir default resolved, names and types checked."""
    return components.checked(PruningProblemConfig, params, "problem")


def _genome_bytes(genome: np.ndarray) -> bytes:
    return np.asarray(genome, dtype=np.int64).tobytes()


def _size_mb(net: torch.nn.Module) -> float:
    tensors = [*net.parameters(), *net.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors) / 2**20


def cheap_columns(
    space: PruningSpace,
    profile: HardwareProfile,
    keys: list[str],
    X: np.ndarray,
    keep: np.ndarray | None = None,
) -> np.ndarray:
    """The objectives `keys` of genomes X in order, error left NaN: latency from the profile
    (NaN where it is measured) and memory from the cost model. Pruning problems and their
    surrogates share it, so a surrogate's cheap objectives are the true ones. `keep`: X's keep
    counts, where the caller has them already."""
    keep = space.keep(X) if keep is None else keep
    values = {
        "latency": lambda: profile.latency(keep),
        "memory": lambda: space.costs.memory_mb(keep, profile.bytes_per_value),
        "error": lambda: np.full(len(keep), np.nan),
    }
    return np.column_stack([values[k]() for k in keys])


def unpruned_row(problem, val_error: float, test_error: float) -> dict[str, Any]:
    """The unpruned network (every gene at its top level) in a front's columns, for a pruning
    problem or its surrogate (same search space, profile and objectives)."""
    full = problem.xu[None]
    space = problem.search_space
    cheap = cheap_columns(space, problem.profile, problem.objective_keys, full)[0]
    row: dict[str, Any] = dict(zip(problem.objective_names, cheap.tolist()))
    if "error" in problem.objective_keys:
        row["error"] = val_error
    keep = space.keep(full)
    row.update(test_error=test_error, params=int(space.costs.params(keep)[0]))
    row.update(macs=int(space.costs.macs(keep)[0]), kept=1.0)
    return row


def set_error_roi(problem, margin: float | None, val_size: int | None) -> None:
    """Tighten the error nadir of a problem with a trained base model (`base`, `base_meta`,
    `data`, `device`, `objective_keys`) to the base model's validation error (on the images a
    candidate is scored on) plus `margin`; not beyond chance error."""
    if margin is None or "error" not in problem.objective_keys:
        return
    if margin <= 0:
        raise ConfigError(
            f"problem.roi.max_error_increase must be positive (or null for the full "
            f"range up to chance error), got {margin}"
        )
    base = (
        problem.base_meta["val_error"]
        if val_size is None
        else error_rate(problem.base, problem.data.val, limit=val_size, device=problem.device)
    )
    col = problem.objective_keys.index("error")
    problem.full_nadir = problem.nadir.copy()
    problem.nadir[col] = min(base + margin, problem.full_nadir[col])
    problem.roi = {
        "objective": "error",
        "max_error_increase": margin,
        "base_error": base,
        "error_nadir": float(problem.nadir[col]),
    }


class PruningProblem(Problem):
    """Parameters: `PruningProblemConfig` (problems/configs.py), their one declaration."""

    Params = PruningProblemConfig
    expensive = True
    keep_levels = True
    #: 2: validation in batches of `eval_batch_size` (64 on a CPU, was 256): the same images,
    #: but sums in another order, so an error may differ from revision 1's in rare ties
    revision = 2
    #: memory for the fine-tuned networks of front members, kept so that re-scoring the final
    #: front on test data does not fine-tune them again (beyond it, the oldest are rebuilt)
    retain_mb: float = 2048.0
    extra_names = ("params", "macs")

    def __init__(self, *, progress: bool = True, **params: Any):
        cfg = _params(params)
        self.name = cfg.name
        self.network_cfg = asdict(NetworkConfig(**cfg.network))
        self.dataset_cfg = dict(cfg.dataset)
        self.levels, self.round_to = cfg.levels, cfg.round_to
        self.criterion, self.criterion_seed = cfg.criterion, cfg.criterion_seed
        self.fidelity = cfg.fidelity
        self.device = cfg.device
        _check_device(cfg.device)
        if cfg.threads is not None and cfg.threads < 1:
            raise ConfigError(
                f"problem.threads must be at least 1 (or null for torch's default "
                f"here, {torch.get_num_threads()}), got {cfg.threads}"
            )
        self.threads = int(cfg.threads or torch.get_num_threads())
        self._check(cfg.objectives)
        self.objective_keys = list(cfg.objectives)

        self.profile: HardwareProfile = components.build(cfg.hardware, "hardware")
        self.data = load_dataset(self.dataset_cfg)
        network = self.network_cfg["name"], self.network_cfg["width"]
        make_net = lambda: build_network(  # noqa: E731
            network[0], self.data.channels, self.data.num_classes, self.data.image_size, network[1]
        )
        make_net()  # fail on a bad network config before any training
        self.pretrain, recipe_source = resolve_recipe(
            cfg.pretrain, network[0], self.dataset_cfg["name"]
        )
        self.base, self.base_meta = obtain_base_model(
            make_net,
            self.network_cfg,
            self.data,
            self.dataset_cfg,
            self.pretrain,
            Path(cfg.model_dir),
            device=cfg.device,
            progress=progress,
            recipe_source=recipe_source,
        )
        self.scores = channel_scores(self.base, cfg.criterion, cfg.criterion_seed)
        self.rankings = channel_ranking(self.scores)
        self.search_space = PruningSpace.of(
            *network,
            self.data.channels,
            self.data.image_size,
            self.data.num_classes,
            cfg.levels,
            cfg.round_to,
            net=self.base,
        )
        self.profile.bind(self.search_space)
        self.extra_names = PruningProblem.extra_names + self.profile.extra_names

        # genome bytes -> its fine-tuned network; None until an evaluator tracks the front
        self._kept: dict[bytes, torch.nn.Module] | None = None
        self.n_var = self.search_space.n_var
        self.var_type = "int"
        self.xl = np.ones(self.n_var, dtype=np.int64)
        self.xu = np.full(self.n_var, cfg.levels, dtype=np.int64)
        by_key = {
            "error": Objective("error", unit="validation top-1 error rate"),
            "latency": self.profile.objective,
            "memory": Objective("memory_mb", unit=f"MB ({self.profile.precision})", cheap=True),
        }
        self.objectives = tuple(by_key[k] for k in self.objective_keys)
        smallest, full = self._cheap(np.vstack([self.xl, self.xu]))
        bounds = {"error": (0.0, 1 - 1 / self.data.num_classes)}  # error: up to chance
        if "latency" in self.objective_keys:
            col = self.objective_keys.index("latency")
            bounds["latency"] = self.profile.latency_bounds(smallest[col], full[col], self.base)
        self.ideal = np.array(
            [
                bounds[k][0] if k in bounds else smallest[i]
                for i, k in enumerate(self.objective_keys)
            ]
        )
        self.nadir = np.array(
            [bounds[k][1] if k in bounds else full[i] for i, k in enumerate(self.objective_keys)]
        )
        set_error_roi(self, cfg.roi.max_error_increase, cfg.fidelity.val_size)

    @property
    def costs(self):
        """The layers' analytic costs (MACs, params, memory) of any keep counts."""
        return self.search_space.costs

    @property
    def sizes(self) -> np.ndarray:
        return self.search_space.sizes

    def _check(self, objectives: list[str]) -> None:
        if (
            not 2 <= len(objectives) <= 3
            or len(set(objectives)) != len(objectives)
            or not set(objectives) <= set(OBJECTIVES)
        ):
            raise ConfigError(
                f"problem.objectives must be 2 or 3 distinct names from {OBJECTIVES}, "
                f"got {list(objectives)}"
            )
        if self.levels < 2:
            raise ConfigError(f"problem.levels must be at least 2, got {self.levels}")
        if self.round_to < 1:
            raise ConfigError(f"problem.round_to must be at least 1, got {self.round_to}")
        f = self.fidelity
        if f.finetune_steps < 0 or f.bn_batches < 0 or (f.val_size or 1) < 1:
            raise ConfigError(
                "problem.fidelity: finetune_steps >= 0, bn_batches >= 0 and "
                f"val_size >= 1 (or null) are required, got {asdict(f)}"
            )
        SGDRecipe(
            self.fidelity.finetune_steps, self.fidelity.finetune_batch, self.fidelity.finetune_lr
        ).check("problem.fidelity")

    # -- Problem interface -----------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """What decides an evaluation: the base model's weights (not its recipe: a retrained or
        copied-and-changed model must not share cached results), the data's settings and
        content, the hardware profile (tables by content), the search space, the fidelity, and
        the platform that computes it (torch version, device, CPU kernels, threads).
        Outside it: numpy/scipy/scikit-learn versions (they do not touch evaluation numerics)
        and this package's own code, whose changes bump `revision`."""
        return {
            "network": self.network_cfg,
            "base_model": self.base_meta["weights_sha256"],
            "dataset": {
                **data_identity(self.dataset_cfg),
                "content_sha256": self.data.content_sha256,
            },
            "platform": evaluation_platform(self.device, self.threads),
            "hardware": self.profile.identity(),
            "objectives": self.objective_keys,
            "levels": self.levels,
            "round_to": self.round_to,
            "criterion": self.criterion,
            "criterion_seed": self.criterion_seed,
            "fidelity": asdict(self.fidelity),
        }

    def keep(self, X: np.ndarray) -> np.ndarray:
        return self.search_space.keep(X)

    def channel_saliency(self) -> list[np.ndarray]:
        """Per group, channel importances (the criterion's scores over the group's mean, so
        that groups compare), most important first: what the HALP baseline trades off."""
        return [np.sort(sc)[::-1] / max(sc.mean(), 1e-12) for sc in self.scores]

    def finetune_recipe(self, genome: np.ndarray) -> SGDRecipe:
        """The fidelity's fine-tuning, seeded by the genome (so evaluation is deterministic)."""
        f = self.fidelity
        salt = "finetune" if not f.finetune_seed else f"finetune:{f.finetune_seed}"
        seed = int(genome_key(salt, np.asarray(genome, dtype=np.int64))[:8], 16)
        return SGDRecipe(f.finetune_steps, f.finetune_batch, f.finetune_lr, seed=seed)

    def pruned_network(self, genome: np.ndarray):
        """The physically pruned and fine-tuned network of one genome (deterministic)."""
        net = self.search_space.pruned(self.keep(genome)[0], self.rankings)
        f = self.fidelity
        if f.finetune_steps:
            sgd_train(net, self.data.train, self.finetune_recipe(genome), device=self.device)
        recalibrate_bn(net, self.data.train, f.bn_batches, device=self.device)
        return net.to("cpu").eval()

    def _cheap(self, X: np.ndarray) -> np.ndarray:
        """Latency and memory columns, in objective order (only those configured)."""
        return cheap_columns(self.search_space, self.profile, self.objective_keys, X)

    def _evaluate_cheap(self, X: np.ndarray) -> np.ndarray:
        return self._cheap(X)[:, self.cheap_mask]

    def _evaluate(self, X: np.ndarray) -> Evaluation:
        F = self._cheap(X)
        if "error" in self.objective_keys:
            col = self.objective_keys.index("error")
            with torch_threads(self.threads):
                for i, genome in enumerate(X):
                    net = self.pruned_network(genome)
                    F[i, col] = error_rate(
                        net, self.data.val, limit=self.fidelity.val_size, device=self.device
                    )
                    self._keep(genome, net)
        keep = self.keep(X)
        # the profile times the pruned networks where it measures them (built only then)
        latency, measured = self.profile.measure(
            keep, (self.search_space.pruned(k, self.rankings) for k in keep)
        )
        if "latency" in self.objective_keys:
            F[:, self.objective_keys.index("latency")] = latency
        return Evaluation(
            F, {"params": self.costs.params(keep), "macs": self.costs.macs(keep), **measured}
        )

    def describe_genomes(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """`kept`: the share of the prunable channels each genome keeps."""
        return {"kept": self.keep(X).sum(axis=1) / self.sizes.sum()}

    def reference_solution(self) -> dict[str, Any]:
        """The unpruned base model: its validation and test error (as trained, not fine-tuned
        again), latency and memory from the profile (NaN where measured live), params, MACs."""
        return unpruned_row(self, self.base_meta["val_error"], self.base_meta["test_error"])

    def retain(self, front_X: np.ndarray) -> None:
        """Keep the fine-tuned networks of front members only."""
        on_front = {_genome_bytes(g) for g in front_X}
        self._kept = {k: net for k, net in (self._kept or {}).items() if k in on_front}

    def _keep(self, genome: np.ndarray, net: torch.nn.Module) -> None:
        """Hold `net` until retain() drops it, within `retain_mb` (the oldest go first); only
        once an evaluator tracks the front (a worker's problem keeps nothing)."""
        if self._kept is None:
            return
        self._kept[_genome_bytes(genome)] = net.to("cpu")
        sizes = {k: _size_mb(n) for k, n in self._kept.items()}
        total = sum(sizes.values())
        for k in list(self._kept):
            if total <= self.retain_mb:
                break
            total -= sizes[k]
            del self._kept[k]

    def test_scores(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Test error of each genome's fine-tuned network: the one kept from its evaluation
        where there is one (same weights: fine-tuning is deterministic per genome), else
        rebuilt (a cache hit, a resumed or a worker's evaluation, or beyond `retain_mb`)."""
        with torch_threads(self.threads):
            errors = []
            for g in X:
                net = (self._kept or {}).get(_genome_bytes(g))
                if net is None:
                    net = self.pruned_network(g)
                errors.append(error_rate(net, self.data.test, device=self.device))
                net.to("cpu")  # a kept network does not stay on the GPU
            return {"test_error": np.array(errors)}

    def describe(self) -> dict[str, Any]:
        groups = [{"name": g.name, "channels": g.size} for g in self.base.channel_groups]
        return {
            **super().describe(),
            **self.profile.run_info(),
            "data": self.data.describe(),
            "platform": evaluation_platform(self.device, self.threads),
            "hardware": self.profile.describe(),
            "fidelity": asdict(self.fidelity),
            "genes": groups,
            "base_model": self.base_meta,
        }
