from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from homeward.agencies.models import User
from homeward.language.services import guide_entry_retire, guide_entry_save


class Command(BaseCommand):
    help = (
        "Add, change or retire an entry in a council's own language guide, as one of its managers: "
        "homeward language-entry USERNAME KEY --label L --pattern P [--pattern P] --why W --instead I [--instead I], "
        "or homeward language-entry USERNAME KEY --retire. Each change is a new version, audited."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the council manager making the change")
        parser.add_argument("key", help="the entry's short name, e.g. nuisance")
        parser.add_argument("--label", default="", help="the words the entry is about, as the writer will see them")
        parser.add_argument(
            "--pattern", action="append", default=[], help="a pattern (language/guide.py's pattern language)"
        )
        parser.add_argument("--why", default="", help="why these words harm")
        parser.add_argument("--instead", action="append", default=[], help="something to write instead")
        parser.add_argument("--retire", action="store_true", help="stop using the entry (kept on record)")

    def handle(self, *args, username: str, key: str, **options) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}")
        try:
            if options["retire"]:
                entry = guide_entry_retire(user=user, key=key)
            else:
                entry = guide_entry_save(
                    user=user,
                    key=key,
                    label=options["label"],
                    patterns="\n".join(options["pattern"]),
                    why=options["why"],
                    instead="\n".join(options["instead"]),
                )
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from None
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
            ) from None
        state = "in use" if entry.active else "retired"
        self.stdout.write(f"{entry.agency.code}\t{entry.key}\tversion {entry.version}\t{state}")
