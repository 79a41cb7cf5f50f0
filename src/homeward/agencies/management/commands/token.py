from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from homeward.agencies.models import ApiToken
from homeward.agencies.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API bearer tokens for agency systems."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new token for a service account of AGENCY in ROLE")
        create.add_argument("--agency", required=True, help="agency code, e.g. E23000005")
        create.add_argument("--role", required=True)
        revoke = sub.add_parser(
            "revoke",
            help="revoke the token(s) with this prefix",
            description="Revoke the live token(s) with this prefix. Prefixes made now are hexadecimal; one made "
            "before that may start with '-', which would read as an option: give it after '--' "
            "(homeward token revoke -- -abc12345) or as --prefix=-abc12345.",
        )
        revoke.add_argument("prefix", nargs="?", help="the prefix `token create` printed")
        revoke.add_argument(
            "--prefix", dest="prefix_option", metavar="PREFIX", help="the same, for a prefix starting with '-'"
        )
        sub.add_parser("list", help="list tokens (prefix, account, created, last used, revoked)")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                token, raw = api_token_create(agency_code=options["agency"], role=options["role"])
            except ValidationError as error:
                raise CommandError(
                    "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
                ) from None
            # The token alone on stdout (TOKEN=$(homeward token create ...)); the rest on stderr.
            self.stdout.write(raw)
            self.stderr.write(
                f"Token for {token.user.username}, shown once; only its hash is kept.\n"
                f"prefix {token.prefix}   (revoke it with: homeward token revoke {token.prefix})"
            )
        elif action == "revoke":
            prefix = self._prefix(options["prefix"], options["prefix_option"])
            count = api_token_revoke(prefix=prefix)
            if not count:
                raise CommandError(f"No live token with prefix '{prefix}'.")
            self.stdout.write(f"Revoked {count} token(s).")
        else:
            for token in ApiToken.objects.select_related("user").order_by("created_at"):
                self.stdout.write(
                    "\t".join(
                        [
                            token.prefix,
                            token.user.username,
                            token.created_at.isoformat(),
                            token.last_used_at.isoformat() if token.last_used_at else "-",
                            token.revoked_at.isoformat() if token.revoked_at else "live",
                        ]
                    )
                )

    @staticmethod
    def _prefix(positional: str | None, option: str | None) -> str:
        if positional is not None and option is not None:
            raise CommandError("Give the prefix either after 'revoke' or as --prefix, not both.")
        if positional is None and option is None:
            raise CommandError(
                "Give the prefix `token create` printed: homeward token revoke PREFIX "
                "(one starting with '-': homeward token revoke -- -abc12345, or --prefix=-abc12345)."
            )
        return positional if positional is not None else option
