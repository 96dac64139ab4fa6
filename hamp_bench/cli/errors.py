"""One way every entry point ends on a user's mistake or an interruption.

A `UserError` prints `prog: error: ...` and exits 2 (the traceback only with HYDRA_FULL_ERROR=1);
Ctrl-C exits 130 and SIGTERM 143, each saying whether a run record was left and where.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator

from hamp_bench.errors import RunInterrupted, UserError


def _nothing_left() -> str:
    return "there is no run record"


@contextmanager
def cli_errors(prog: str, left_behind: Callable[[], str] = _nothing_left) -> Iterator[None]:
    """`left_behind()` says, after an interruption, what the command left on disk."""
    try:
        yield
    except UserError as e:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"{prog}: error: {e}", file=sys.stderr)
        sys.exit(2)
    except (KeyboardInterrupt, RunInterrupted) as e:
        sigterm = isinstance(e, RunInterrupted)
        print(
            f"{prog}: {'terminated' if sigterm else 'interrupted'}; {left_behind()}",
            file=sys.stderr,
        )
        sys.exit(143 if sigterm else 130)
