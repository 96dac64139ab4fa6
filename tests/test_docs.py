"""The README's commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    main_job, tests = blocks[0], blocks[1]
    assert "python -m hamp_bench" in main_job
    test_command = tests.split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci
    assert "pip install -q torch==2.13.0" in ci
    assert ci.index("pip install -q torch==2.13.0") < ci.index("pip install -q -e '.[test]'")
