"""Who is told when an officer of any force records a missing child found (issue 14, item 3).

The return rule (alerts.rules.on_episode_returned) already tells the return interview service and
starts the interview's overdue clock; this tells the rest at once: the force that led the search,
the responsible council (its missing coordinators and the child's allocated social worker, or the
coordinators and team managers when nobody is allocated), the host council's missing coordinators,
and the home (the current placement's provider). DfE 2014: the responsible authority, the host
authority and the police must know of every return; the home takes the child back.
"""

from homeward.agencies.models import Role
from homeward.alerts.models import Urgency
from homeward.alerts.recipients import agency_staff, allocated, council_staff
from homeward.alerts.rules import _episode_link, _tell
from homeward.children.models import Placement

FOUND = "A child missing from care has been found by another police force"


def on_episode_found(sender, *, episode, leading_force=None, **kwargs) -> None:
    child = episode.child
    responsible = child.responsible_authority
    placement = (
        Placement.objects.current()
        .filter(child=child)
        .select_related("host_authority", "provider")
        .order_by("-start_date")
        .first()
    )
    host = placement.host_authority if placement else None
    provider = placement.provider if placement else None
    social_worker = allocated(child, "social_worker")
    council = [*council_staff(responsible, [Role.MISSING_COORDINATOR])]
    if social_worker is not None:
        council.append(social_worker)
    else:
        council.extend(council_staff(responsible, [Role.TEAM_MANAGER]))
    groups = [
        (council, Urgency.NORMAL, "A child you are responsible for has been found"),
        (
            agency_staff(leading_force, [Role.POLICE_COORDINATOR, Role.POLICE_OFFICER]) if leading_force else [],
            Urgency.NORMAL,
            "A child your force was looking for has been found",
        ),
    ]
    if host is not None and host.pk != responsible.pk:
        groups.append(
            (
                council_staff(host, [Role.MISSING_COORDINATOR]),
                Urgency.NORMAL,
                "A child placed in your area by another council has been found",
            )
        )
    if provider is not None:
        groups.append(
            (
                agency_staff(provider, [Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF]),
                Urgency.NORMAL,
                "A child missing from your home has been found",
            )
        )
    _tell("found_by_lookup", groups=groups, link=_episode_link(episode), child_id=child.pk, related=episode)


def connect() -> None:
    from homeward.episodes import signals

    signals.episode_found.connect(on_episode_found, dispatch_uid="alerts.found.episode_found")
