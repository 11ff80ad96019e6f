"""The service page's timeline: bars over time for the service, its states and its tasks,
computed here as plain numbers; the template draws them as inline SVG (no script, no CDN)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

LABEL_WIDTH = 170
CHART_WIDTH = 620
ROW_HEIGHT = 24
BAR_HEIGHT = 14
TOP = 22  # room for the time axis
# Tick spacings in seconds, smallest first: the first that gives at most MAX_TICKS is used.
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)
DAY = 86400
MAX_TICKS = 6


@dataclass(frozen=True)
class Bar:
    label: str
    kind: str  # service / state / task
    x: float
    y: float
    width: float
    active: bool
    title: str

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT - 3

    @property
    def end_x(self) -> float:
        return self.x + self.width


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    width: int
    height: int
    start_label: str
    end_label: str
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    ticks: tuple[Tick, ...] = ()

    @property
    def chart_end(self) -> int:
        return LABEL_WIDTH + CHART_WIDTH


def build(service, states, tasks, now: dt.datetime | None = None) -> Timeline:
    """Rows: the service, then each state, then each task. Active ones run to `now`, drawn
    open-ended (the template adds an arrow and a dashed end)."""
    now = now or timezone.now()
    rows = [("Service " + (service.service_type or ""), "service", service)]
    rows += [(f"State {s.state_id} {s.state_type}", "state", s) for s in states]
    rows += [(f"Task {t.task_id} {t.task_type}", "task", t) for t in tasks]
    start = service.started_at
    end = max([row.completed_at or now for _, _, row in rows] + [start])
    span = max((end - start).total_seconds(), 1.0)
    bars = []
    for index, (label, kind, row) in enumerate(rows):
        row_end = row.completed_at or now
        x = LABEL_WIDTH + (row.started_at - start).total_seconds() / span * CHART_WIDTH
        width = max((row_end - row.started_at).total_seconds() / span * CHART_WIDTH, 3.0)
        width = min(width, LABEL_WIDTH + CHART_WIDTH - x)
        state = "active" if row.completed_at is None else "completed"
        bars.append(
            Bar(
                label=label[:28],
                kind=kind,
                x=round(x, 1),
                y=TOP + index * ROW_HEIGHT,
                width=round(max(width, 3.0), 1),
                active=row.completed_at is None,
                title=f"{label} ({state}) from {row.started_at:%Y-%m-%d %H:%M:%S}"
                + (f" to {row.completed_at:%H:%M:%S}" if row.completed_at else ""),
            )
        )
    return Timeline(
        bars=bars,
        width=LABEL_WIDTH + CHART_WIDTH + 30,  # room for a tick label at the very end
        height=TOP + len(rows) * ROW_HEIGHT + 6,
        start_label=f"{start:%Y-%m-%d %H:%M:%S}",
        end_label=f"{end:%H:%M:%S}" + (" (now)" if end == now else ""),
        ticks=ticks(start, span),
    )


def ticks(start: dt.datetime, span: float) -> tuple[Tick, ...]:
    """Time ticks at round times (every 5 min, every hour...) across `span` seconds from
    `start`, at most MAX_TICKS of them, labelled as precisely as their spacing needs."""
    step = next((s for s in TICK_STEPS if span / s <= MAX_TICKS), None)
    step = step or DAY * max(1, -(-int(span) // (DAY * MAX_TICKS)))  # whole days, rounded up
    fmt = "%H:%M:%S" if step < 60 else "%H:%M" if span < DAY else "%m-%d %H:%M"
    fmt = "%m-%d" if step >= DAY else fmt
    first = int(-(-start.timestamp() // step)) * step  # the first round time at or after start
    result = []
    for moment in range(first, int(start.timestamp() + span) + 1, step):
        at = dt.datetime.fromtimestamp(moment, tz=start.tzinfo or dt.UTC)
        x = LABEL_WIDTH + (moment - start.timestamp()) / span * CHART_WIDTH
        result.append(Tick(x=round(x, 1), label=f"{at:{fmt}}"))
    return tuple(result)
