from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from homeward.agencies.models import User
from homeward.language.selectors import phrase_patterns


class Command(BaseCommand):
    help = (
        "How often the language guide's phrases were shown to writers, and then reworded or kept, per month, "
        "agency and family, as the named manager may see them: homeward language-patterns USERNAME. Counts "
        "only, never a person."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the manager asking (their agency decides what is shown)")

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}")
        try:
            rows = phrase_patterns(user=user)
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write("month\tagency\tfamily\tshown\treworded\tkept")
        for row in rows:
            self.stdout.write(
                f"{row['month']:%Y-%m}\t{row['agency']}\t{row['family']}\t{row['shown']}\t{row['reworded']}\t{row['kept']}"
            )
