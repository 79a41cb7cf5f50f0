"""Writes to episodes: one path for each, whichever door it came in by (form, API, import, command).
One module per subject (lifecycle, interviews, profiles; batch: episodes
recorded in bulk from another system's record); callers import them from here.

Each service is keyword-only and runs in one transaction. It finds the child or episode through the
scoping function (agencies.access), checks what the user's role and reasons allow (episodes.rules),
validates, writes, adds an EpisodeUpdate for the child's timeline and an audit entry.

Errors: ValidationError({"field": "reason"}) naming the input at fault; an episode the user cannot
see is Http404 (its existence is not revealed); seeing it but lacking the role is PermissionDenied;
Conflict (a ValidationError) when a retry under the same key is not the same report.
`child` and `episode` may be given as objects or ids: either way they are re-read through the scope.
"""

from homeward.episodes.services._common import Conflict, care_problem, start_placements_refresh
from homeward.episodes.services.batch import EpisodeHistory, episodes_record
from homeward.episodes.services.interviews import (
    FINDINGS,
    NO_INTERVIEW_SERVICE,
    commissioned_service,
    return_interview_commission_set,
    return_interview_service_for,
    return_interview_update,
)
from homeward.episodes.services.lifecycle import (
    episode_add_police_reference,
    episode_add_update,
    episode_close,
    episode_grade_risk,
    episode_kind_change,
    episode_open,
    episode_open_with_profile,
    episode_record_found,
    episode_record_return,
    episode_record_safe_and_well,
    episodes_end_with_care,
)
from homeward.episodes.services.profiles import philomena_profile_save

__all__ = [
    "Conflict",
    "EpisodeHistory",
    "FINDINGS",
    "NO_INTERVIEW_SERVICE",
    "care_problem",
    "commissioned_service",
    "episode_add_police_reference",
    "episode_add_update",
    "episode_close",
    "episode_grade_risk",
    "episode_kind_change",
    "episode_open",
    "episode_open_with_profile",
    "episode_record_found",
    "episode_record_return",
    "episode_record_safe_and_well",
    "episodes_end_with_care",
    "episodes_record",
    "philomena_profile_save",
    "return_interview_commission_set",
    "return_interview_service_for",
    "return_interview_update",
    "start_placements_refresh",
]
