"""Mounts every plug-in's pages under /<base_url>/ and its API under /genesys/1/cs/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from csadmin.api.errors import API_PREFIX
from csadmin.pluginlib.registry import registry
from csadmin.ui.views import api_not_found


def _api_patterns() -> list:
    return [
        path(
            "",
            include((list(plugin.api_urlpatterns), plugin.label), namespace=f"{plugin.label}-api"),
        )
        for plugin in registry.plugins()
        if plugin.api_urlpatterns
    ]


def _page_patterns() -> list:
    patterns = []
    for plugin in registry.plugins():
        if plugin.urlpatterns:
            prefix = plugin.config.base_url.strip("/")
            patterns.append(
                path(
                    f"{prefix}/" if prefix else "",
                    include((list(plugin.urlpatterns), plugin.label)),
                )
            )
    return patterns


urlpatterns = [
    path("genesys/1/cs/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(API_PREFIX.strip("/") + "/", include(_api_patterns())),
    # Anything else under the API prefix is a JSON 404, in DEBUG too.
    re_path(r"^genesys/1/cs(/.*)?$", api_not_found),
    *_page_patterns(),
]

handler403 = "csadmin.ui.views.forbidden"
handler404 = "csadmin.ui.views.not_found"
handler500 = "csadmin.ui.views.server_error"
