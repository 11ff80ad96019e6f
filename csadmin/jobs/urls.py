from django.urls import path

from csadmin.jobs import views

urlpatterns = [
    path("", views.JobListPage.as_view(), name="list"),
    path("<int:job_id>/", views.JobPage.as_view(), name="detail"),
    path("<int:job_id>/live/", views.JobLivePartial.as_view(), name="live"),
    path("<int:job_id>/cancel/", views.JobCancelAction.as_view(), name="cancel"),
    path("<int:job_id>/retry/", views.JobRetryAction.as_view(), name="retry"),
    path("<int:job_id>/files/<str:name>", views.JobFileDownload.as_view(), name="file"),
]
