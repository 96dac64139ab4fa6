"""A surrogate pruning problem: the genome, objectives, bounds and region of interest of its true
problem, the error from an ONNX model fitted to true evaluations (onnxruntime, one thread), and
latency and memory exact, from the same cost model and hardware profile as the true problem.

It is cheap (microseconds per genome) and deterministic; its fingerprint holds the source
problem's fingerprint and the model's checksum. `rescore=true` evaluates the final front truly
on the source problem (rebuilt from the config in the manifest) and adds `true_error` and
`true_test_error` to front.csv.

The source problem's fingerprint holds the base model's weights, and a base model retrained on
another machine from the same recipe need not be bit-identical (seen: the shipped artifacts'
ResNet-20 on digits retrained here has other weights, at the same validation error).
`rescore_base=retrained` then re-scores against the base model this machine has, provided that
everything else (data, platform, search space, fidelity) is the artifact's; run.json says which
weights the true errors come from."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from hamp_bench import components
from hamp_bench.errors import ConfigError
from hamp_bench.problem import Evaluation, Objective, Problem
from hamp_bench.problems.surrogates.artifact import MANIFEST, MODEL, read_manifest, resolve
from hamp_bench.problems.surrogates.fit import features

RESCORE_BASES = ("same", "retrained")


class SurrogatePruningProblem(Problem):
    """`problem=<name>_sur`. `artifact`: a shipped artifact's name or a folder; `source`: the
    true problem it must have been built from; `objectives`: those of the source to optimise
    (a subset, error included); `rescore`: truly re-score the final front (slow), against
    the artifact's own base model (`rescore_base: same`) or one retrained from the same recipe
    (`retrained`)."""

    surrogate = True
    keep_levels = True

    def __init__(
        self,
        name: str,
        artifact: str,
        source: str,
        objectives: list[str] | None = None,
        rescore: bool = False,
        rescore_base: str = "same",
    ):
        if rescore_base not in RESCORE_BASES:
            raise ConfigError(
                f"problem.rescore_base must be one of {RESCORE_BASES}, got {rescore_base!r}"
            )
        self.name, self.source_name, self.rescore = name, source, bool(rescore)
        self.rescore_base = rescore_base
        self.folder = resolve(artifact)
        self.manifest = read_manifest(self.folder, source)
        try:
            self._from_manifest(objectives)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise ConfigError(
                f"{self.folder / MANIFEST} does not describe a surrogate problem "
                f"({type(e).__name__}: {e}); it is truncated or edited: rebuild the artifact"
            ) from None
        self._session = _onnx_session((self.folder / MODEL).read_bytes())
        self._input = self._session.get_inputs()[0].name
        self._source = None  # the true problem, built now where the front will be re-scored
        self.rescored_against: dict[str, Any] | None = None
        if self.rescore:  # fails before the run, not after it
            self.source_problem()

    def _from_manifest(self, objectives: list[str] | None) -> None:
        src = self.manifest["source"]
        info = src["describe"]
        keys = list(src["objective_keys"])
        self.objective_keys = list(objectives) if objectives is not None else keys
        if "error" not in self.objective_keys or not set(self.objective_keys) <= set(keys):
            raise ConfigError(
                f"problem.objectives must include error and be among the source's {keys}, "
                f"got {self.objective_keys}"
            )
        cols = [keys.index(k) for k in self.objective_keys]
        self.n_var, self.var_type = int(info["n_var"]), info["var_type"]
        self.xl, self.xu = np.asarray(info["xl"], np.int64), np.asarray(info["xu"], np.int64)
        self.objectives = tuple(Objective(**info["objectives"][c]) for c in cols)
        self.ideal = np.asarray(info["ideal"], float)[cols]
        self.nadir = np.asarray(info["nadir"], float)[cols]
        self.full_nadir = np.asarray(info.get("full_nadir", info["nadir"]), float)[cols]
        self.roi = info.get("roi")
        self.extra_names = ("params", "macs")
        if self.xl.shape != (self.n_var,) or self.xu.shape != (self.n_var,):
            raise ValueError(f"xl and xu must have n_var = {self.n_var} entries")
        self._space_and_profile(src["config"])
        if self.space_.n_var != self.n_var:
            raise ValueError(
                f"the source's network has {self.space_.n_var} genes, not {self.n_var}"
            )

    def _space_and_profile(self, cfg: dict[str, Any]) -> None:
        """The true problem's search space (costs) and hardware profile, from its config: no
        data is read and no model trained (an untrained network has the same shapes)."""
        from hamp_bench.problems.datasets import dataset_shape
        from hamp_bench.problems.search_space import PruningSpace

        channels, size, classes = dataset_shape(cfg["dataset"])
        net = cfg["network"]
        self.space_ = PruningSpace.of(
            net["name"], net["width"], channels, size, classes, cfg["levels"], cfg["round_to"]
        )
        self.profile = components.build(cfg["hardware"], "hardware")
        self.profile.bind(self.space_)
        feats = self.manifest["features"]
        self._macs_full, self._params_full = feats["macs_full"], feats["params_full"]
        probe = self.profile.latency(self.space_.keep(self.xu[None]))
        if "latency" in self.objective_keys and np.isnan(probe).any():
            raise ConfigError(
                f"the source's hardware profile ({cfg['hardware'].get('_target_')}) measures "
                "latency live; a surrogate needs a table or MACs"
            )

    def config(self) -> dict[str, Any]:
        return {
            "source_fingerprint": self.manifest["source"]["fingerprint"],
            "model_sha256": self.manifest["files"][MODEL]["sha256"],
            "objectives": self.objective_keys,
        }

    def _predict_error(self, X: np.ndarray, keep: np.ndarray | None = None) -> tuple:
        """(predicted error, params, MACs) of genomes X (keep counts computed if not given)."""
        keep = self.space_.keep(X) if keep is None else keep
        macs, params = self.space_.costs.macs(keep), self.space_.costs.params(keep)
        Z = features(X, self.xl, self.xu, macs / self._macs_full, params / self._params_full)
        (pred,) = self._session.run(None, {self._input: Z})
        return np.clip(np.asarray(pred, float).reshape(-1), 0.0, 1.0), params, macs

    def _evaluate(self, X: np.ndarray) -> Evaluation:
        from hamp_bench.problems.pruning_problem import cheap_columns

        keep = self.space_.keep(X)
        F = cheap_columns(self.space_, self.profile, self.objective_keys, X, keep)
        error, params, macs = self._predict_error(X, keep)
        F[:, self.objective_keys.index("error")] = error
        return Evaluation(F, {"params": params, "macs": macs})

    def _evaluate_cheap(self, X: np.ndarray) -> np.ndarray:
        from hamp_bench.problems.pruning_problem import cheap_columns

        return cheap_columns(self.space_, self.profile, self.objective_keys, X)[:, self.cheap_mask]

    @property
    def search_space(self):
        """The true problem's search space (costs, keep counts), as PruningProblem names it."""
        return self.space_

    def describe_genomes(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """`kept`: the share of the prunable channels each genome keeps."""
        return {"kept": self.space_.keep(X).sum(axis=1) / self.space_.sizes.sum()}

    def reference_solution(self) -> dict[str, Any]:
        """The unpruned base model the artifact was built from (its recorded errors)."""
        from hamp_bench.problems.pruning_problem import unpruned_row

        base = self.manifest["source"]["base_model"]
        return unpruned_row(self, base["val_error"], base["test_error"])

    def source_problem(self):
        """The true problem, rebuilt from the manifest's config; it must have the fingerprint
        the surrogate was built from."""
        if self._source is None:
            cfg = dict(self.manifest["source"]["config"])
            # the folders of this machine (the build's were absolute paths of its own)
            cfg["model_dir"] = os.environ.get("HAMP_BENCH_MODEL_DIR", "~/.cache/hamp_bench")
            cfg["dataset"] = {
                **cfg["dataset"],
                "data_dir": os.environ.get("HAMP_BENCH_DATA_DIR", "~/.cache/hamp_bench/data"),
            }
            try:
                problem = components.build(cfg, "problem")
            except Exception as e:  # missing data, a model that cannot be trained here, ...
                raise ConfigError(
                    f"rescore=true needs the source problem {self.source_name!r}, which cannot "
                    f"be built here ({type(e).__name__}: {e}); set problem.rescore=false or "
                    "provide its dataset and base model"
                ) from e
            want = self.manifest["source"]["fingerprint"]
            if problem.fingerprint() != want and self.rescore_base == "retrained":
                self._check_retrained(problem)
            elif problem.fingerprint() == want:
                self.rescored_against = {"fingerprint": want, "same_as_artifact": True}
            else:
                raise ConfigError(
                    f"rescore=true: the source problem {self.source_name!r} built here has "
                    f"fingerprint {problem.fingerprint()[:12]}..., the surrogate was built from "
                    f"{want[:12]}... (another base model, data or platform); its true errors "
                    "would not be the ones the surrogate models. Set problem.rescore=false, or "
                    "problem.rescore_base=retrained to re-score against this machine's base "
                    "model when only its weights differ"
                )
            self._source = problem
        return self._source

    def _check_retrained(self, problem) -> None:
        """rescore_base=retrained: only the base model's weights may differ from the artifact's
        source; anything else would make the true errors another problem's."""
        mine, src = problem.config(), self.manifest["source"]
        theirs = {
            "data": src["data"]["content_sha256"],
            "platform": src["platform"],
            "base_model": src["base_model"]["weights_sha256"],
        }
        here = {
            "data": mine["dataset"]["content_sha256"],
            "platform": mine["platform"],
            "base_model": mine["base_model"],
        }
        differ = [k for k in ("data", "platform") if here[k] != theirs[k]]
        if differ:
            raise ConfigError(
                f"rescore_base=retrained: the source problem built here differs from the "
                f"artifact's in {' and '.join(differ)} ({here[differ[0]]} vs "
                f"{theirs[differ[0]]}), not only in the base model's weights; its true errors "
                "would be another problem's. Set problem.rescore=false"
            )
        self.rescored_against = {
            "same_as_artifact": False,
            "fingerprint": problem.fingerprint(),
            "weights_sha256": here["base_model"],
            "artifact_weights_sha256": theirs["base_model"],
            "val_error": problem.describe().get("base_model", {}).get("val_error"),
        }

    def test_scores(self, X: np.ndarray) -> dict[str, np.ndarray]:
        if not self.rescore or not len(X):
            return {}
        source = self.source_problem()
        source.retain(X)  # keep these genomes' fine-tuned networks for their test scores
        true = source.evaluate(X)
        col = source.objective_names.index("error")
        return {
            "true_error": true.F[:, col],
            "true_test_error": source.test_scores(X)["test_error"],
        }

    def describe(self) -> dict[str, Any]:
        m = self.manifest
        return {
            **super().describe(),
            "surrogate": True,
            "source": {
                "problem": self.source_name,
                "fingerprint": m["source"]["fingerprint"],
                "artifact": str(self.folder),
                "model": m["model"]["kind"],
                "held_out": m.get("held_out"),
                "n": m.get("n"),
            },
            "rescore": self.rescore,
            "rescore_base": self.rescore_base,
            "rescored_against": self.rescored_against,
            "hardware": self.profile.describe(),
        }


def _onnx_session(model: bytes):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1  # parallel runs share the cores
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    try:
        return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own classes for a malformed graph
        raise ConfigError(
            f"{MODEL} is not a loadable ONNX model ({e}); rebuild the artifact"
        ) from None
