"""What the long operations report through. A job's handle (csadmin.jobs.JobHandle) has these
methods; the management commands use TerminalReporter, plain calls use QuietReporter."""

from __future__ import annotations

import sys
import time


class QuietReporter:
    """Keeps progress and counts, prints nothing, never cancels."""

    def __init__(self) -> None:
        self.done, self.total, self.counts, self.lines = 0, None, {}, []
        self.earlier_counts: dict[str, int] = {}  # a job's earlier attempts; none here

    def progress(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total

    def count(self, **increments: int) -> None:
        for key, value in increments.items():
            self.counts[key] = self.counts.get(key, 0) + int(value)

    def set_counts(self, **values: int) -> None:
        self.counts.update({key: int(value) for key, value in values.items()})

    def counted(self, work) -> dict[str, int]:
        """Call `work()` and add the counts it answers (a job's handle commits them with it)."""
        increments = work()
        self.count(**increments)
        return increments

    def check_cancelled(self) -> None:
        return None

    def log(self, level: str, message: str) -> None:
        self.lines.append((level, message))


class TerminalReporter(QuietReporter):
    """A progress bar on a terminal stream, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream=None) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self._drawn = 0.0

    def progress(self, done: int, total: int | None = None) -> None:
        super().progress(done, total)
        now = time.monotonic()
        if now - self._drawn >= 0.1 or (self.total and done >= self.total):
            self._drawn = now
            self.draw()

    def draw(self) -> None:
        total = self.total or 0
        share = min(1.0, self.done / total) if total else 0.0
        filled = int(share * self.WIDTH)
        counts = " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {share * 100:5.1f}% {self.done}/{total} {counts}")
        self.stream.flush()

    def finish(self) -> None:
        self.draw()
        self.stream.write("\n")
        self.stream.flush()

    def log(self, level: str, message: str) -> None:
        super().log(level, message)
        if level in ("warning", "error"):
            self.stream.write(f"\n{level}: {message}\n")
