"""Server-rendered charts: a stacked bar chart per day as SVG, with its data as a table.

No script and no external asset: the SVG scales through its viewBox (readable on a 390 px
screen), names itself for assistive technology (role="img", title, desc) and is followed by a
<details> table that says the same figures in text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Colours distinguishable in light and dark themes and by most colour-blind readers.
PALETTE = ("#2f6db5", "#d9822b", "#3a9a5b", "#b8487a", "#7a5cc2", "#6b7280")
WIDTH, HEIGHT = 400, 180
LEFT, RIGHT, TOP, BOTTOM = 34, 16, 10, 22  # room for the last day label
TICK_EVERY = 7  # a day label every week, ending on the last day: apart at any width


def series_names(rows: Sequence[tuple[date, dict[str, int]]]) -> list[str]:
    """Every series in the rows, the largest total first (so colours and legend are stable)."""
    totals: dict[str, int] = {}
    for _, values in rows:
        for name, value in values.items():
            totals[name] = totals.get(name, 0) + value
    return sorted(totals, key=lambda name: (-totals[name], name))


def bar_chart(key: str, title: str, rows: Sequence[tuple[date, dict[str, int]]]) -> SafeString:
    """A stacked bar per row (a day), one colour per series, then a legend and a data table.

    `key` makes the element ids unique on the page; `rows` is [(day, {series: value})].
    """
    names = series_names(rows)
    colours = {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(names)}
    totals = [sum(values.values()) for _, values in rows]
    top = max(totals, default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(rows), 1)
    parts = [_axes(top, plot_w, plot_h)]
    for index, (day, values) in enumerate(rows):
        x = LEFT + index * slot + slot * 0.15
        y = TOP + plot_h
        for name in names:
            value = values.get(name, 0)
            if not value:
                continue
            height = value / top * plot_h
            y -= height
            parts.append(
                format_html(
                    '<rect class="bar" x="{}" y="{}" width="{}" height="{}" '
                    'fill="{}"><title>{} {}: {}</title></rect>',
                    _num(x),
                    _num(y),
                    _num(slot * 0.7),
                    _num(height),
                    colours[name],
                    day.isoformat(),
                    name,
                    value,
                )
            )
        if (len(rows) - 1 - index) % TICK_EVERY == 0:  # counted back from the last day
            parts.append(
                format_html(
                    '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _num(x + slot * 0.35),
                    HEIGHT - 6,
                    day.strftime("%m-%d"),
                )
            )
    total = sum(totals)
    desc = f"{total} in {len(rows)} days" + (f", most on one day: {max(totals)}" if rows else "")
    svg = format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
        'preserveAspectRatio="xMidYMid meet"><title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        HEIGHT,
        key,
        key,
        key,
        title,
        key,
        desc,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
    return svg + _legend(names, colours) + _table(title, names, rows)


def _num(value: float) -> str:
    return f"{value:.1f}"


def _axes(top: int, plot_w: float, plot_h: float) -> SafeString:
    base = TOP + plot_h
    return format_html(
        '<g class="axis"><line x1="{}" y1="{}" x2="{}" y2="{}"/>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}"/>'
        '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>'
        '<text class="tick" x="{}" y="{}" text-anchor="end">0</text></g>',
        LEFT,
        TOP,
        LEFT,
        _num(base),
        LEFT,
        _num(base),
        _num(LEFT + plot_w),
        _num(base),
        LEFT - 4,
        TOP + 8,
        top,
        LEFT - 4,
        _num(base),
    )


def _legend(names: list[str], colours: dict[str, str]) -> SafeString:
    if not names:
        return format_html('<p class="muted chart-legend">{}</p>', "Nothing in this period.")
    items = format_html_join(
        "",
        '<li><span class="swatch" style="background:{}" aria-hidden="true"></span>{}</li>',
        ((colours[name], name) for name in names),
    )
    return format_html('<ul class="chart-legend">{}</ul>', items)


def _table(title: str, names: list[str], rows) -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((name,) for name in names))
    body = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (
                day.isoformat(),
                format_html_join("", "<td>{}</td>", ((values.get(name, 0),) for name in names)),
            )
            for day, values in rows
            if any(values.values())
        ),
    )
    return format_html(
        '<details class="chart-data"><summary>{} as a table</summary>'
        '<table class="table"><thead><tr><th scope="col">Day</th>{}</tr></thead>'
        "<tbody>{}</tbody></table></details>",
        title,
        head,
        body,
    )
