"""The versioned API: each app's endpoints, and the OpenAPI schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from homeward.alerts import api as alerts_api
from homeward.children import api as children_api
from homeward.episodes import api as episodes_api
from homeward.episodes import lookup_api
from homeward.returns import api as returns_api
from homeward.scrutiny import api as scrutiny_api
from homeward.web.decorators import no_child_data

urlpatterns = [
    path("schema/", no_child_data(SpectacularAPIView.as_view()), name="api-schema"),
    path("children/", children_api.ChildListApi.as_view(), name="api-children-list"),
    path("children/<int:child_id>/", children_api.ChildDetailApi.as_view(), name="api-child-detail"),
    path("episodes/", episodes_api.EpisodeListApi.as_view(), name="api-episodes"),
    path("episodes/<int:episode_id>/", episodes_api.EpisodeDetailApi.as_view(), name="api-episode-detail"),
    path("episodes/<int:episode_id>/risk/", episodes_api.EpisodeRiskApi.as_view(), name="api-episode-risk"),
    path("episodes/<int:episode_id>/return/", episodes_api.EpisodeReturnApi.as_view(), name="api-episode-return"),
    path(
        "episodes/<int:episode_id>/return-interview/",
        episodes_api.EpisodeReturnInterviewApi.as_view(),
        name="api-episode-return-interview",
    ),
    path(
        "episodes/<int:episode_id>/police-reference/",
        episodes_api.EpisodePoliceReferenceApi.as_view(),
        name="api-episode-police-reference",
    ),
    path("episodes/<int:episode_id>/updates/", episodes_api.EpisodeUpdatesApi.as_view(), name="api-episode-updates"),
    path("episodes/<int:episode_id>/kind/", episodes_api.EpisodeKindApi.as_view(), name="api-episode-kind"),
    path(
        "episodes/<int:episode_id>/safe-and-well/",
        episodes_api.EpisodeSafeAndWellApi.as_view(),
        name="api-episode-safe-and-well",
    ),
    path("episodes/<int:episode_id>/close/", episodes_api.EpisodeCloseApi.as_view(), name="api-episode-close"),
    path("missing-lookup/", lookup_api.MissingLookupApi.as_view(), name="api-missing-lookup"),
    path("alerts/", alerts_api.AlertListApi.as_view(), name="api-alerts"),
    path("alerts/<int:alert_id>/acknowledge/", alerts_api.AlertAcknowledgeApi.as_view(), name="api-alert-acknowledge"),
    path("police-reports/", returns_api.PoliceReportApi.as_view(), name="api-police-reports"),
    path("placement-checks/", scrutiny_api.CheckListApi.as_view(), name="api-placement-checks"),
    path("placement-checks/<int:check_id>/", scrutiny_api.CheckDetailApi.as_view(), name="api-placement-check-detail"),
]
