from django.urls import path

from csadmin.access import views

urlpatterns = [
    path("grants/", views.GrantListView.as_view(), name="grants"),
    path("grants/<int:user_id>/revoke/", views.RevokeGrantView.as_view(), name="revoke-grant"),
    path("roles/", views.RoleListView.as_view(), name="roles"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path(
        "profile/tokens/<int:token_id>/revoke/",
        views.RevokeTokenView.as_view(),
        name="revoke-token",
    ),
]
