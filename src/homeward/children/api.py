"""The children API: scoped by the access function, audited by the selectors."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from homeward.agencies.fields import Field, fields_visible, fields_visible_many, placements_visible
from homeward.children.selectors import child_get, child_search

# Output fields each left out unless the reader's reasons show their part of the record
# (agencies.fields); `id`, `responsible_authority` and `placements` name no one and are always there.
CHILD_FIELDS = {
    "first_name": Field.IDENTITY,
    "last_name": Field.IDENTITY,
    "other_names": Field.IDENTITY,
    "date_of_birth": Field.IDENTITY,
    "sex": Field.IDENTITY,
    "ethnicity": Field.IDENTITY,
    "la_child_id": Field.IDENTITY,
    "upn": Field.IDENTIFIERS,
    "nhs_number": Field.IDENTIFIERS,
}
PLACEMENT_FIELDS = {"home_postcode": Field.FAMILY_HOME}
_WITHHELD = "Left out unless your reasons to see the child show it."


def _drop_withheld(data: dict, groups: dict[str, Field], shown: frozenset[Field]) -> dict:
    for name, group in groups.items():
        if group not in shown:
            del data[name]
    return data


class PlacementOut(serializers.Serializer):
    id = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    placement_type = serializers.CharField()
    provider_type = serializers.CharField()
    provider = serializers.CharField(source="provider.code", allow_null=True, default=None)
    urn = serializers.CharField()
    placement_postcode = serializers.CharField()
    home_postcode = serializers.CharField(required=False, help_text=_WITHHELD)
    host_authority = serializers.CharField(source="host_authority.code", allow_null=True, default=None)
    police_force = serializers.CharField(source="police_force.code", allow_null=True, default=None)
    distance_miles = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)

    def to_representation(self, placement) -> dict:
        return _drop_withheld(super().to_representation(placement), PLACEMENT_FIELDS, self.context["shown"])


class OtherNameOut(serializers.Serializer):
    kind = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class ChildOut(serializers.Serializer):
    """Needs context["shown"]: child id -> the fields shown (agencies.fields.fields_visible_many)."""

    id = serializers.IntegerField()
    responsible_authority = serializers.CharField(source="responsible_authority.code")
    first_name = serializers.CharField(required=False, help_text=_WITHHELD)
    last_name = serializers.CharField(required=False, help_text=_WITHHELD)
    other_names = OtherNameOut(many=True, required=False, help_text=_WITHHELD)
    date_of_birth = serializers.DateField(required=False, help_text=_WITHHELD)
    sex = serializers.CharField(required=False, help_text=_WITHHELD)
    ethnicity = serializers.CharField(required=False, help_text=_WITHHELD)
    la_child_id = serializers.CharField(required=False, help_text=_WITHHELD)
    upn = serializers.CharField(required=False, help_text=_WITHHELD)
    nhs_number = serializers.CharField(required=False, help_text=_WITHHELD)
    placements = serializers.SerializerMethodField(
        help_text="The current placement, and ended ones where your reasons show them."
    )

    def to_representation(self, child) -> dict:
        return _drop_withheld(super().to_representation(child), CHILD_FIELDS, self.context["shown"][child.pk])

    @extend_schema_field(PlacementOut(many=True))
    def get_placements(self, child) -> list[dict]:
        shown = self.context["shown"][child.pk]
        placements = placements_visible(placements=child.placements.all(), fields=shown, today=timezone.localdate())
        return PlacementOut(placements, many=True, context={"shown": shown}).data


class ChildPagination(PageNumberPagination):
    page_size = 50


class ChildListApi(APIView):
    # Named on the view so that the schema documents the paginated envelope the list answers with.
    pagination_class = ChildPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="name, alias, council child id, UPN, NHS number or dd/mm/yyyy"),
            OpenApiParameter("page", int),
        ],
        responses=ChildOut(many=True),
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
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
        shown = fields_visible_many(user=request.user, children=page.object_list)
        return paginator.get_paginated_response(ChildOut(page.object_list, many=True, context={"shown": shown}).data)


class ChildDetailApi(APIView):
    @extend_schema(responses=ChildOut)
    def get(self, request: Request, child_id: int) -> Response:
        child = child_get(user=request.user, child_id=child_id, why="api:child-detail")
        shown = {child.pk: fields_visible(user=request.user, child=child)}
        return Response(ChildOut(child, context={"shown": shown}).data)
