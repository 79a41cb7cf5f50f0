"""The missing look-up pages (issue 14): search open missing episodes from any force, see a match's
photo, record the child found. Each calls episodes.lookup, which holds every rule and audits."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from homeward.episodes import forms, lookup
from homeward.episodes.lookup_forms import FoundForm, LookupForm
from homeward.web.decorators import verified_login_required


def _why(request: HttpRequest) -> str:
    return request.resolver_match.view_name


@verified_login_required
@require_http_methods(["GET", "POST"])
def missing_lookup(request: HttpRequest) -> HttpResponse:
    already_seen = lookup.lookup_allowed(user=request.user)  # PermissionDenied for anyone not police
    form = LookupForm(request.POST or None)
    matches, searched, throttled = [], False, ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matches = lookup.missing_lookup(
                user=request.user,
                why=_why(request),
                reason=data["reason"],
                name=data["name"],
                date_of_birth=data["date_of_birth"],
                age=data["age"],
                sex=data["sex"],
                where=data["where"],
                nhs_number=data["nhs_number"],
            )
            searched = True
        except ValidationError as error:
            forms.add_service_errors(form, error)
        except lookup.TooManySearches as error:
            throttled = str(error)
    status = 429 if throttled else 200
    return render(
        request,
        "episodes/lookup.html",
        {
            "form": form,
            "matches": matches,
            "searched": searched,
            "throttled": throttled,
            "errors": forms.error_summary(form),
            "no_match": lookup.NO_OPEN_MISSING_REPORT,
            "already_seen": already_seen,
            "window_minutes": lookup.SEARCH_WINDOW.seconds // 60,
            "searches_allowed": lookup.SEARCHES_PER_WINDOW,
        },
        status=status,
    )


@verified_login_required
@require_GET
def missing_lookup_photo(request: HttpRequest, child_id: int) -> FileResponse:
    photo = lookup.lookup_photo(user=request.user, child_id=child_id, why=_why(request))
    response = FileResponse(photo.file, content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@verified_login_required
@require_http_methods(["GET", "POST"])
def missing_lookup_found(request: HttpRequest, episode_id: int) -> HttpResponse:
    user = request.user
    episode = lookup.matched_episode(user=user, episode_id=episode_id, why=_why(request))
    form = FoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lookup.missing_found(
                user=user,
                why=_why(request),
                episode_id=episode.pk,
                found_at=data["found_at"],
                found_where=data["found_where"],
                in_care_of=data["in_care_of"],
                postcode=data["postcode"],
                confirm_before_report=data["confirm_before_report"],
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{episode.child.full_name} is recorded as found. Their council, the home and the force "
                "that was leading the search have been told.",
            )
            # The return ends the finding force's reason to see the episode (agencies.access), as it
            # does for the force of the last known location: back to the look-up.
            return redirect("episodes:missing-lookup")
    return render(
        request,
        "episodes/lookup_found.html",
        {
            "episode": episode,
            "child": episode.child,
            "form": form,
            "errors": forms.error_summary(form),
        },
    )
