"""Loading the reference geography, and placing a postcode: host authority, police force, distance."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from homeward.agencies.models import Agency, AgencyKind
from homeward.places import postcodes, reference
from homeward.places.models import District


@transaction.atomic
def reference_data_load() -> dict[str, int]:
    """Create or update every council, police force and district from `reference`. Idempotent."""
    agencies = [Agency(code=code, kind=AgencyKind.LOCAL_AUTHORITY, name=name) for code, name in reference.authorities()]
    agencies += [Agency(code=code, kind=AgencyKind.POLICE, name=name) for code, name in reference.police_forces()]
    # One upsert keyed on the natural key (the ONS code) keeps a second load from duplicating rows
    # and keeps the ids that districts, users and children already point at.
    Agency.objects.bulk_create(agencies, update_conflicts=True, unique_fields=["code"], update_fields=["kind", "name"])
    agency_ids = dict(Agency.objects.filter(code__in=[agency.code for agency in agencies]).values_list("code", "id"))
    districts = [
        District(
            code=code,
            name=name,
            authority_id=agency_ids[authority_code],
            police_force_id=agency_ids[reference.force_for_authority(authority_code)],
        )
        for code, name, authority_code in reference.districts()
    ]
    District.objects.bulk_create(
        districts,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "authority", "police_force"],
    )
    return {
        "authorities": len(reference.authorities()),
        "police_forces": len(reference.police_forces()),
        "districts": len(districts),
    }


@dataclass(frozen=True)
class PlacementGeography:
    placement_postcode: str  # normalised, e.g. "B1 1AA"
    home_postcode: str  # normalised, or "" when not known
    district_code: str
    host_authority: Agency  # the council of the placement's district (Care Planning Regs 2010)
    police_force: Agency  # the force covering the placement: it takes any missing report there
    distance_miles: Decimal | None  # home to placement, to 0.1 mile; None without a home postcode


def _live_postcode(raw: str, *, field: str, errors: dict[str, str]) -> postcodes.Postcode | None:
    if not raw.strip():
        errors[field] = "Enter a postcode."
        return None
    if postcodes.normalise(raw) is None:
        errors[field] = f"“{raw.strip()}” is not a postcode. Enter a full UK postcode, like B1 1AA."
        return None
    found = postcodes.lookup(raw)
    if found is None:
        errors[field] = f"{postcodes.normalise(raw)} is not a live postcode in the ONS Postcode Directory."
    return found


def districts_by_code(placement_postcodes: Iterable[str] | None = None) -> dict[str, District]:
    """Districts with their council and force, in one query: for callers placing many postcodes.

    Given postcodes, only their districts (a single placement need not read all 330 of them with
    their councils and forces); without, every district (a whole import or world)."""
    districts = District.objects.select_related("authority", "police_force")
    if placement_postcodes is not None:
        found = (postcodes.lookup(raw) for raw in placement_postcodes)
        districts = districts.filter(code__in={place.district_code for place in found if place is not None})
    return {d.code: d for d in districts}


def placement_geography(
    *, placement_postcode: str, home_postcode: str = "", districts: Mapping[str, District] | None = None
) -> PlacementGeography:
    """Where a placement is: its district, host authority and police force, and how far from home.

    Distance is straight-line miles between postcode centroids, as the DfE derives SSDA903
    PL_DISTANCE. The home postcode only feeds the distance, so it may lie outside England and Wales.
    """
    errors: dict[str, str] = {}
    placement = _live_postcode(placement_postcode, field="placement_postcode", errors=errors)
    home = _live_postcode(home_postcode, field="home_postcode", errors=errors) if home_postcode.strip() else None
    district = None
    if placement is not None:
        if districts is not None:  # a bulk caller's districts_by_code(), read once
            district = districts.get(placement.district_code)
        else:
            district = (
                District.objects.select_related("authority", "police_force")
                .filter(code=placement.district_code)
                .first()
            )
        if district is None:
            # Scotland, Northern Ireland, the Channel Islands and the Isle of Man have no District;
            # in England and Wales it means the reference data has not been loaded.
            errors["placement_postcode"] = (
                f"{placement.postcode} is in district {placement.district_code}, which is not a "
                "local authority district in England or Wales known to Homeward."
            )
    if errors:
        raise ValidationError(errors)
    assert placement is not None and district is not None  # for type checkers: no errors means found

    distance = None
    if home is not None:
        miles = Decimal(str(postcodes.distance_miles(home, placement)))
        distance = miles.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return PlacementGeography(
        placement_postcode=placement.postcode,
        home_postcode=home.postcode if home else "",
        district_code=district.code,
        host_authority=district.authority,
        police_force=district.police_force,
        distance_miles=distance,
    )
