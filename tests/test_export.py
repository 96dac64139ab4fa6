"""From a front to a deployed model (docs/export.md): the end-of-run summary and front.png,
picking (eval_id, knee, preference, all), `python -m hamp_bench.export` (ONNX equal to torch,
a state dict that loads with weights_only=True, a card whose figures are the record's) and its
refusals, which write nothing; the front explorer in a real headless browser."""

import json
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import torch

from hamp_bench.errors import ConfigError
from hamp_bench.objective_space import Objective, ObjectiveSpace
from hamp_bench.pick import choose, knee, parse_pick

from conftest import cli, run_cell


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A completed run of the tiny pruning problem (a 3-conv network on synthetic data)."""
    d = tmp_path_factory.mktemp("run") / "r"
    run_cell(d, "problem=tiny_synthetic", "algorithm=nsga2", "budget=40", "seed=1")
    return d


def _export(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "hamp_bench.export", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )  # fmt: skip


# -- picking ---------------------------------------------------------------------------------
SPACE = ObjectiveSpace(
    [Objective("error"), Objective("latency_ms", cheap=True)],
    [0.0, 0.0],
    [0.2, 10.0],
    full_nadir=[0.9, 10.0],
    roi={"objective": "error", "error_nadir": 0.2},
)
FRONT = pd.DataFrame(
    {
        "eval_id": [3, 7, 9, 12, 20],
        "error": [0.02, 0.05, 0.10, 0.30, 0.60],
        "latency_ms": [9.0, 6.0, 3.0, 1.5, 0.5],
        "params": [900, 600, 300, 150, 50],
    }
)


def test_a_preference_picks_the_best_member_that_meets_it():
    cols = ["error", "latency_ms", "params"]
    pick = choose(parse_pick(["max_error=0.06", "minimise=latency"], cols), FRONT, SPACE)
    assert pick.eval_id.tolist() == [7]  # 3 and 7 meet it; 7 is faster
    pick = choose(parse_pick(["max_latency_ms=5", "minimise=error"], cols), FRONT, SPACE)
    assert pick.eval_id.tolist() == [9]
    assert choose(parse_pick(["eval_id=12"], cols), FRONT, SPACE).eval_id.tolist() == [12]
    assert len(choose(parse_pick(["all"], cols), FRONT, SPACE)) == 5


def test_the_knee_is_the_region_member_closest_to_the_ideal():
    """Normalised inside the region (error / 0.2, latency / 10): (0.1, 0.9), (0.25, 0.6),
    (0.5, 0.3) are inside; the distances to the origin are 0.906, 0.650, 0.583: eval_id 9."""
    assert FRONT.eval_id[knee(FRONT, SPACE)] == 9


def test_the_knee_ignores_members_beyond_the_region_and_falls_back_to_the_full_range():
    # (0.19, 9.0) is inside, normalised (0.95, 0.9), d 1.31; (0.21, 0.1) is nearer the ideal,
    # (1.05, 0.01), d 1.05, but beyond the region
    near = pd.DataFrame({"eval_id": [1, 2], "error": [0.19, 0.21], "latency_ms": [9.0, 0.1]})
    assert near.eval_id[knee(near, SPACE)] == 1
    # none inside: normalised over the full range (error / 0.9): (0.333, 0.8), d 0.867, and
    # (0.556, 0.1), d 0.565 -> eval_id 5 (over the region's scale, eval_id 4 would be nearer)
    beyond = pd.DataFrame({"eval_id": [4, 5], "error": [0.3, 0.5], "latency_ms": [8.0, 1.0]})
    assert beyond.eval_id[knee(beyond, SPACE)] == 5


def test_a_preference_no_member_meets_lists_the_closest():
    cols = ["error", "latency_ms", "params"]
    with pytest.raises(ConfigError, match="no front member meets it; the closest are") as e:
        choose(parse_pick(["max_error=0.01", "minimise=latency"], cols), FRONT, SPACE)
    assert "0.02" in str(e.value) and "eval_id" in str(e.value)
    with pytest.raises(ConfigError, match="no such evaluation in the record"):
        choose(parse_pick(["eval_id=5"], cols), FRONT, SPACE)
    for bad, msg in [
        (["fastest"], "not understood"),
        (["max_error=0.1"], "needs minimise="),
        (["max_colour=1", "minimise=error"], "no single column named 'colour'"),
        (["max_error=low", "minimise=error"], "is not a number"),
    ]:
        with pytest.raises(ConfigError, match=msg):
            parse_pick(bad, cols)


# -- the export ------------------------------------------------------------------------------
def test_onnx_equals_torch_and_the_state_dict_loads_without_code(tmp_path):
    from hamp_bench.problems.export import load_model, onnx_agreement, onnx_model, save_model
    from hamp_bench.problems.search_space import PruningSpace

    space = PruningSpace.of("tiny", 1.0, 3, 16, 10, levels=8)
    keep = space.keep(np.array([[3, 8, 5]]))[0]
    net = space.pruned(keep).eval()
    x = torch.randn(5, 3, 16, 16)
    assert onnx_agreement(onnx_model(net, x[:1]), net, x) < 1e-4  # batch size is free
    arch = {"network": "tiny", "width": 1.0, "in_channels": 3, "image_size": 16,
            "num_classes": 10, "levels": 8, "round_to": 1, "keep": keep.tolist()}  # fmt: skip
    save_model(net, arch, tmp_path / "model.pt")
    again = load_model(tmp_path / "model.pt")
    with torch.inference_mode():
        assert torch.equal(again(x), net(x))


@pytest.mark.slow
def test_export_writes_models_and_a_card_whose_figures_are_the_records(run, tmp_path):
    r = _export(run, "--pick", "knee", "--out", tmp_path / "m", "--finetune-epochs", "1",
                cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "m/card.json").read_text())
    front = pd.read_csv(run / "front.csv").set_index("eval_id")
    row = front.loc[card["source"]["eval_id"]]
    genes = [c for c in front.columns if c.startswith("x") and c[1:].isdigit()]
    assert card["genome"] == row[genes].astype(int).tolist()
    assert card["errors"]["recorded"]["error"] == row.error
    # rebuilt as evaluated: the same validation error as the record (deterministic per genome)
    assert card["errors"]["as_evaluated"]["val_error"] == pytest.approx(row.error, abs=1e-12)
    assert card["errors"]["as_evaluated"]["test_error"] == pytest.approx(row.test_error, abs=1e-12)
    assert card["figures"]["params"] == row.params and card["figures"]["macs"] == row.macs
    assert card["onnx"]["max_abs_diff_vs_torch"] < card["onnx"]["tolerance"]
    assert card["source"]["command"].startswith("python -m hamp_bench.export ")
    md = (tmp_path / "m/card.md").read_text()
    assert f"eval_id {card['source']['eval_id']}" in md and "unpruned base model" in md
    from hamp_bench.problems.export import load_model

    net = load_model(tmp_path / "m/model.pt")  # weights_only=True inside
    assert sum(p.numel() for p in net.parameters()) == row.params


@pytest.mark.slow
def test_export_refusals_say_why_and_write_nothing(run, tmp_path):
    front = pd.read_csv(run / "front.csv")
    missing = int(pd.read_csv(run / "evaluations.csv").eval_id.max()) + 1
    broken = tmp_path / "incomplete"
    shutil.copytree(run, broken)
    meta = json.loads((broken / "run.json").read_text())
    (broken / "run.json").write_text(json.dumps({**meta, "status": "interrupted"}))
    other = tmp_path / "other_weights"
    shutil.copytree(run, other)
    meta["problem"]["base_model"]["weights_sha256"] = "f" * 64
    (other / "run.json").write_text(json.dumps(meta))
    bench = tmp_path / "zdt"
    assert cli("problem=zdt1", "budget=20", f"hydra.run.dir={bench}", cwd=tmp_path).returncode == 0
    cases = [
        ([run, "--pick", f"eval_id={missing}"], "no such evaluation in the record"),
        ([run, "--pick", "max_error=-1", "minimise=macs"], "the closest are"),
        ([broken, "--pick", "knee"], "incomplete record"),
        ([tmp_path / "nowhere", "--pick", "knee"], "no readable run record"),
        ([bench, "--pick", "knee"], "benchmark function: there is no network to export"),
        ([other, "--pick", "knee"], "base model rebuilt here has weights sha256"),
    ]
    r = _export(other, "--pick", "knee", "--out", tmp_path / "o", cwd=tmp_path)
    assert str(meta["problem"]["base_model"]["path"]) in r.stderr  # names the recorded file
    for args, msg in cases:
        out = tmp_path / "out"
        r = _export(*args, "--out", out, cwd=tmp_path)
        assert r.returncode == 2 and msg in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr and not out.exists(), args
    full = tmp_path / "full"
    (full / "mine.txt").parent.mkdir()
    (full / "mine.txt").write_text("keep")
    r = _export(run, "--pick", "knee", "--out", full, cwd=tmp_path)
    assert r.returncode == 2 and "is not empty" in r.stderr
    assert [f.name for f in full.iterdir()] == ["mine.txt"]
    assert len(front)  # the run had a front to pick from


# -- the end of a run ------------------------------------------------------------------------
@pytest.mark.slow
def test_a_run_ends_with_its_front_table_and_figure(tmp_path):
    r = cli("problem=tiny_synthetic", "algorithm=random", "budget=40", "seed=2",
            f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    front = pd.read_csv(tmp_path / "r/front.csv")
    lines = r.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith(f"front of {len(front)}"))
    table = lines[head + 1 : head + 3 + min(len(front), 15)]
    assert table[0].split()[:2] == ["eval_id", "error"] and table[1].startswith("unpruned")
    assert "macs_M: million multiply-accumulates" in r.stdout
    assert (tmp_path / "r/front.png").stat().st_size > 10_000
    off = cli("problem=tiny_synthetic", "algorithm=random", "budget=40", "seed=2",
              "summary.figure=false", f"hydra.run.dir={tmp_path / 's'}", cwd=tmp_path)  # fmt: skip
    assert off.returncode == 0 and not (tmp_path / "s/front.png").exists()


def test_a_long_front_is_summarised_evenly(run):
    from hamp_bench.cli.summary import front_table
    from hamp_bench.components import build

    from conftest import make_config

    problem = build(make_config("problem=tiny_synthetic").problem, "problem")
    front = pd.read_csv(run / "front.csv")
    long = pd.concat([front] * 10, ignore_index=True)
    table = front_table(problem, long, max_rows=15)
    assert len(table) == 16 and table.eval_id.iloc[0] == "unpruned"
    errors = table.error.iloc[1:].to_numpy(float)
    assert (np.diff(errors) >= 0).all() and errors[0] == long.error.min()
    assert errors[-1] == long.error.max() and table.kept.iloc[0] == 1.0


# -- the explorer ----------------------------------------------------------------------------
def _browser():
    """Debian's chromium and chromedriver through selenium, or the reason there is none."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None, "selenium is not installed (pip install -e '.[explore,test]')"
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return None, "no chromium/chromedriver (apt-get install chromium chromium-driver)"
    o = Options()
    o.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--window-size=1400,1000"):  # fmt: skip
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o), ""


