"""The police feed: force systems post missing-person reports (format: returns/POLICE_FORMAT.md).

The force is the token's agency, never the body's. Posting a report again is safe: the force's
reference is the key, so a correction updates the report in place and a repeat changes nothing.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from homeward.returns import police, services
from homeward.returns.models import PoliceReport


class RiskGradingIn(serializers.Serializer):
    grade = serializers.CharField(help_text="no_apparent_risk (or very low, absent, nar), low, medium, high")
    graded_at = serializers.CharField(help_text="ISO 8601 date and time")
    source = serializers.CharField(required=False, allow_blank=True)
    rationale = serializers.CharField(required=False, allow_blank=True)


def _field_in(spec: police.Field) -> serializers.Field:
    # Documentation of the contract only: values are checked by returns.police.report_parse, the
    # same checks a file import makes, so both doors accept exactly the same reports.
    options = {"required": spec.required, "allow_null": not spec.required}
    if spec.type == "risk_history":
        return RiskGradingIn(many=True, required=False)
    if spec.type == "bool":
        return serializers.BooleanField(required=False, allow_null=True)
    if spec.type in ("date", "datetime"):
        return serializers.CharField(
            help_text="yyyy-mm-dd" if spec.type == "date" else "ISO 8601 date and time", **options
        )
    return serializers.CharField(max_length=spec.max_length, allow_blank=not spec.required, **options)


PoliceReportIn = type(
    "PoliceReportIn", (serializers.Serializer,), {spec.name: _field_in(spec) for spec in police.FIELDS}
)


class PoliceReportOut(serializers.ModelSerializer):
    force = serializers.CharField(source="force.code")

    class Meta:
        model = PoliceReport
        fields = ["id", "force", *police.FIELD_NAMES, "created_at", "updated_at"]


class PoliceReportResultOut(serializers.Serializer):
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])
    report = PoliceReportOut()


class PoliceReportApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=PoliceReportIn,
        responses={
            201: PoliceReportResultOut,
            200: OpenApiResponse(
                PoliceReportResultOut, description="This reference was already here: updated or unchanged."
            ),
            400: OpenApiResponse(description='Bad input: {"field": ["reason"]}.'),
            403: OpenApiResponse(description="Not a police force's token."),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            # A caller that is not a police force gets 403 (PermissionDenied) from the service.
            report, result = services.police_report_submit(
                user=request.user, why="api:police-reports", data=request.data
            )
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
            raise serializers.ValidationError(detail) from None
        return Response(
            {"result": result, "report": PoliceReportOut(report).data},
            status=status.HTTP_201_CREATED if result == "created" else status.HTTP_200_OK,
        )
