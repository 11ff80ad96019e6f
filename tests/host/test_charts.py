"""The server-rendered bar chart: bars, ticks, legend, data table, escaping."""

from datetime import date, timedelta

from csadmin.pluginlib import bar_chart
from csadmin.ui.charts import series_names

DAYS = [date(2026, 3, 1) + timedelta(days=n) for n in range(10)]


def test_one_bar_per_nonzero_value_and_a_tick_a_week():
    rows = [(day, {"Sales": 2, "Support": 1} if n % 2 else {}) for n, day in enumerate(DAYS)]
    svg = str(bar_chart("c1", "Started", rows))
    assert svg.count('<rect class="bar"') == 10  # 5 days with two series each
    # y: top and 0; x: a week apart counted back from the last day, so no two labels collide
    assert svg.count('<text class="tick"') == 2 + 2
    assert ">03-03<" in svg and ">03-10<" in svg and ">03-01<" not in svg
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Started</title>' in svg
    assert "15 in 10 days" in svg  # the desc says the total


def test_the_legend_and_table_carry_the_figures():
    rows = [(DAYS[0], {"Support": 1, "Sales": 3}), (DAYS[1], {})]
    html = str(bar_chart("c2", "Completed", rows))
    legend = html[html.index('<ul class="chart-legend">') :]
    assert legend.index("Sales") < legend.index("Support")  # busiest first
    table = html[html.index("<details") :]
    assert '<tr><th scope="row">2026-03-01</th><td>3</td><td>1</td></tr>' in table
    assert "2026-03-02" not in table  # empty days are left out of the table


def test_names_are_escaped_everywhere():
    rows = [(DAYS[0], {'<script>alert("x")</script>': 1})]
    html = str(bar_chart("c3", "<b>title</b>", rows))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;title&lt;/b&gt;" in html


def test_no_data_draws_axes_and_says_so():
    html = str(bar_chart("c4", "Started", [(day, {}) for day in DAYS]))
    assert '<rect class="bar"' not in html
    assert "Nothing in this period." in html


def test_series_are_ordered_by_total_then_name():
    rows = [(DAYS[0], {"b": 1, "a": 1, "c": 5})]
    assert series_names(rows) == ["c", "a", "b"]
