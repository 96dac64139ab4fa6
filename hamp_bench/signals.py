"""Signals: SIGTERM ends a run like Ctrl-C does, and neither can split the bookkeeping of a batch.

Ctrl-C (SIGINT) and SIGTERM may arrive anywhere. They are allowed to interrupt a problem's
evaluation (which may take minutes) but are held back while the evaluator commits a batch to
the record, and while the final record is written, so counters, front and files always agree.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

from hamp_bench.errors import RunInterrupted

_HELD = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the duration; one that arrived is re-raised afterwards.

    Python runs signal handlers between bytecodes in the main thread, so blocking at the OS
    level is not enough (a signal already caught would still raise mid-block): the handlers
    themselves are swapped for ones that only note the signal.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in _HELD
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM (a cluster's pre-emption, `kill`) into RunInterrupted so the record is kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise RunInterrupted(f"received signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
