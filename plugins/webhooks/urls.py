from django.urls import path

from plugins.webhooks import views

ONE = "<int:subscription_id>/"
# Delivery ids are UUIDs; a str route lets a malformed one reach the view and answer 404.
DELIVERY = f"{ONE}deliveries/<str:delivery_id>/"

urlpatterns = [
    path("", views.SubscriptionListPage.as_view(), name="list"),
    path(ONE, views.SubscriptionPage.as_view(), name="detail"),
    path(f"{ONE}active/", views.ActiveAction.as_view(), name="active"),
    path(f"{ONE}test/", views.TestEventAction.as_view(), name="test"),
    path(f"{ONE}secret/", views.RotateSecretAction.as_view(), name="secret"),
    path(f"{ONE}delete/", views.DeletePage.as_view(), name="delete"),
    path(DELIVERY, views.DeliveryPage.as_view(), name="delivery"),
    path(f"{DELIVERY}redeliver/", views.RedeliverAction.as_view(), name="redeliver"),
]
