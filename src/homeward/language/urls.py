from django.urls import path

from homeward.language import views

app_name = "language"
urlpatterns = [
    path("patterns/", views.patterns, name="patterns"),
]
