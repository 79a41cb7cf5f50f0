"""The placement check API: run a check before placing (POST) and read one back (GET). Scoped by the
access function through the selectors; the same service as the page."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from homeward.agencies.models import Agency, AgencyKind
from homeward.children.selectors import child_get
from homeward.scrutiny import selectors, services


class CheckIn(serializers.Serializer):
    child_id = serializers.IntegerField()
    start_date = serializers.DateField()
    placement_type = serializers.CharField(max_length=2)
    placement_postcode = serializers.CharField(max_length=10)
    home_postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    urn = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    emergency = serializers.BooleanField(required=False, default=False)


class RequirementOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    due_on = serializers.DateField()
    done_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    reasons = serializers.CharField()
    responded_at = serializers.DateTimeField(allow_null=True)
    response = serializers.CharField()


class CheckOut(serializers.Serializer):
    id = serializers.IntegerField()
    child_id = serializers.IntegerField()
    placement_id = serializers.IntegerField(allow_null=True)
    start_date = serializers.DateField()
    emergency = serializers.BooleanField()
    placement_type = serializers.CharField()
    provider = serializers.CharField(source="provider.code", allow_null=True, default=None)
    placement_postcode = serializers.CharField()
    host_authority = serializers.CharField(source="host_authority.code")
    police_force = serializers.CharField(source="police_force.code")
    relation = serializers.CharField()
    distance_miles = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    requirements = RequirementOut(many=True, source="requirements.all")
    findings = serializers.JSONField()
    run_at = serializers.DateTimeField()


_BAD = OpenApiResponse(description='Bad input: {"field": ["reason"]}.')
_NOT_FOUND = OpenApiResponse(description="No such child or check (or not one you can see).")


class CheckListApi(APIView):
    @extend_schema(
        request=CheckIn,
        responses={
            201: CheckOut,
            400: _BAD,
            403: OpenApiResponse(description="Not the child's council."),
            404: _NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = CheckIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        child = child_get(user=request.user, child_id=data.pop("child_id"), why="api:placement-check")
        urn = data.pop("urn").strip().upper()
        provider = Agency.objects.filter(kind=AgencyKind.PROVIDER, code=urn).first() if urn else None
        if urn and provider is None:
            raise serializers.ValidationError(
                {"urn": [f"No children's home or provider with URN {urn} is known to Homeward."]}
            )
        try:
            check = services.placement_check_run(
                user=request.user, why="api:placement-check", child=child, provider=provider, **data
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
            ) from None
        return Response(
            CheckOut(selectors.check_get(user=request.user, check_id=check.pk, why="api:placement-check")).data,
            status=status.HTTP_201_CREATED,
        )


class CheckDetailApi(APIView):
    @extend_schema(responses={200: CheckOut, 404: _NOT_FOUND})
    def get(self, request: Request, check_id: int) -> Response:
        return Response(
            CheckOut(selectors.check_get(user=request.user, check_id=check_id, why="api:placement-check-detail")).data
        )
