from django.urls import path

from plugins.webhooks.api import views

ONE = "metadata/subscriptions/<int:subscription_id>"

urlpatterns = [
    path("metadata/subscriptions", views.SubscriptionsView.as_view(), name="subscriptions"),
    path(ONE, views.SubscriptionView.as_view(), name="subscription"),
    path(f"{ONE}/secret", views.SecretView.as_view(), name="secret"),
    path(f"{ONE}/test", views.TestEventView.as_view(), name="test"),
    path(f"{ONE}/deliveries", views.DeliveriesView.as_view(), name="deliveries"),
    path(f"{ONE}/deliveries/<str:delivery_id>", views.DeliveryView.as_view(), name="delivery"),
    path(
        f"{ONE}/deliveries/<str:delivery_id>/redeliver",
        views.RedeliverView.as_view(),
        name="redeliver",
    ),
]
