from django.urls import path

from plugins.services import views

SID = "s/<str:service_id>"

urlpatterns = [
    path("", views.ServiceListPage.as_view(), name="service-list"),
    path(f"{SID}/", views.ServiceDetailPage.as_view(), name="service-detail"),
    path(f"{SID}/end/", views.EndServiceAction.as_view(), name="service-end"),
    path(f"{SID}/states/<int:state_id>/end/", views.EndPartAction.as_view(), name="state-end"),
    path(f"{SID}/tasks/<int:task_id>/end/", views.EndPartAction.as_view(), name="task-end"),
    path(f"{SID}/associate/", views.AssociateAction.as_view(), name="service-associate"),
    path(f"{SID}/expiry/", views.ExpiryAction.as_view(), name="service-expiry"),
    path(f"{SID}/delete/", views.DeleteServicePage.as_view(), name="service-delete"),
    path("customer-ids/", views.CustomerSuggestions.as_view(), name="customer-suggest"),
    path("customers/<str:customer_id>/", views.CustomerServicesTab.as_view(), name="customer-tab"),
    path("attributes/", views.BusinessAttributesPage.as_view(), name="attributes"),
    path("attributes/values/<int:value_id>/", views.BusinessValueEdit.as_view(), name="value-edit"),
    path(
        "attributes/values/<int:value_id>/remove/",
        views.BusinessValueRemove.as_view(),
        name="value-remove",
    ),
]
