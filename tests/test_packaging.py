"""The wheel installs one import name and ships the config tree; it runs from anywhere."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_every_source_package_is_declared():
    """A new subpackage must be listed in pyproject, or the wheel would silently lack it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = set(config["packages"])
    mapping = config["package-dir"]
    found = set()
    for name, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([name, *rel.parts]))
    assert found == declared


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Built from a copy of the source without build/ (setuptools reuses build/lib, where a file
    deleted from the source would linger and hide a packaging mistake)."""
    out, src = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("src") / "hamp_bench"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            "build",
            "dist",
            ".git",
            ".venv",
            ".ci-venv",
            "*.egg-info",
            "__pycache__",
            "runs",
            "multirun",
            "examples",
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("hamp_bench-*.whl")
    return whl


def test_wheel_has_one_top_level_package_and_the_configs(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"hamp_bench"}
    assert "hamp_bench/conf/config.yaml" in names
    assert "hamp_bench/conf/algorithm/nsga2.yaml" in names
    assert "hamp_bench/problems/benchmarks.py" in names
    # the shipped latency tables, their manifests and the data the Nano model is fitted to
    for net in ("vgg16", "resnet20", "resnet56", "mobilenetv2"):
        assert f"hamp_bench/problems/hardware/tables/jetson_nano/{net}/table.csv" in names
        assert f"hamp_bench/problems/hardware/tables/jetson_nano/{net}/manifest.yaml" in names
    assert "hamp_bench/problems/hardware/data/jetson_nano_conv3x3_per_layer.csv" in names
    assert "hamp_bench/conf/record_latency.yaml" in names
    assert "hamp_bench/cli/run.py" in names and "hamp_bench/components.py" in names


def test_installed_wheel_runs_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    # the installed copy must come first, ahead of any editable install of the checkout
    code = (
        f"import sys; sys.path.insert(0, {str(target)!r}); import hamp_bench; "
        f"assert hamp_bench.__file__.startswith({str(target)!r}), hamp_bench.__file__; "
        "sys.argv = ['hamp_bench', 'problem=zdt1', 'budget=100', 'hydra.run.dir=out']; "
        "from hamp_bench.cli.run import main; main()"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (work / "out" / "front.csv").exists()
