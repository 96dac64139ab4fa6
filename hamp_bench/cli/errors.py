"""One way every entry point ends on a user's mistake or an interruption.

A `UserError` prints `prog: error: ...` and exits 2 (the traceback only with HYDRA_FULL_ERROR=1);
Ctrl-C exits 130 and SIGTERM 143, each saying whether a run record was left and where.
A `hydra/launcher=NAME` that Hydra cannot find is such a mistake too: one line naming the
launcher and the pip command that installs it, and exit 2, before Hydra starts.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator

from hamp_bench.errors import RunInterrupted, UserError


def _nothing_left() -> str:
    return "there is no run record"


# launcher name -> the pip package (Hydra plugin) that provides it
_LAUNCHER_PACKAGES = {
    "joblib": "hydra-joblib-launcher",
    "submitit_local": "hydra-submitit-launcher",
    "submitit_slurm": "hydra-submitit-launcher",
}
_INSTALL = "pip install -e '.[launchers]'"


def _missing_launcher(argv: list[str]) -> str | None:
    """Why `hydra/launcher=NAME` in `argv` cannot be used, or None (none given, or Hydra finds
    it). Hydra itself is asked, on its own config search path (with the `hydra.searchpath`
    given), so a launcher config of the user's counts; anything else wrong is left to Hydra."""
    names = [a.partition("=")[2] for a in argv if a.partition("=")[0] == "hydra/launcher"]
    if not names:
        return None
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import MissingConfigException

    if GlobalHydra.instance().is_initialized():  # inside a job: Hydra composed the launcher
        return None
    name = names[-1]
    searchpath = [a for a in argv if a.partition("=")[0] == "hydra.searchpath"]
    try:
        with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
            compose(overrides=[f"hydra/launcher={name}", *searchpath])
        return None
    except MissingConfigException as e:
        if e.missing_cfg_file != f"hydra/launcher/{name}":
            return None
        available = ", ".join(e.options or []) or "none"
    except Exception:  # any other problem of the command line: Hydra will say
        return None
    package = _LAUNCHER_PACKAGES.get(name)
    if package is not None:
        return (
            f"hydra/launcher={name}: the {name} launcher is not installed; it comes with "
            f"{package}: {_INSTALL} (or pip install {package})"
        )
    return (
        f"hydra/launcher={name}: there is no launcher '{name}' (available: {available}); "
        f"the joblib and submitit launchers come with {_INSTALL} "
        "(hydra-joblib-launcher, hydra-submitit-launcher); see docs/sweeps.md"
    )


def _exit_now(code: int) -> None:
    """Exit with `code` whatever Python would do at shutdown.

    `sys.exit(130)` is not enough after Ctrl-C: CPython 3.11 marks a KeyboardInterrupt raised
    inside `exec(<string>)` (dataclasses and lazy imports such as torch._dynamo's do that) as
    unhandled even once it is caught, and then ends the process by SIGINT (-2, not 130). Every
    record has been written by now (the runner's `finally`), so flush the logs and leave.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


@contextmanager
def cli_errors(prog: str, left_behind: Callable[[], str] = _nothing_left) -> Iterator[None]:
    """`left_behind()` says, after an interruption, what the command left on disk."""
    try:
        missing = _missing_launcher(sys.argv[1:])
        if missing is not None:
            raise UserError(missing)
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
        _exit_now(143 if sigterm else 130)
