"""The host's URLs plus the bench-only raw views (used only by bench.settings)."""

from django.urls import path

from bench import rawconversation as raw
from bench import rawviews
from csadmin.urls import handler403, handler404, handler500
from csadmin.urls import urlpatterns as host_urlpatterns

# The conversation's calls (scenario 4), at the services API's paths under /bench/raw/cs/.
SID = "bench/raw/cs/services/<str:service_id>"
raw_conversation = [
    path("bench/raw/cs/services/start", raw.ServiceStart.as_view()),
    path(f"{SID}/states/start", raw.PartStart.as_view(part="state")),
    path(f"{SID}/states/<int:number>/end", raw.PartEnd.as_view(part="state")),
    path(f"{SID}/tasks/start", raw.PartStart.as_view(part="task")),
    path(f"{SID}/tasks/<int:number>/end", raw.PartEnd.as_view(part="task")),
    path(f"{SID}/end", raw.ServiceEnd.as_view()),
    path(SID, raw.ServiceRead.as_view()),
]

urlpatterns = [
    path(
        "bench/raw/customers/<str:key>/services/active",
        rawviews.customer_active_services,
        name="bench-raw-customer-active",
    ),
    path("bench/raw/services/<str:service_id>", rawviews.service_with_states, name="bench-raw"),
    *raw_conversation,
    *host_urlpatterns,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
