"""The alerts API: the caller's own inbox and acknowledging an alert in it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from homeward.alerts.selectors import inbox
from homeward.alerts.services import alert_acknowledge


class AlertOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    urgency = serializers.CharField()
    subject = serializers.CharField()
    link = serializers.CharField()
    child_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)


class AlertListApi(APIView):
    # Named on the view so that the schema documents the paginated envelope the list answers with.
    pagination_class = PageNumberPagination

    @extend_schema(responses=AlertOut(many=True))
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(inbox(request.user), request, view=self)
        return paginator.get_paginated_response(AlertOut(page, many=True).data)


class AlertAcknowledgeApi(APIView):
    @extend_schema(request=None, responses=AlertOut)
    def post(self, request: Request, alert_id: int) -> Response:
        alert = alert_acknowledge(user=request.user, alert_id=alert_id, why="api:alert-acknowledge")
        return Response(AlertOut(alert).data)
