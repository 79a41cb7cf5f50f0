from django.urls import path

from homeward.episodes import lookup_views, views

app_name = "episodes"
urlpatterns = [
    path("board/", views.board, name="board"),
    path("interviews/", views.interviews, name="interviews"),
    path("children/<int:child_id>/report-missing/", views.report_missing, name="report-missing"),
    path("children/<int:child_id>/timeline/", views.timeline, name="timeline"),
    path("children/<int:child_id>/profile/", views.profile, name="profile"),
    path("children/<int:child_id>/profile/edit/", views.profile_edit, name="profile-edit"),
    path("children/<int:child_id>/profile/photo/", views.profile_photo, name="profile-photo"),
    path("episodes/<int:episode_id>/", views.episode_detail, name="detail"),
    path("episodes/<int:episode_id>/police-reference/", views.episode_police_reference, name="police-reference"),
    path("episodes/<int:episode_id>/risk/", views.episode_risk, name="risk"),
    path("episodes/<int:episode_id>/updates/", views.episode_update, name="update"),
    path("episodes/<int:episode_id>/kind/", views.episode_kind, name="kind"),
    path("episodes/<int:episode_id>/return/", views.episode_return, name="return"),
    path("episodes/<int:episode_id>/safe-and-well/", views.episode_safe_and_well, name="safe-and-well"),
    path("episodes/<int:episode_id>/close/", views.episode_close, name="close"),
    path("episodes/<int:episode_id>/return-interview/", views.episode_interview_status, name="interview-status"),
    path(
        "episodes/<int:episode_id>/return-interview/findings/",
        views.episode_interview_findings,
        name="interview-findings",
    ),
    path("episodes/<int:episode_id>/briefing/", views.briefing, name="briefing"),
    path("episodes/<int:episode_id>/briefing.pdf", views.briefing_pdf_view, name="briefing-pdf"),
    path("police/missing-lookup/", lookup_views.missing_lookup, name="missing-lookup"),
    path(
        "police/missing-lookup/found/<int:episode_id>/", lookup_views.missing_lookup_found, name="missing-lookup-found"
    ),
    path("police/missing-lookup/photo/<int:child_id>/", lookup_views.missing_lookup_photo, name="missing-lookup-photo"),
]
