from django.urls import path

from homeward.linkage import views

app_name = "linkage"
urlpatterns = [
    path("", views.review_list, name="review"),
    path("<int:pair_id>/", views.pair_detail, name="pair"),
]
