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
        self.replayed = 0  # evaluations answered from the record by a resume (instant)
        self._last_log = self.start
        self._bar = None
        if mode == "bar":
            self._bar = tqdm(
                total=total, desc=desc, unit="eval", mininterval=0.5, dynamic_ncols=True
            )

    def update(self, used: int, front_size: int, replayed: int = 0) -> None:
        """`replayed`: how many of `used` a resume answered from the record (not paced)."""
        self.replayed = replayed
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
        elapsed = time.monotonic() - self.start
        done = used - self.replayed
        eta = ""
        if 0 < done and used < self.total:  # at this session's pace (a replay is instant)
            eta = f", about {_duration((self.total - used) * elapsed / done)} left"
        log.info(
            "%s: %d/%d evaluations (%.0f%%), front %d, %.1fs elapsed%s",
            self.desc,
            used,
            self.total,
            100.0 * used / max(self.total, 1),
            front_size,
            elapsed,
            eta,
        )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
