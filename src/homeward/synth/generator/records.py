"""The world's records: children, names, placements, providers, episodes and what happens in them."""

import datetime
from dataclasses import dataclass, field


GENERATOR_VERSION = 3  # bump when the same seed would give a different world


CHILDRENS_HOME = "childrens_home"
SECURE_HOME = "secure_childrens_home"
SUPPORTED_ACCOMMODATION = "supported_accommodation"
FOSTERING_AGENCY = "fostering_agency"


@dataclass
class Provider:
    urn: str  # Ofsted URN: the provider's natural key and its Agency code
    name: str
    kind: str  # one of the four kinds above
    sector: str  # "la" (run by a council), "private" or "voluntary"
    owner_authority: str  # the council that runs it, for sector "la"
    postcode: str
    authority: str = ""  # the council whose area it is in: derived, not written out


@dataclass
class Child:
    responsible_authority: str  # ONS code of the council that looks after the child
    la_child_id: str  # SSDA903 CHILD
    first_name: str
    last_name: str
    sex: str  # SSDA903 SEX: 1 male, 2 female
    date_of_birth: datetime.date
    ethnicity: str  # SSDA903 ETHNIC
    upn: str
    nhs_number: str
    home_postcode: str  # the family home (SSDA903 HOME_POST)


@dataclass
class ChildName:
    responsible_authority: str
    la_child_id: str
    kind: str  # alias, nickname or previous (children.models.ChildName.Kind)
    first_name: str
    last_name: str


@dataclass
class Placement:
    responsible_authority: str
    la_child_id: str
    start_date: datetime.date  # SSDA903 DECOM
    end_date: datetime.date | None  # SSDA903 DEC; None for the current placement
    placement_type: str  # SSDA903 PLACE
    provider_type: str  # SSDA903 PLACE_PROVIDER
    urn: str  # the provider's URN, when the placement is with a registered provider
    placement_postcode: str  # SSDA903 PL_POST
    home_postcode: str  # SSDA903 HOME_POST


# Episodes and what happens in them. Times are UTC, to the minute. An episode's natural key is its
# child (responsible_authority, la_child_id) and started_at; the records that belong to an episode
# carry that key. Agencies are named by code: a provider's URN, a council's or a police force's ONS
# code, "RHI-<council code>" for a council's return interview service.


@dataclass(slots=True)
class Episode:
    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # SSDA903 MIS_START: left, or last seen by a responsible adult
    kind: str  # missing or away (SSDA903 M / A) at the end; switches are in kind_changes
    reported_at: datetime.datetime
    reporting_agency: str  # the placement's provider, or the responsible council (its own carers)
    last_seen_location: str
    last_seen_postcode: str  # blank when not known
    clothing: str
    circumstances: str
    out_of_character: bool | None
    # The force that took the report (that of the place last seen, else of the placement), its own
    # reference and when it was told; all blank for an episode the police never heard of.
    police_force: str
    police_reference: str
    police_reported_at: datetime.datetime | None
    returned_at: datetime.datetime | None  # SSDA903 MIS_END; None: still missing or away on the snapshot day
    return_how: str  # episodes.models.ReturnHow
    found_by: str
    return_place: str
    return_postcode: str
    return_recorded_by: str  # the agency that recorded the return
    safe_and_well_at: datetime.datetime | None  # the police check, for episodes reported to them
    closed_at: datetime.datetime | None
    closed_by: str


@dataclass(slots=True)
class RiskGrading:
    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    graded_at: datetime.datetime
    grade: str  # no_apparent_risk, low, medium or high (APP 2017)
    force: str
    source: str
    rationale: str


@dataclass(slots=True)
class KindChange:
    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    at: datetime.datetime
    from_kind: str
    to_kind: str
    agency: str  # who recorded the switch


@dataclass(slots=True)
class EpisodeNote:
    """A sighting, an enquiry made or a note, added while the child is away."""

    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    at: datetime.datetime
    kind: str  # sighting, enquiry or note
    agency: str
    text: str
    location: str
    postcode: str


@dataclass(slots=True)
class ReturnInterview:
    """The return home interview after a return: assigned, then offered (or never), then accepted,
    declined or held. A time is blank when that step has not happened by the snapshot."""

    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    service: str  # "RHI-<council code>"
    assigned_at: datetime.datetime
    status: str  # episodes.models.InterviewStatus
    offered_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    held_at: datetime.datetime | None
    closed_at: datetime.datetime | None  # when completed or declined
    why_went: str
    where_and_with_whom: str
    harm_suffered: str
    exploitation_indicators: str  # codes (episodes.models.EXPLOITATION_INDICATORS), space-separated
    what_would_help: str
    declined_reason: str  # episodes.models.DeclineReason, when declined


@dataclass
class World:
    seed: int
    children_wanted: int
    as_at: datetime.date  # the snapshot day: 31 March, as in the SSDA903 return, or today for the demo
    years: int = 1  # years of episodes, ending on the snapshot day
    # The moment the world runs up to, on the snapshot day (the demo's "now"); None: the day's end.
    until: datetime.datetime | None = None
    providers: list[Provider] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    child_names: list[ChildName] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    risk_gradings: list[RiskGrading] = field(default_factory=list)
    kind_changes: list[KindChange] = field(default_factory=list)
    episode_notes: list[EpisodeNote] = field(default_factory=list)
    return_interviews: list[ReturnInterview] = field(default_factory=list)
    # Later steps add their records here (police reports, SSDA903 files).


def default_as_at(today: datetime.date | None = None) -> datetime.date:
    """The latest 31 March on or before today: the day the DfE counts children looked after."""
    today = today or datetime.date.today()
    year = today.year if (today.month, today.day) >= (3, 31) else today.year - 1
    return datetime.date(year, 3, 31)
