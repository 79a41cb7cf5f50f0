from django.urls import path

from homeward.scrutiny import views

app_name = "scrutiny"
urlpatterns = [
    path("children/<int:child_id>/placement-check/", views.check_new, name="check-new"),
    path("placements/checks/<int:check_id>/", views.check, name="check"),
    path("placements/in-your-area/", views.in_your_area, name="in-your-area"),
    path("placements/requests/<int:requirement_id>/", views.respond, name="respond"),
    path("placements/homes/<str:urn>/", views.home, name="home"),
    path("children/<int:child_id>/leaving-care-review/", views.leaving_care_review, name="leaving-care-review"),
]
