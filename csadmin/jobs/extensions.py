"""The dashboard widget: jobs running now and failed in the last 24 hours."""

from django.template.loader import render_to_string

from csadmin.jobs.selectors import job_health
from csadmin.pluginlib.navigation import Extensions, Widget


def jobs_widget(request) -> str:
    return render_to_string(
        "jobs/widget.html", {"health": job_health(request.tenant)}, request=request
    )


contributions = Extensions(
    widgets=[
        Widget(
            key="jobs",
            title="Jobs",
            render=jobs_widget,
            privilege="jobs.runs.view",
            order=50,
        )
    ]
)
