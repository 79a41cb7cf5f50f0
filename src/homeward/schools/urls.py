from django.urls import path

from homeward.schools import views

app_name = "schools"
urlpatterns = [
    path("children/<int:child_id>/not-in-school/", views.report_absence, name="report-absence"),
    path("school-reports/<int:report_id>/", views.report, name="report"),
]
