from django.urls import path

from homeward.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("<int:alert_id>/", views.alert_open, name="open"),
    path("<int:alert_id>/acknowledge/", views.alert_acknowledge_view, name="acknowledge"),
    path("reported/<int:episode_id>/", views.episode_reported, name="reported"),
]
