"""A small progress bar for management commands (no dependency): redraws one line on a
terminal, prints a line every 10% otherwise (every `every` items when the total is not known in
advance, as for a streamed import), so CI logs stay short."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self, total: int | None, *, label: str, stream: TextIO | None = None, every: int = 100
    ):
        self.total = total
        # Without a total (a streamed input), a log line every `every` items.
        self.every = every
        self.label = label
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_decile = -1

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._tty:
            self._draw(end="")
        elif self.total:
            decile = self.done * 10 // self.total
            if decile != self._last_decile:
                self._last_decile = decile
                self._draw(end="\n")
        elif self.done % self.every == 0:
            self._draw(end="\n")

    def _draw(self, end: str) -> None:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            width = 30
            filled = min(width, self.done * width // max(self.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            line = f"{self.label} [{bar}] {self.done}/{self.total} ({rate:,.0f}/s)"
        else:
            line = f"{self.label} {self.done} ({rate:,.0f}/s)"
        self.stream.write(("\r" if self._tty else "") + line + end)
        self.stream.flush()

    def finish(self) -> None:
        if self._tty or (self.total and self._last_decile != 10) or not self.total:
            self._draw(end="\n")
