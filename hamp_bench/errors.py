"""Exceptions that carry meaning across the engine.

`UserError` and its subclasses are mistakes a user can fix (a bad override, missing data, a
wrong genome); the CLI prints their message and exits non-zero without a traceback.
`BudgetExhausted` is control flow: the evaluator raises it to stop any algorithm cleanly.
"""


class UserError(Exception):
    """A problem the user can fix; the message names the thing and the fix."""


class ConfigError(UserError):
    """A configuration value is out of range or inconsistent."""


class GenomeError(UserError):
    """A genome has the wrong length, type or is out of bounds."""


class DataError(UserError):
    """A dataset or checkpoint file is missing, corrupt or does not match."""


class RecordError(UserError):
    """A run record on disk is missing, corrupt or of an unknown version."""


class BudgetExhausted(Exception):
    """Raised by the evaluator once the run's budget of true evaluations is spent."""


class RunInterrupted(BaseException):
    """Raised from a SIGTERM handler so that a terminated run still writes its record. A
    BaseException, like KeyboardInterrupt, so that no `except Exception` on the way (in a
    library, an algorithm, Hydra's import helper) swallows or rewraps it."""
