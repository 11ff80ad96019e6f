from django.urls import path

from csadmin.jobs.api import views

urlpatterns = [
    path("maintenance/jobs", views.JobListView.as_view(), name="jobs"),
    path("maintenance/jobs/<int:job_id>", views.JobDetailView.as_view(), name="job"),
    path("maintenance/jobs/<int:job_id>/cancel", views.JobCancelView.as_view(), name="cancel"),
    path("maintenance/jobs/<int:job_id>/retry", views.JobRetryView.as_view(), name="retry"),
    path(
        "maintenance/jobs/<int:job_id>/files/<str:name>",
        views.JobFileView.as_view(),
        name="file",
    ),
]
