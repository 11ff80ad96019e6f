from django.urls import path

from plugins.services.api import views as v

SID = "services/<str:service_id>"


def listing(prefix: str, view, name: str, **initkwargs):
    """The all / active / completed variants of one list."""
    return [
        path(prefix, view.as_view(status="all", **initkwargs), name=name),
        path(
            f"{prefix}/active", view.as_view(status="active", **initkwargs), name=f"{name}-active"
        ),
        path(
            f"{prefix}/completed",
            view.as_view(status="completed", **initkwargs),
            name=f"{name}-completed",
        ),
    ]


urlpatterns = [
    path("services/start", v.ServiceStartView.as_view(), name="service-start"),
    path("services_composite/start", v.ServiceCompositeStartView.as_view(), name="composite-start"),
    *listing("services/anonymous/<str:key>", v.ServiceListView, "anonymous", by="contact_key"),
    *listing("customers/<str:key>/services", v.ServiceListView, "customer", by="customer"),
    path(
        "customers/<str:key>/services/<str:service_id>", v.AssociateView.as_view(), name="associate"
    ),
    path(SID, v.ServiceView.as_view(), name="service"),
    path(f"{SID}/end", v.ServiceEndView.as_view(), name="service-end"),
    path(f"{SID}/extensions/<str:name>", v.ServiceExtensionView.as_view(), name="service-ext"),
    path(f"{SID}/states/start", v.StateStartView.as_view(), name="state-start"),
    path(f"{SID}/states/transition", v.StateTransitionView.as_view(), name="state-transition"),
    *listing(f"{SID}/states", v.StateListView, "states"),
    path(f"{SID}/states/<int:state_id>", v.StateView.as_view(), name="state"),
    path(f"{SID}/states/<int:state_id>/end", v.StateEndView.as_view(), name="state-end"),
    path(
        f"{SID}/states/<int:state_id>/extensions/<str:name>",
        v.StateExtensionView.as_view(),
        name="state-ext",
    ),
    path(f"{SID}/tasks/start", v.TaskStartView.as_view(), name="task-start"),
    *listing(f"{SID}/tasks", v.TaskListView, "tasks"),
    path(f"{SID}/tasks/<int:task_id>", v.TaskView.as_view(), name="task"),
    path(f"{SID}/tasks/<int:task_id>/end", v.TaskEndView.as_view(), name="task-end"),
    path(
        f"{SID}/tasks/<int:task_id>/extensions/<str:name>",
        v.TaskExtensionView.as_view(),
        name="task-ext",
    ),
    path("metadata/business-attributes", v.BusinessAttributesView.as_view(), name="attributes"),
    path(
        "metadata/business-attributes/<str:name>",
        v.BusinessAttributeView.as_view(),
        name="attribute",
    ),
]
