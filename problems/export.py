"""A pruned network as a deployable artefact: longer fine-tuning, ONNX (checked against torch
with onnxruntime), a state dict that loads with `weights_only=True` beside the architecture it
needs, and `load_model` to get it back. Used by `python -m hamp_bench.export` (docs/export.md).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hamp_bench.errors import ConfigError
from hamp_bench.problems.configs import DatasetConfig
from hamp_bench.problems.search_space import PruningSpace
from hamp_bench.problems.training import Augment, SGDRecipe, sgd_train

#: ONNX outputs may differ from torch's by float rounding in another kernel order; beyond this
#: (absolute, on logits) the export is refused
ONNX_ATOL = 1e-4


def architecture(problem, genome: np.ndarray) -> dict[str, Any]:
    """Everything `load_model` needs to rebuild the pruned network's shape: plain values only
    (torch.load with weights_only=True accepts them)."""
    shape = problem.search_space.shape
    keep = problem.keep(np.asarray(genome)[None])[0]
    return {
        "network": shape.name,
        "width": float(shape.width),
        "in_channels": int(shape.in_channels),
        "image_size": int(shape.image_size),
        "num_classes": int(shape.num_classes),
        "levels": int(problem.levels),
        "round_to": int(problem.round_to),
        "keep": [int(k) for k in keep],
        "groups": [g.name for g in problem.base.channel_groups],
    }


def kept_per_group(problem, genome: np.ndarray) -> list[dict[str, Any]]:
    """Channels kept of each prunable group, for the model card."""
    keep = problem.keep(np.asarray(genome)[None])[0]
    return [
        {"group": g.name, "kept": int(k), "of": int(g.size)}
        for g, k in zip(problem.base.channel_groups, keep)
    ]


def finetune_longer(problem, net, epochs: float, seed: int, progress: bool) -> dict[str, Any]:
    """`epochs` passes over the training split (SGD, cosine learning rate from the fidelity's
    fine-tuning rate, the pretraining's augmentation), in place; returns the recipe used."""
    train = problem.data.train
    batch = 64
    steps = max(1, math.ceil(epochs * len(train) / batch)) if epochs > 0 else 0
    recipe = SGDRecipe(steps, batch, problem.fidelity.finetune_lr, schedule="cosine", seed=seed)
    settings = DatasetConfig(**problem.dataset_cfg)
    aug = Augment(settings.augment_crop, settings.augment_hflip)
    sgd_train(net, train, recipe, aug, device=problem.device,
              desc="fine-tuning the picked network" if progress else None)  # fmt: skip
    net.to("cpu").eval()
    return {"epochs": epochs, "steps": steps, "batch_size": batch, "lr": recipe.lr,
            "schedule": "cosine", "seed": seed}  # fmt: skip


def onnx_model(net, example: torch.Tensor) -> bytes:
    """The network as ONNX (TorchScript exporter, opset 17), batch size free."""
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net.eval(), example, buf, dynamo=False, input_names=["x"],
                          output_names=["logits"], opset_version=17,
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})  # fmt: skip
    return buf.getvalue()


def onnx_agreement(model: bytes, net, x: torch.Tensor) -> float:
    """Largest absolute difference between onnxruntime's and torch's outputs on x."""
    import onnxruntime as ort

    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"x": x.numpy()})
    with torch.inference_mode():
        want = net.eval()(x).numpy()
    return float(np.abs(got - want).max())


def save_model(net, arch: dict[str, Any], path: Path) -> None:
    torch.save({"state_dict": net.state_dict(), "architecture": arch}, path)


def load_model(path: str | Path):
    """The pruned network saved by `python -m hamp_bench.export` (model.pt), in eval mode:
    its architecture rebuilt from the stored shape and keep counts, its weights loaded with
    `weights_only=True` (no code runs from the file)."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    try:
        arch = saved["architecture"]
        space = PruningSpace.of(
            arch["network"], arch["width"], arch["in_channels"], arch["image_size"],
            arch["num_classes"], arch["levels"], arch["round_to"],
        )  # fmt: skip
        net = space.pruned(np.asarray(arch["keep"]))
        net.load_state_dict(saved["state_dict"])
    except (KeyError, TypeError, RuntimeError) as e:
        raise ConfigError(
            f"{path} is not a model written by python -m hamp_bench.export ({type(e).__name__}: "
            f"{e})"
        ) from None
    return net.eval()
