"""The dashboard in a browser: the services charts, their tables, the health figures, and a
chart that still fits a phone's width."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_the_dashboard_shows_charts_figures_and_the_server_mode(signed_in_page):
    page = signed_in_page
    charts = page.locator('svg.chart[role="img"]')
    expect(charts).to_have_count(2)
    expect(page.locator("#svc-started-title")).to_have_text(
        "Services started per day, last 30 days"
    )
    expect(page.get_by_test_id("median-duration")).to_be_visible()
    expect(page.get_by_test_id("jobs-failed")).to_be_visible()
    expect(page.get_by_test_id("subscriptions-paused")).to_be_visible()
    expect(page.get_by_test_id("dashboard-mode")).to_contain_text("Schema changes are")
    table = page.locator("details.chart-data table").first
    expect(table).to_be_hidden()
    page.get_by_text("Services started per day, last 30 days as a table").click()
    expect(table).to_be_visible()


def test_a_chart_fits_a_narrow_screen(signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    chart = page.locator("svg.chart").first
    box = chart.bounding_box()
    assert box is not None and 0 < box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
