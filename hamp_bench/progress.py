"""Progress of a run: a bar on a terminal, plain periodic log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time

from tqdm import tqdm

log = logging.getLogger("hamp_bench")


class Progress:
    """`mode`: auto (bar on a terminal, else log lines), bar, log or off."""

    def __init__(self, total: int, mode: str = "auto", log_every_s: float = 10.0, desc: str = ""):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "log"
        self.mode, self.total, self.desc = mode, total, desc
        self.log_every_s = log_every_s
        self.start = time.monotonic()
        self._last_log = self.start
        self._bar = None
        if mode == "bar":
            self._bar = tqdm(
                total=total, desc=desc, unit="eval", mininterval=0.5, dynamic_ncols=True
            )

    def update(self, used: int, front_size: int) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"front={front_size}", refresh=False)
            self._bar.update(used - self._bar.n)
        elif self.mode == "log":
            now = time.monotonic()
            if now - self._last_log >= self.log_every_s:
                self._last_log = now
                self._log(used, front_size)

    def close(self, used: int, front_size: int) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.mode == "log":
            self._log(used, front_size)

    def _log(self, used: int, front_size: int) -> None:
        log.info(
            "%s: %d/%d evaluations (%.0f%%), front %d, %.1fs elapsed",
            self.desc,
            used,
            self.total,
            100.0 * used / max(self.total, 1),
            front_size,
            time.monotonic() - self.start,
        )
