"""One way every entry point turns a user's mistake into a message and an exit code."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from hamp_bench.errors import UserError


@contextmanager
def user_errors(prog: str):
    """Print `prog: error: ...` and exit 2 for a UserError (the traceback only with
    HYDRA_FULL_ERROR=1)."""
    try:
        yield
    except UserError as e:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"{prog}: error: {e}", file=sys.stderr)
        sys.exit(2)
