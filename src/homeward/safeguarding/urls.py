from django.urls import path

from homeward.safeguarding import views

app_name = "safeguarding"
urlpatterns = [
    path("children/<int:child_id>/flags/", views.flags, name="flags"),
    path("children/<int:child_id>/flags/<int:flag_id>/", views.flag_change, name="flag"),
    path("children/<int:child_id>/screening/", views.screening_form, name="screening"),
    path("children/<int:child_id>/screening/<int:screening_id>/", views.screening_result, name="screening-result"),
    path("children/<int:child_id>/strategy-meetings/", views.meetings, name="meetings"),
    path("children/<int:child_id>/strategy-meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("safeguarding/screenings-due/", views.screenings_due, name="screenings-due"),
    path("safeguarding/locations/", views.locations, name="locations"),
    path("safeguarding/locations/<int:entry_id>/withdraw/", views.location_withdraw, name="location-withdraw"),
    path("safeguarding/location-assessment/", views.location_assessment, name="location-assessment"),
]
