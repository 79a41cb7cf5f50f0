from django.urls import include, path

urlpatterns = [
    path("", include("homeward.web.urls")),
    path("children/", include("homeward.children.urls")),
    path("", include("homeward.episodes.urls")),
    path("", include("homeward.safeguarding.urls")),
    path("", include("homeward.schools.urls")),
    path("", include("homeward.scrutiny.urls")),
    path("inbox/", include("homeward.alerts.urls")),
    path("linkage/review/", include("homeward.linkage.urls")),
    path("reports/", include("homeward.reporting.urls")),
    path("oversight/", include("homeward.oversight.urls")),
    path("language/", include("homeward.language.urls")),
    path("api/v1/", include("homeward.api_urls")),
]
