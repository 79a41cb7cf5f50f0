"""`homeward council-settings CODE`: a council's configuration, shown; with `--by USERNAME --set
SECTION.SETTING=VALUE ...`, changed by its administrator, audited (agencies.configuration).

Sections: `notification` (alert thresholds: escalate_after_hours, urgent_renotify_minutes,
urgent_escalate_minutes, repeat_missing), `safeguarding` (night_ends, long_missing_hours,
young_child_max_age, young_child_significant_is_high, meeting_requires) and `interview` (service: the
return interview service's agency code; host_service_out_of_area). Lists and objects are JSON:
    homeward council-settings E08000003 --by dcs-manchester --set notification.escalate_after_hours=[4,12,24]
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models

from homeward.agencies.configuration import settings_change, settings_fields
from homeward.agencies.models import Agency, AgencyKind, User
from homeward.alerts.selectors import notification_settings_for
from homeward.episodes.models import ReturnInterviewCommission
from homeward.safeguarding.selectors import safeguarding_settings_for

WHY = "council-settings command"


def _rows(council: Agency) -> dict[str, models.Model]:
    commission = ReturnInterviewCommission.objects.filter(council=council).first() or ReturnInterviewCommission(
        council=council
    )
    return {
        "notification": notification_settings_for(council),
        "safeguarding": safeguarding_settings_for(council),
        "interview": commission,
    }


def _value(field: models.Field, text: str):
    if isinstance(field, models.JSONField):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(f"{field.name}: not JSON ({error.msg}); e.g. [4, 12, 24]") from None
    if isinstance(field, models.ForeignKey):
        agency = Agency.objects.filter(code=text.strip().upper()).first()
        if agency is None:
            raise CommandError(f"{field.name}: no agency with code {text.strip()}")
        return agency
    return text


class Command(BaseCommand):
    help = (
        "Show a council's alert thresholds, safeguarding rules and interview service; change them with --by and --set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the council's ONS code")
        parser.add_argument(
            "--by", help="the administrator making the change (the council's Director or nominated officer)"
        )
        parser.add_argument("--set", action="append", default=[], metavar="SECTION.SETTING=VALUE")

    def handle(self, *args, code: str, by: str | None, set: list[str], **options) -> None:
        council = Agency.objects.filter(code=code.upper(), kind=AgencyKind.LOCAL_AUTHORITY).first()
        if council is None:
            raise CommandError(f"No council with code {code}")
        rows = _rows(council)
        if set:
            self._change(council, rows, by, set)
        for section, row in rows.items():
            for name, field in settings_fields(row).items():
                if isinstance(field, models.ForeignKey):  # an agency, by its code (none yet: null)
                    value = getattr(row, name).code if getattr(row, field.attname) is not None else None
                else:
                    value = getattr(row, name)
                self.stdout.write(f"{section}.{name}\t{json.dumps(value, default=str)}")

    def _change(self, council: Agency, rows: dict[str, models.Model], by: str | None, assignments: list[str]) -> None:
        if not by:
            raise CommandError("--by: name the administrator making the change (it is audited)")
        user = User.objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"--by: no active user {by}")
        changes: dict[str, dict] = {}
        for assignment in assignments:
            key, sep, text = assignment.partition("=")
            section, _, name = key.partition(".")
            if not sep or section not in rows or not name:
                raise CommandError(f"--set {assignment}: write SECTION.SETTING=VALUE, SECTION one of {', '.join(rows)}")
            field = settings_fields(rows[section]).get(name)
            changes.setdefault(section, {})[name] = _value(field, text) if field is not None else text
        if "interview" in changes and rows["interview"].service_id is None and "service" not in changes["interview"]:
            raise CommandError("interview: set interview.service (the service's agency code) first")
        for section, values in changes.items():
            try:
                changed = settings_change(user=user, why=WHY, authority=council, row=rows[section], changes=values)
            except PermissionDenied as refused:
                raise CommandError(str(refused)) from None
            except ValidationError as invalid:
                problems = invalid.message_dict if hasattr(invalid, "error_dict") else {"": invalid.messages}
                raise CommandError(
                    "; ".join(f"{section}.{name}: {' '.join(m)}" for name, m in problems.items())
                ) from None
            for name, (old, new) in changed.items():
                self.stderr.write(f"changed {section}.{name}: {old} -> {new}")
