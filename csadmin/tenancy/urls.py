from django.urls import path

from csadmin.tenancy import views

urlpatterns = [
    path("tenants/", views.TenantListView.as_view(), name="tenants"),
    path("plugins/", views.PluginListView.as_view(), name="plugins"),
    path("server/", views.ServerModeView.as_view(), name="server-mode"),
]
