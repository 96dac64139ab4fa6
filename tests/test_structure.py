"""The house's structure: the engine imports nothing above it, there are no import cycles, and
every preset in conf/ composes and builds from the one declaration of its parameters."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hamp_bench.components import build, defaults, schema

from conftest import make_config, presets

ROOT = Path(__file__).resolve().parent.parent
ENGINE = sorted(
    p.stem
    for p in (ROOT / "hamp_bench").glob("*.py")
    if p.stem
    not in (
        "__init__",
        "__main__",
        "report",
        "compact",
        "export",
        "explore",
        "pretrain",
        "record",
        "record_latency",
        "build_surrogate",
        "validate_table",
    )
)
ABOVE = ("hamp_bench.problems", "hamp_bench.algorithms", "hamp_bench.reports", "hamp_bench.cli")


def test_importing_the_runner_loads_nothing_above_the_engine():
    code = (
        "import sys, hamp_bench.runner; "
        f"print(sorted(m for m in sys.modules if m.startswith({ABOVE!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code + "; import hamp_bench; print(hamp_bench.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    listed, where = out.stdout.strip().splitlines()
    assert where.startswith(str(ROOT)), f"imported another copy: {where}"
    assert listed == "[]", listed


def _package_of(path: Path) -> str:
    """The import name of a source file (problems/x.py is hamp_bench.problems.x)."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] != "hamp_bench":
        parts.insert(0, "hamp_bench")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _module_level_imports(path: Path, package: str) -> set[str]:
    """hamp_bench modules a file imports when it is imported (not inside functions, not under
    TYPE_CHECKING): `import a.b`, `from a import b` (b a module or a name in a), relative
    imports resolved against the file's package."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        stmts = [node] + (list(ast.walk(node)) if isinstance(node, (ast.Try, ast.If)) else [])
        for s in stmts:
            if isinstance(s, ast.ImportFrom):
                base = s.module or ""
                if s.level:
                    parent = package.rsplit(".", s.level)[0] if s.level else package
                    base = f"{parent}.{base}" if base else parent
                if base.startswith("hamp_bench"):
                    found.add(base)
                    found |= {f"{base}.{a.name}" for a in s.names}
            elif isinstance(s, ast.Import):
                found |= {a.name for a in s.names if a.name.startswith("hamp_bench")}
    return found


def _graph() -> dict[str, set[str]]:
    files = [
        p
        for folder in ("hamp_bench", "problems", "algorithms", "reports")
        for p in (ROOT / folder).rglob("*.py")
    ]
    modules = {_package_of(p): p for p in files}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps = _module_level_imports(path, package)
        graph[name] = {d for d in deps if d in modules and d != name and d != "hamp_bench"}
    return graph


def test_engine_modules_import_only_the_engine():
    graph = _graph()
    for module in ENGINE:
        name = f"hamp_bench.{module}"
        above = sorted(d for d in graph[name] if d.startswith(ABOVE))
        assert not above, f"{name} imports {above}"


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if dep.startswith("hamp_bench.") and dep.count(".") >= 1 and dep in graph:
                if state.get(dep) == 1:
                    cycle = path[path.index(dep) :] + [dep] if dep in path else [node, dep]
                    raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
                if dep not in state:
                    visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


@pytest.mark.parametrize("algorithm", presets("algorithm"))
def test_every_algorithm_preset_builds_from_its_signature(algorithm):
    cfg = make_config(f"algorithm={algorithm}", "problem=zdt1")
    built = build(cfg.algorithm, "algorithm")
    declared = defaults(type(built))
    assert set(cfg.algorithm) - {"_target_"} == set(declared), "config keys = signature"
    assert built.name == cfg.algorithm.name


@pytest.mark.parametrize("problem", presets("problem"))
def test_every_problem_preset_composes(problem):
    cfg = make_config(f"problem={problem}")
    assert cfg.problem.name == problem and cfg.problem._target_


def test_presets_state_only_what_differs_from_the_defaults():
    """A preset that repeats a default would be a second declaration of it."""
    import yaml
    from hydra.utils import get_class

    for group in ("algorithm",):
        for preset in presets(group):
            text = yaml.safe_load((ROOT / "conf" / group / f"{preset}.yaml").read_text())
            cls = get_class(make_config(f"{group}={preset}", "problem=zdt1")[group]._target_)
            declared = defaults(cls)
            repeated = {
                k: v
                for k, v in text.items()
                if k not in ("defaults", "_target_") and declared.get(k) == v
            }
            assert not repeated, f"conf/{group}/{preset}.yaml repeats defaults {repeated}"


def test_schema_follows_the_signature():
    from hamp_bench.algorithms.pymoo_moeas import NSGA2

    fields = {f.name for f in __import__("dataclasses").fields(schema(NSGA2))}
    assert fields == {
        "_target_",
        "name",
        "pop_size",
        "n_offsprings",
        "eliminate_duplicates",
        "variation",
        "prescreen",
    }
    assert defaults(NSGA2)["pop_size"] is None  # one default, the signature's
