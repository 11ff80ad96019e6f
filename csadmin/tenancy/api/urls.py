from django.urls import path

from csadmin.tenancy.api import views

urlpatterns = [
    path("server/status", views.ServerStatusView.as_view(), name="server-status"),
    path("server/mode", views.ServerModeView.as_view(), name="server-mode"),
]
