"""One exported solution: its network rebuilt as evaluated, scored, fine-tuned longer, scored
again, written as model.onnx and model.pt, and described in card.json and card.md."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from hamp_bench.atomic import atomic_write_text
from hamp_bench.errors import ConfigError


def export_one(problem, genome, row, meta, args, command, folder: Path, from_surrogate, pick):
    import torch

    from hamp_bench.problems.export import (
        ONNX_ATOL,
        architecture,
        finetune_longer,
        kept_per_group,
        onnx_agreement,
        onnx_model,
        save_model,
    )
    from hamp_bench.problems.training import error_rate, torch_threads

    data = problem.data
    with torch_threads(problem.threads):
        net = problem.pruned_network(genome)  # as it was evaluated (deterministic per genome)
        before = _errors(net, data, error_rate, problem.device)
        seed = int(problem.finetune_recipe(genome).seed)
        recipe = finetune_longer(problem, net, args.finetune_epochs, seed, progress=True)
        after = _errors(net, data, error_rate, problem.device)
    x = data.test.x[:64]
    model = onnx_model(net, x[:1])
    diff = onnx_agreement(model, net, x)
    if diff > ONNX_ATOL:
        raise ConfigError(
            f"eval_id {int(row.eval_id)}: onnxruntime's outputs differ from torch's by {diff:.2e} "
            f"(> {ONNX_ATOL}); the ONNX export of this network is not faithful, nothing written "
            "for it"
        )
    figures = _figures(problem, genome)
    if args.measure:
        figures["latency_measured"] = _measure(net, x[:1])
    card = {
        "source": {
            "run_dir": str(Path(args.run_dir).resolve()),
            "problem": meta["problem"]["name"],
            "fingerprint": meta["problem"]["fingerprint"],
            "algorithm": meta["algorithm"],
            "seed": meta["seed"],
            "eval_id": int(row.eval_id),
            "pick": pick.describe(),
            "surrogate": from_surrogate,
            "command": command,
            "run_command": " ".join(["python -m hamp_bench", *meta.get("overrides", [])]),
        },
        "genome": [int(g) for g in genome],
        "channels": kept_per_group(problem, genome),
        "kept": float(problem.describe_genomes(genome[None])["kept"][0]),
        "figures": figures,
        "errors": {
            "recorded": {k: _float(row.get(k)) for k in ("error", "test_error") if k in row},
            "as_evaluated": before,
            "after_finetuning": after,
        },
        "finetuning": recipe,
        "base_model": {**_figures(problem, problem.xu), **_base_errors(problem)},
        "onnx": {"max_abs_diff_vs_torch": diff, "tolerance": ONNX_ATOL, "opset": 17},
        "platform": {"torch": torch.__version__, "machine": platform.machine()},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(model)
    save_model(net, architecture(problem, genome), folder / "model.pt")
    atomic_write_text(folder / "card.json", json.dumps(card, indent=1, default=_plain) + "\n")
    atomic_write_text(folder / "card.md", markdown(card, problem))


def _errors(net, data, error_rate, device) -> dict[str, float]:
    return {
        "val_error": error_rate(net, data.val, device=device),
        "test_error": error_rate(net, data.test, device=device),
    }


def _figures(problem, genome) -> dict[str, Any]:
    """Params, MACs, memory and the hardware profile's cost of one genome: a table's latency
    (modelled or recorded, as its unit says), MACs under the proxy profile, or None where the
    profile measures live (then --measure gives this machine's)."""
    keep = problem.keep(np.asarray(genome)[None])
    costs = problem.search_space.costs
    value = float(problem.profile.latency(keep)[0])
    return {
        "params": int(costs.params(keep)[0]),
        "macs": int(costs.macs(keep)[0]),
        "memory_mb": float(costs.memory_mb(keep, problem.profile.bytes_per_value)[0]),
        "hardware": {
            "name": problem.profile.objective.name,
            "value": value if np.isfinite(value) else None,
            "unit": problem.profile.objective.unit,
        },
    }


def _base_errors(problem) -> dict[str, float]:
    """The unpruned base model's errors, as trained (not fine-tuned again)."""
    meta = problem.base_meta
    return {"val_error": meta["val_error"], "test_error": meta["test_error"]}


def _measure(net, example) -> dict[str, Any]:
    from hamp_bench.problems.hardware.live import machine
    from hamp_bench.problems.hardware.timing import TimingConfig, time_module

    cfg = TimingConfig()
    t = time_module(net, example, cfg)
    return {"median_ms": t.median_ms, "iqr_ms": t.iqr_ms, "machine": machine(),
            "timing": cfg.describe()}  # fmt: skip


def _float(v) -> float | None:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"{type(v).__name__} is not JSON")


