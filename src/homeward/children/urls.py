from django.urls import path

from homeward.children import sharing_views, views

app_name = "children"
urlpatterns = [
    path("", views.child_list, name="list"),
    path("<int:child_id>/", views.child_detail, name="detail"),
    path("<int:child_id>/access-log/", views.child_access_log_page, name="access-log"),
    path("<int:child_id>/sharing/", sharing_views.child_sharing, name="sharing"),
    path(
        "<int:child_id>/sharing/decision-not-to-share/",
        sharing_views.decision_not_to_share_new,
        name="decision-not-to-share",
    ),
]
