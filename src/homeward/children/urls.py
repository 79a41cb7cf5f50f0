from django.urls import path

from homeward.children import views

app_name = "children"
urlpatterns = [
    path("", views.child_list, name="list"),
    path("<int:child_id>/", views.child_detail, name="detail"),
    path("<int:child_id>/access-log/", views.child_access_log_page, name="access-log"),
]
