from django.template.loader import render_to_string

from csadmin.audit.models import AuditEntry
from csadmin.pluginlib.navigation import Extensions, Widget


def recent_changes(request) -> str:
    rows = AuditEntry.objects.filter(tenant=request.tenant).order_by("-id")[:6]
    return render_to_string("audit/widget.html", {"rows": rows}, request=request)


contributions = Extensions(
    widgets=[
        Widget(
            key="recent-changes",
            title="Recent configuration changes",
            render=recent_changes,
            privilege="audit.log.view",
            order=900,
        )
    ]
)
