"""A council's configuration, changed by the council's administrator and audited (issue 12: each
setting has a door): its alert thresholds (alerts.NotificationSettings), its safeguarding rules
(safeguarding.SafeguardingSettings) and the return interview service it commissions
(episodes.ReturnInterviewCommission). One function changes any of these rows: the row's own
validation decides what is allowed, and every change is entered in the audit log with its old and
new value. The door is `homeward council-settings` (agencies/management/commands)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from homeward.agencies.models import Agency, AgencyKind
from homeward.agencies.permissions import Permission, may
from homeward.audit.models import Action
from homeward.audit.services import audit_record

NOT_SETTINGS = frozenset({"id", "authority", "council", "updated_at"})


def may_configure(user, authority: Agency) -> bool:
    return (
        user.is_authenticated
        and user.agency_id == authority.pk
        and authority.kind == AgencyKind.LOCAL_AUTHORITY
        and may(user, Permission.CONFIGURE_COUNCIL)
    )


def settings_fields(row: models.Model) -> dict[str, models.Field]:
    """The settings a council may change on this row, by name."""
    return {f.name: f for f in row._meta.concrete_fields if f.editable and f.name not in NOT_SETTINGS}


def _current(row: models.Model, field: models.Field):
    # A foreign key not yet set has no object to read (the commission's service, before the first).
    if isinstance(field, models.ForeignKey) and getattr(row, field.attname) is None:
        return None
    return getattr(row, field.name)


def _shown(value) -> object:
    return (
        value.code
        if isinstance(value, Agency)
        else value
        if isinstance(value, bool | int | list | dict | None)
        else str(value)
    )


@transaction.atomic
def settings_change(
    *, user, why: str, authority: Agency, row: models.Model, changes: dict[str, object]
) -> dict[str, tuple]:
    """Apply `changes` (setting -> value; text is read as the field reads a form's text) to the
    council's row, saving it (a council on the defaults gets its own row). Returns setting ->
    (old, new). PermissionDenied unless `user` administers the council; ValidationError naming the
    setting for an unknown one or a value the row refuses."""
    if not may_configure(user, authority):
        raise PermissionDenied(
            "Only the council's Director of Children's Services or nominated officer changes its settings."
        )
    fields = settings_fields(row)
    unknown = [name for name in changes if name not in fields]
    if unknown:
        raise ValidationError(
            {name: f"Not a setting here: use one of {', '.join(sorted(fields))}." for name in unknown}
        )
    before = {name: _current(row, fields[name]) for name in changes}
    for name, value in changes.items():
        field = fields[name]
        try:
            setattr(
                row, name, value if isinstance(field, models.ForeignKey | models.JSONField) else field.to_python(value)
            )
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None
    row.full_clean(exclude=[f for f in ("authority", "council") if hasattr(row, f)])
    row.save()
    changed = {name: (before[name], _current(row, fields[name])) for name in changes}
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type=row._meta.model_name,
        object_id=authority.code,
        why=why,
        detail={name: [_shown(old), _shown(new)] for name, (old, new) in changed.items()},
    )
    return changed
