"""Pretraining recipes belong to a (network, dataset) pair, not to a problem preset.

A recipe that trains VGG-16 on CIFAR-10 (30 epochs at lr 0.05) leaves VGG-16 on digits near
chance, so swapping `dataset=` on the command line must bring the recipe of the new pair, or say
that none is known. `problem.pretrain.epochs / batch_size / lr` left null come from the table
below; set ones always win. Each entry says where it comes from: `measured` entries trained here
to the validation error stated; `unmeasured` entries are standard choices nobody ran here yet
(CIFAR-10 cannot be downloaded on the development machine).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hamp_bench.errors import ConfigError
from hamp_bench.problems.configs import PretrainConfig


@dataclass(frozen=True)
class Recipe:
    epochs: float
    batch_size: int
    lr: float
    evidence: str  # what we know about it: measured here (with the figure) or unmeasured


_CIFAR = Recipe(30, 128, 0.05, "unmeasured: a standard CIFAR-10 schedule, not run here")

RECIPES: dict[tuple[str, str], Recipe] = {
    ("vgg16", "digits"): Recipe(4, 64, 0.01, "measured: 0.35% validation error, ~75 s on 2 cores"),
    ("resnet20", "digits"): Recipe(
        30, 128, 0.05, "measured: 1.4% validation error, ~93 s on 2 cores"
    ),
    ("resnet20", "fashion_mnist"): Recipe(
        5, 128, 0.05, "measured: 11.9% validation error, ~5 min on 2 shared cores, 12,000 images"
    ),
    ("lenet5", "fashion_mnist"): Recipe(
        10, 128, 0.05, "measured: 9.6% validation error (test 9.7%), 475 s on 1 shared core"
    ),
    ("lenet5", "mnist"): Recipe(
        10, 128, 0.05, "unmeasured: the Fashion-MNIST recipe; MNIST is not on this machine"
    ),
    ("tiny", "synthetic"): Recipe(3, 32, 0.05, "measured: the tests' tiny network"),
    ("vgg16", "cifar10"): _CIFAR,
    ("resnet20", "cifar10"): _CIFAR,
    ("resnet56", "cifar10"): _CIFAR,
    ("mobilenetv2", "cifar10"): _CIFAR,
}
RECIPE_KEYS = ("epochs", "batch_size", "lr")


def resolve_recipe(cfg: PretrainConfig, network: str, dataset: str) -> tuple[PretrainConfig, str]:
    """The recipe with unset keys filled from the (network, dataset) table, and where it came
    from. Raises ConfigError naming the keys to set when a key is unset and no recipe is known."""
    unset = [k for k in RECIPE_KEYS if getattr(cfg, k) is None]
    if not unset:
        return cfg, "config"
    known = RECIPES.get((network, dataset))
    if known is None:
        if cfg.checkpoint:  # trained elsewhere: the recipe only names the file, never used
            return cfg, "checkpoint"
        pairs = ", ".join(f"{n}+{d}" for n, d in sorted(RECIPES))
        raise ConfigError(
            f"no pretraining recipe is known for network={network} on dataset={dataset} "
            f"(known pairs: {pairs}); set problem.pretrain.{', problem.pretrain.'.join(unset)} "
            "(e.g. problem.pretrain.epochs=10 problem.pretrain.batch_size=64 "
            "problem.pretrain.lr=0.01), or problem.pretrain.checkpoint=<weights trained elsewhere>"
        )
    filled = replace(cfg, **{k: getattr(known, k) for k in unset})
    return filled, f"table ({network}, {dataset}): {known.evidence}"
