from django.urls import reverse
from django.utils.html import format_html

from csadmin.pluginlib import Extensions, Tab, Widget
from tests.sample_plugin.models import Note


def count_widget(request) -> str:
    count = Note.objects.filter(tenant=request.tenant).count()
    return format_html('<p class="stat" data-testid="note-count">{}</p>', count)


contributions = Extensions(
    tabs=[
        Tab(
            slot="customer",
            key="notes",
            title="Notes",
            url=lambda key: reverse("sample:note-tab", args=[key]),
            privilege="sample.notes.read",
        )
    ],
    widgets=[
        Widget(key="notes", title="Notes", render=count_widget, privilege="sample.notes.read")
    ],
)
