"""POST /api/v1/missing-lookup/ (issue 14, item 5): the missing look-up for force control rooms, by the
force's token or a signed-in session. The same service, the same limits: 403 for anyone not police,
400 {"field": [...]} for bad terms, 429 over the throttle. Every search is audited by the service."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from homeward.children.models import Sex
from homeward.episodes import lookup


class LookupIn(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="Why you are searching (recorded; the child's council sees it)"
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    age = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0, max_value=25)
    sex = serializers.ChoiceField(
        choices=[("", "Not known"), *Sex.choices],
        required=False,
        allow_blank=True,
        default="",
        help_text="SSDA903 codes: 1 male, 2 female",
    )
    where = serializers.CharField(max_length=16, required=False, allow_blank=True, default="", help_text="A postcode")
    nhs_number = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="The child's NHS number, when known: the consistent child identifier, matched exactly and first",
    )


class MatchOut(serializers.Serializer):
    episode_id = serializers.IntegerField()
    name = serializers.CharField()
    age = serializers.IntegerField()
    photo = serializers.SerializerMethodField(help_text="The photo's address (session only), or null")
    risk_grade = serializers.CharField()
    risk_graded_at = serializers.DateTimeField(allow_null=True)
    leading_force = serializers.CharField()
    leading_force_contact = serializers.CharField()
    responsible_council = serializers.CharField()
    responsible_council_contact = serializers.CharField()
    medical_needs = serializers.CharField()
    vulnerabilities = serializers.CharField()
    score = serializers.FloatField()
    why = serializers.ListField(child=serializers.CharField())

    def get_photo(self, match) -> str | None:
        return f"/police/missing-lookup/photo/{match.child_id}/" if match.has_photo else None


class LookupOut(serializers.Serializer):
    terms = serializers.DictField()
    result = serializers.CharField(help_text="matches, or no_open_missing_report")
    message = serializers.CharField()
    matches = MatchOut(many=True)


class MissingLookupApi(APIView):
    @extend_schema(
        request=LookupIn,
        responses={
            200: LookupOut,
            400: OpenApiResponse(description='Bad input: {"field": ["reason"]}.'),
            403: OpenApiResponse(description="Only police officers and call handlers may search."),
            429: OpenApiResponse(description="Too many searches by this person in the last 10 minutes."),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            lookup.lookup_allowed(user=request.user)
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        serializer = LookupIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            matches = lookup.missing_lookup(user=request.user, why="api-missing-lookup", **data)
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
            raise serializers.ValidationError(detail) from None
        except lookup.TooManySearches as error:
            return Response({"detail": str(error)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        terms = lookup.echo(
            **{key: data[key] for key in ("name", "date_of_birth", "age", "sex", "where", "nhs_number")}
        )
        return Response(
            {
                "terms": terms,
                "result": "matches" if matches else "no_open_missing_report",
                "message": "" if matches else lookup.NO_OPEN_MISSING_REPORT,
                "matches": MatchOut(matches, many=True).data,
            }
        )
