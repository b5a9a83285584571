"""Progress of the long steps of ``kb build``: encoding the knowledge base's texts and indexing their vectors.

On a terminal a tqdm bar; anywhere else (CI logs, a redirected file) a plain line every tenth of the way,
because a bar's carriage returns turn into one unreadable line in a log.
"""
from __future__ import annotations

import sys
from typing import Optional, TextIO

from tqdm import tqdm

# Steps this small finish in a few seconds, before any progress report would tell the reader something.
PROGRESS_MIN_ITEMS = 300
PLAIN_LINE_STEPS = 10


class Progress:
    """Reports ``advance`` calls for a step of ``total`` items; silent when disabled or the step is small."""

    def __init__(self, label: str, total: int, enabled: bool = True, stream: Optional[TextIO] = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self._stream = stream or sys.stderr
        self._shown = enabled and total > PROGRESS_MIN_ITEMS
        self._bar = tqdm(total=total, desc=label, file=self._stream) if self._shown and self._stream.isatty() else None
        self._tenths_reported = 0

    def advance(self, count: int) -> None:
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
        elif self._shown:
            # A line whenever another tenth is passed (the last one at 100 %), however large the increments.
            reached = self.done * PLAIN_LINE_STEPS // self.total
            if reached > self._tenths_reported:
                self._tenths_reported = reached
                print(f"{self.label}: {self.done}/{self.total} ({100 * self.done // self.total}%)",
                      file=self._stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
