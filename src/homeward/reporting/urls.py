from django.urls import path

from homeward.reporting import views

app_name = "reporting"
urlpatterns = [
    path("one-count/", views.one_count_page, name="one-count"),
    path("one-count.csv", views.one_count_csv, name="one-count-csv"),
    path("one-count/<str:known>/", views.gaps_page, name="gaps"),
    path("dashboards/", views.dashboard_list, name="dashboards"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
]