def markdown(card: dict[str, Any], problem) -> str:
    s, f, e, b = card["source"], card["figures"], card["errors"], card["base_model"]
    pct = lambda v: "--" if v is None else f"{100 * v:.2f}%"  # noqa: E731
    hw, hw_base = f["hardware"], b["hardware"]
    num = lambda v: "--" if v is None else f"{v:.4g}"  # noqa: E731
    rows = [
        f"# Model card: {s['problem']}, eval_id {s['eval_id']}",
        "",
        f"Picked by `{s['pick']}` from the front of the `{s['algorithm']}` run (seed "
        f"{s['seed']}) in `{s['run_dir']}` (problem fingerprint `{s['fingerprint'][:16]}...`)."
        + (
            " The run optimised a **surrogate**; the errors below are the true problem's."
            if s["surrogate"]
            else ""
        ),  # fmt: skip
        "",
        "| | this model | unpruned base model (as trained) |",
        "|---|---|---|",
        f"| params | {f['params'] / 1e6:.3f} M | {b['params'] / 1e6:.3f} M |",
        f"| MACs | {f['macs'] / 1e6:.2f} M | {b['macs'] / 1e6:.2f} M |",
        f"| memory | {f['memory_mb']:.3f} MB | {b['memory_mb']:.3f} MB |",
        f"| {hw['name']} ({hw['unit']}) | {num(hw['value'])} | {num(hw_base['value'])} |",
    ]
    if "latency_measured" in f:
        m = f["latency_measured"]
        rows.append(
            f"| latency measured here ({m['machine']}, onnxruntime, 1 thread) | "
            f"{m['median_ms']:.3f} ms (IQR {m['iqr_ms']:.3f}) | -- |"
        )
    rows += [
        f"| channels kept | {100 * card['kept']:.1f}% | 100% |",
        f"| validation error, as evaluated in the run | {pct(e['as_evaluated']['val_error'])} | "
        f"{pct(b['val_error'])} |",
        f"| test error, as evaluated in the run | {pct(e['as_evaluated']['test_error'])} | "
        f"{pct(b['test_error'])} |",
        f"| validation error after fine-tuning | {pct(e['after_finetuning']['val_error'])} | -- |",
        f"| test error after fine-tuning | {pct(e['after_finetuning']['test_error'])} | -- |",
        "",
        f"Fine-tuning: {card['finetuning']['epochs']:g} epochs ({card['finetuning']['steps']} "
        f"SGD steps of batch {card['finetuning']['batch_size']}, cosine from lr "
        f"{card['finetuning']['lr']:g}, seed {card['finetuning']['seed']}). ONNX: opset 17, "
        f"onnxruntime's outputs within {card['onnx']['max_abs_diff_vs_torch']:.1e} of torch's "
        f"(tolerance {card['onnx']['tolerance']:g}).",
        "",
        "Channels kept per group: "
        + ", ".join(f"{c['group']} {c['kept']}/{c['of']}" for c in card["channels"]),
        "",
        f"Genome: `{card['genome']}`",
        "",
        "Made by:",
        "",
        "```bash",
        s["command"],
        "```",
        "",
        "from the record of:",
        "",
        "```bash",
        s["run_command"],
        "```",
        "",
        "Load it: `onnxruntime.InferenceSession('model.onnx')` (input `x`, output `logits`), or "
        "`hamp_bench.problems.export.load_model('model.pt')`.",
        "",
    ]
    return "\n".join(rows)
