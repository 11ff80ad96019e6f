"""The host's URLs plus the bench-only raw-SQL views (used only by bench.settings)."""

from django.urls import path

from bench import rawviews
from csadmin.urls import handler403, handler404, handler500
from csadmin.urls import urlpatterns as host_urlpatterns

urlpatterns = [
    path(
        "bench/raw/customers/<str:key>/services/active",
        rawviews.customer_active_services,
        name="bench-raw-customer-active",
    ),
    path("bench/raw/services/<str:service_id>", rawviews.service_with_states, name="bench-raw"),
    *host_urlpatterns,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
