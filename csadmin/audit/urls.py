from django.urls import path

from csadmin.audit import views

urlpatterns = [path("", views.AuditLogView.as_view(), name="log")]
