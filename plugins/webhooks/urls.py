from django.urls import path

from plugins.webhooks import views

urlpatterns = [
    path("", views.SubscriptionListPage.as_view(), name="list"),
]