#: the text of the elements matching a CSS selector, inside Bokeh's shadow roots too
SHADOW_TEXT = """
const found = [];
const walk = (root) => {
  for (const el of root.querySelectorAll("*")) if (el.shadowRoot) walk(el.shadowRoot);
  for (const el of root.querySelectorAll(arguments[0])) found.push(el.textContent);
};
walk(document);
return found;"""


@pytest.mark.slow
def test_the_explorer_page_shows_every_front_member_in_a_real_browser(run, tmp_path):
    pytest.importorskip("bokeh", reason="the explorer needs bokeh (pip install -e '.[explore]')")
    second = tmp_path / "second"
    run_cell(second, "problem=tiny_synthetic", "algorithm=random", "budget=40", "seed=3")
    page = tmp_path / "front.html"
    r = subprocess.run(
        [sys.executable, "-m", "hamp_bench.explore", str(run), str(second), "--out", str(page)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    n = sum(len(pd.read_csv(d / "front.csv")) for d in (run, second))
    html = page.read_text()
    assert "cdn.bokeh.org" not in html  # self-contained: opens offline
    driver, why = _browser()
    if driver is None:
        pytest.skip(f"no headless browser here: {why}")
    try:
        driver.get(page.as_uri())
        driver.implicitly_wait(5)
        source = "Bokeh.documents[0].get_model_by_name('front')"
        assert driver.execute_script(f"return {source}.data.eval_id.length") == n
        # every scatter draws that one source: as many points as front members, per projection
        sources = driver.execute_script(
            "return [...Bokeh.documents[0].all_models].filter(m => m.type == 'GlyphRenderer')"
            ".map(m => m.data_source.name)"
        )
        assert sources and set(sources) == {"front"}
        driver.execute_script(f"{source}.selected.indices = [4]")  # as a click on a point does
        time.sleep(1)
        row = driver.execute_script(SHADOW_TEXT, ".slick-cell.selected")  # the table's row
        eval_id, command = (driver.execute_script(f"return {source}.data.{c}[4]")
                            for c in ("eval_id", "export"))  # fmt: skip
        assert str(eval_id) in row and row[-1] == command
        assert command.startswith("python -m hamp_bench.export ") and "--pick eval_id=" in command
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        driver.save_screenshot(str(tmp_path / "explorer.png"))
    finally:
        driver.quit()
