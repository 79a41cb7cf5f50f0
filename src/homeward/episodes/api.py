"""The episodes API. Each endpoint validates its input and calls one service or selector.

Input and output serializers sit together here so the contract is visible in one place. Errors:
400 {"field": ["reason"]} for bad input (an unknown child is one: its existence is not revealed),
404 for an episode out of scope, 403 for an action the caller's role may not take.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from homeward import dates
from homeward.agencies.fields import Field, fields_visible
from homeward.episodes import clocks, selectors, services
from homeward.episodes.models import (
    EXPLOITATION_INDICATORS,
    FREE_UPDATE_KINDS,
    DeclineReason,
    InterviewStatus,
    Kind,
    ReturnHow,
    RiskGrade,
    UpdateKind,
)

# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


class PoliceReferenceOut(serializers.Serializer):
    force = serializers.CharField(source="force.code")
    reference = serializers.CharField()


class ReturnInterviewOut(serializers.Serializer):
    service = serializers.CharField(source="service.code")
    status = serializers.CharField(help_text="assigned, offered, accepted, declined or completed")
    assigned_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    offered_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    held_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    held_within_72_hours = serializers.BooleanField(allow_null=True)
    held_by = serializers.CharField()
    held_by_independent = serializers.BooleanField(
        allow_null=True, help_text="independent of the placement and the council"
    )
    declined_reason = serializers.CharField(help_text="blank unless declined: " + ", ".join(DeclineReason.values))
    declined_detail = serializers.CharField()
    missing_again_episode = serializers.IntegerField(
        source="missing_again_episode_id",
        allow_null=True,
        help_text="the episode the child went missing in before this interview was held",
    )


class FindingsOut(serializers.Serializer):
    why_went = serializers.CharField()
    where_and_with_whom = serializers.CharField()
    harm_suffered = serializers.CharField()
    exploitation_indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EXPLOITATION_INDICATORS.items()))
    )
    what_would_help = serializers.CharField()
    child_words = serializers.CharField(help_text="the child's own words, apart from the worker's account")


class ReturnInterviewWithFindingsOut(ReturnInterviewOut):
    findings = FindingsOut(source="*")


class EpisodeOut(serializers.Serializer):
    id = serializers.IntegerField()
    child = serializers.IntegerField(source="child_id")
    kind = serializers.ChoiceField(choices=Kind.choices)
    status = serializers.CharField(help_text="open, returned or closed")
    started_at = serializers.DateTimeField()
    left_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)
    reported_at = serializers.DateTimeField()
    reporting_agency = serializers.CharField(source="reporting_agency.code")
    client_reference = serializers.CharField()
    last_seen_location = serializers.CharField()
    last_seen_postcode = serializers.CharField()
    clothing = serializers.CharField()
    circumstances = serializers.CharField()
    out_of_character = serializers.BooleanField(allow_null=True)
    last_known_location = serializers.CharField()
    last_known_postcode = serializers.CharField()
    location_police_force = serializers.CharField(source="location_police_force.code", allow_null=True)
    risk_grade = serializers.ChoiceField(choices=[("", "Not yet graded"), *RiskGrade.choices])
    risk_graded_at = serializers.DateTimeField(allow_null=True)
    next_risk_review_at = serializers.SerializerMethodField()
    police_references = PoliceReferenceOut(many=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    return_how = serializers.CharField()
    found_by = serializers.CharField()
    return_place = serializers.CharField()
    return_postcode = serializers.CharField()
    safe_and_well_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    return_interview_due_at = serializers.DateTimeField(source="return_interview.due_at", allow_null=True)
    return_interview = ReturnInterviewOut(allow_null=True)

    def get_next_risk_review_at(self, episode) -> str | None:
        if not episode.is_open:
            return None
        due = clocks.next_risk_review(
            grade=episode.risk_grade, graded_at=episode.risk_graded_at, reported_at=episode.reported_at
        )
        return serializers.DateTimeField().to_representation(due)


class RiskGradingOut(serializers.Serializer):
    grade = serializers.CharField()
    graded_at = serializers.DateTimeField()
    graded_by = serializers.CharField(source="graded_by.username")
    agency = serializers.CharField(source="agency.code")
    source = serializers.CharField()
    rationale = serializers.CharField()


class KindChangeOut(serializers.Serializer):
    at = serializers.DateTimeField()
    from_kind = serializers.CharField()
    to_kind = serializers.CharField()


class UpdateOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=", ".join(UpdateKind.values))
    at = serializers.DateTimeField()
    by = serializers.CharField(source="by.username")
    agency = serializers.CharField(source="agency.code")
    text = serializers.CharField()
    location = serializers.CharField()
    postcode = serializers.CharField()


class EpisodeDetailOut(EpisodeOut):
    risk_gradings = RiskGradingOut(many=True)
    kind_changes = KindChangeOut(many=True)
    updates = UpdateOut(many=True)
    return_interview_findings = serializers.SerializerMethodField()

    @extend_schema_field(FindingsOut(allow_null=True))
    def get_return_interview_findings(self, episode) -> dict | None:
        # Only for this interview's service and the responsible authority (episodes.rules), and only
        # when the reader's reasons and role show findings at all (agencies.fields; context["shown"]).
        if (
            not getattr(episode, "interview_findings_visible", False)
            or Field.INTERVIEW_FINDINGS not in self.context["shown"]
        ):
            return None
        return FindingsOut(episode.return_interview).data


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


def _text(max_length: int | None = None) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length)


def _time() -> serializers.DateTimeField:
    return serializers.DateTimeField(required=False, allow_null=True, default=None)


class EpisodeIn(serializers.Serializer):
    child = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    started_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The later of left_at and last_seen_at; give it alone when those are not known separately.",
    )
    left_at = _time()
    last_seen_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Last seen by a responsible adult."
    )
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Defaults to now.")
    client_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text=(
            "Your system's own id for this report: a retry with the same one returns the same episode (200); "
            "the same one with another child, kind or start is refused (409)."
        ),
    )
    last_seen_location = _text(300)
    last_seen_postcode = _text(16)
    clothing = _text()
    circumstances = _text()
    out_of_character = serializers.BooleanField(required=False, allow_null=True, default=None)


class RiskIn(serializers.Serializer):
    risk_grade = serializers.ChoiceField(choices=RiskGrade.choices)
    source = serializers.CharField(max_length=300, help_text="Where the information for this grade came from.")
    rationale = _text()
    graded_at = _time()


class ReturnIn(serializers.Serializer):
    returned_at = serializers.DateTimeField()
    how = serializers.ChoiceField(choices=ReturnHow.choices, required=False, allow_blank=True, default="")
    found_by = _text(200)
    place = _text(300)
    postcode = _text(16)
    text = _text()
    confirm_before_report = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true when returned_at is earlier than the episode's reported_at and that is right; otherwise such a return is refused (400, naming returned_at).",
    )


class ReturnInterviewIn(serializers.Serializer):
    # Fields left out are left as they were.
    status = serializers.ChoiceField(choices=InterviewStatus.choices, required=False)
    offered_at = serializers.DateTimeField(required=False)
    held_at = serializers.DateTimeField(required=False)
    why_went = serializers.CharField(required=False, allow_blank=True)
    where_and_with_whom = serializers.CharField(required=False, allow_blank=True)
    harm_suffered = serializers.CharField(required=False, allow_blank=True)
    # Codes checked by the service, so an unknown one is named in a single message.
    exploitation_indicators = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Codes: " + ", ".join(EXPLOITATION_INDICATORS)
    )
    what_would_help = serializers.CharField(required=False, allow_blank=True)
    child_words = serializers.CharField(required=False, allow_blank=True)
    held_by = serializers.CharField(required=False, allow_blank=True)
    held_by_independent = serializers.BooleanField(required=False)
    # Checked by the service, so a missing or unknown reason is named in one message.
    declined_reason = serializers.CharField(required=False, allow_blank=True)
    declined_detail = serializers.CharField(required=False, allow_blank=True)


class PoliceReferenceIn(serializers.Serializer):
    reference = serializers.CharField(max_length=40)


class UpdateIn(serializers.Serializer):
    kind = serializers.CharField(help_text=", ".join(FREE_UPDATE_KINDS))
    text = _text()
    at = _time()
    location = _text(300)
    postcode = _text(16)


class KindChangeIn(serializers.Serializer):
    to_kind = serializers.CharField(help_text="missing or away")
    at = _time()
    text = _text()


class StepIn(serializers.Serializer):
    at = _time()
    text = _text()


# ---------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ConflictError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with what is already recorded."
    default_code = "conflict"


def _call(service, **kwargs):
    """Call a service; its ValidationError (naming the field) becomes a 400 with the same shape, or a
    409 when it is a Conflict (a retry under the same client_reference that is not the same report)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
        if isinstance(error, services.Conflict):
            raise ConflictError({name: list(messages) for name, messages in detail.items()}) from None
        if isinstance(error, dates.Unconfirmed):
            # The form asks with a checkbox; a client is told which boolean answers.
            detail[error.flag] = ["Send true if the time is right."]
        raise serializers.ValidationError(detail) from None


