"""The children API: scoped by the access function, audited by the selectors."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from homeward.children.selectors import child_get, child_search


class PlacementOut(serializers.Serializer):
    id = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    placement_type = serializers.CharField()
    provider_type = serializers.CharField()
    provider = serializers.CharField(source="provider.code", allow_null=True, default=None)
    urn = serializers.CharField()
    placement_postcode = serializers.CharField()
    home_postcode = serializers.CharField()
    host_authority = serializers.CharField(source="host_authority.code", allow_null=True, default=None)
    police_force = serializers.CharField(source="police_force.code", allow_null=True, default=None)
    distance_miles = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)


class OtherNameOut(serializers.Serializer):
    kind = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class ChildOut(serializers.Serializer):
    id = serializers.IntegerField()
    responsible_authority = serializers.CharField(source="responsible_authority.code")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    other_names = OtherNameOut(many=True)
    date_of_birth = serializers.DateField()
    sex = serializers.CharField()
    ethnicity = serializers.CharField()
    la_child_id = serializers.CharField()
    upn = serializers.CharField()
    nhs_number = serializers.CharField()
    placements = PlacementOut(many=True)


class ChildPagination(PageNumberPagination):
    page_size = 50


class ChildListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="name, alias, council child id, UPN, NHS number or dd/mm/yyyy"),
            OpenApiParameter("page", int),
        ],
        responses=ChildOut(many=True),
    )
    def get(self, request: Request) -> Response:
        paginator = ChildPagination()
        page = child_search(
            user=request.user,
            why="api:children-list",
            query=request.query_params.get("q", ""),
            page=request.query_params.get("page", 1),
            per_page=paginator.page_size,
        )
        # Hand DRF the page we already fetched (and audited) so it renders the usual envelope.
        paginator.page = page
        paginator.request = request
        return paginator.get_paginated_response(ChildOut(page.object_list, many=True).data)


class ChildDetailApi(APIView):
    @extend_schema(responses=ChildOut)
    def get(self, request: Request, child_id: int) -> Response:
        child = child_get(user=request.user, child_id=child_id, why="api:child-detail")
        return Response(ChildOut(child).data)
