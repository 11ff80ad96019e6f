"""What services contribute to other pages: the customer page's Services tab and a dashboard
widget. The customer page belongs to another plug-in; the tab is found through the registry."""

from django.template.loader import render_to_string
from django.urls import reverse

from csadmin.pluginlib import Extensions, Tab, Widget, bar_chart
from plugins.services import selectors


def services_widget(request) -> str:
    """Active services, the median duration, started and completed per day (by type) over the
    last 30 days and the newest services: five aggregate queries and one list, at any volume."""
    trend = selectors.dashboard_trend(request.tenant)
    days = len(trend.days)
    return render_to_string(
        "services/widget.html",
        {
            "trend": trend,
            "median": duration_text(trend.median_duration),
            "started_chart": bar_chart(
                "svc-started", f"Services started per day, last {days} days", trend.started
            ),
            "completed_chart": bar_chart(
                "svc-completed", f"Services completed per day, last {days} days", trend.completed
            ),
            "recent": selectors.recent_services(request.tenant),
        },
        request=request,
    )


def duration_text(duration) -> str:
    """A duration as a person reads it: "2 h 05 min", "4 min 12 s", "38 s"."""
    if duration is None:
        return "—"
    seconds = round(duration.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


contributions = Extensions(
    tabs=[
        Tab(
            slot="customer",
            key="services",
            title="Services",
            url=lambda customer_id: reverse("services:customer-tab", args=[customer_id]),
            privilege="services.data.read",
        )
    ],
    widgets=[
        Widget(
            key="services",
            title="Services",
            render=services_widget,
            privilege="services.data.read",
            wide=True,
        )
    ],
)