_NOT_FOUND = OpenApiResponse(description="No such episode (or not one you can see).")
_BAD = OpenApiResponse(description='Bad input: {"field": ["reason"]}.')


class EpisodePagination(PageNumberPagination):
    page_size = 50


class EpisodeListApi(APIView):
    # Named on the view so that the schema documents the paginated envelope the list answers with.
    pagination_class = EpisodePagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=list(selectors.STATUSES), description="open, returned, closed or all (default)"
            ),
            OpenApiParameter("page", int),
        ],
        responses={200: EpisodeOut(many=True), 400: _BAD},
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status", "all")
        if wanted not in selectors.STATUSES:
            raise serializers.ValidationError({"status": [f"Use one of {', '.join(selectors.STATUSES)}."]})
        paginator = self.pagination_class()
        page = selectors.episode_list(
            user=request.user,
            why="api:episodes-list",
            status=wanted,
            page=request.query_params.get("page", 1),
            per_page=paginator.page_size,
        )
        # Hand DRF the page already fetched (and audited) so it renders the usual envelope.
        paginator.page, paginator.request = page, request
        return paginator.get_paginated_response(EpisodeOut(page.object_list, many=True).data)

    @extend_schema(
        request=EpisodeIn,
        responses={
            201: EpisodeOut,
            200: OpenApiResponse(EpisodeOut, description="A retry: this client_reference already made this episode."),
            400: _BAD,
            409: OpenApiResponse(
                description=(
                    'This client_reference already made a report that differs in child, kind or start: {"field": ["reason"]}.'
                )
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = _valid(EpisodeIn, request)
        episode, created = _call(services.episode_open, user=request.user, why="api:episodes-create", **data)
        return Response(EpisodeOut(episode).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class EpisodeDetailApi(APIView):
    @extend_schema(responses={200: EpisodeDetailOut, 404: _NOT_FOUND})
    def get(self, request: Request, episode_id: int) -> Response:
        episode = selectors.episode_get(user=request.user, episode_id=episode_id, why="api:episode-detail")
        shown = fields_visible(user=request.user, child=episode.child)
        return Response(EpisodeDetailOut(episode, context={"shown": shown}).data)


class EpisodeRiskApi(APIView):
    @extend_schema(request=RiskIn, responses={200: EpisodeOut, 400: _BAD, 404: _NOT_FOUND})
    def post(self, request: Request, episode_id: int) -> Response:
        data = _valid(RiskIn, request)
        episode = _call(
            services.episode_grade_risk, user=request.user, why="api:episode-risk", episode=episode_id, **data
        )
        return Response(EpisodeOut(episode).data)


class EpisodeReturnApi(APIView):
    @extend_schema(request=ReturnIn, responses={200: EpisodeOut, 400: _BAD, 404: _NOT_FOUND})
    def post(self, request: Request, episode_id: int) -> Response:
        data = _valid(ReturnIn, request)
        episode = _call(
            services.episode_record_return, user=request.user, why="api:episode-return", episode=episode_id, **data
        )
        return Response(EpisodeOut(episode).data)


class EpisodeReturnInterviewApi(APIView):
    @extend_schema(
        request=ReturnInterviewIn, responses={200: ReturnInterviewWithFindingsOut, 400: _BAD, 404: _NOT_FOUND}
    )
    def post(self, request: Request, episode_id: int) -> Response:
        data = _valid(ReturnInterviewIn, request)
        interview = _call(
            services.return_interview_update,
            user=request.user,
            why="api:episode-return-interview",
            episode=episode_id,
            **data,
        )
        # Whoever may record the findings may read them back (episodes.rules).
        return Response(ReturnInterviewWithFindingsOut(interview).data)


class EpisodePoliceReferenceApi(APIView):
    @extend_schema(request=PoliceReferenceIn, responses={200: EpisodeOut, 400: _BAD, 404: _NOT_FOUND})
    def post(self, request: Request, episode_id: int) -> Response:
        data = _valid(PoliceReferenceIn, request)
        episode = _call(
            services.episode_add_police_reference,
            user=request.user,
            why="api:episode-police-reference",
            episode=episode_id,
            **data,
        )
        return Response(EpisodeOut(episode).data)


class EpisodeUpdatesApi(APIView):
    @extend_schema(request=UpdateIn, responses={201: UpdateOut, 400: _BAD, 404: _NOT_FOUND})
    def post(self, request: Request, episode_id: int) -> Response:
        data = _valid(UpdateIn, request)
        update = _call(
            services.episode_add_update, user=request.user, why="api:episode-updates", episode=episode_id, **data
        )
        return Response(UpdateOut(update).data, status=status.HTTP_201_CREATED)


class EpisodeKindApi(APIView):
    @extend_schema(request=KindChangeIn, responses={200: EpisodeOut, 400: _BAD, 404: _NOT_FOUND})
    def post(self, request: Request, episode_id: int) -> Response:
        data = _valid(KindChangeIn, request)
        episode = _call(
            services.episode_kind_change, user=request.user, why="api:episode-kind", episode=episode_id, **data
        )
        return Response(EpisodeOut(episode).data)


class EpisodeSafeAndWellApi(APIView):
    @extend_schema(request=StepIn, responses={200: EpisodeOut, 400: _BAD, 404: _NOT_FOUND})
    def post(self, request: Request, episode_id: int) -> Response:
        data = _valid(StepIn, request)
        episode = _call(
            services.episode_record_safe_and_well,
            user=request.user,
            why="api:episode-safe-and-well",
            episode=episode_id,
            **data,
        )
        return Response(EpisodeOut(episode).data)


class EpisodeCloseApi(APIView):
    @extend_schema(request=StepIn, responses={200: EpisodeOut, 400: _BAD, 404: _NOT_FOUND})
    def post(self, request: Request, episode_id: int) -> Response:
        data = _valid(StepIn, request)
        episode = _call(services.episode_close, user=request.user, why="api:episode-close", episode=episode_id, **data)
        return Response(EpisodeOut(episode).data)
