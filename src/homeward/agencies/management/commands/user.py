"""`homeward user create --agency CODE --role ROLE --username U [--email E] [--team T]`: a person's
account. `homeward user team U T` moves a person to a team of their agency ("" for none).

Prints a new random password, shown once, unless HOMEWARD_NEW_PASSWORD holds the one to set (then
nothing secret is printed). The person also needs a second factor: `homeward otp enrol U`.
"""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from homeward.agencies.services import user_create, user_team_set

PASSWORD_VARIABLE = "HOMEWARD_NEW_PASSWORD"


def command_error(error: ValidationError) -> CommandError:
    return CommandError("; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()))


class Command(BaseCommand):
    help = "Create a person's account at an agency, in a role that agency's kind allows."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create",
            help="create an account and print its password (or set the one in HOMEWARD_NEW_PASSWORD)",
            description=f"Create an account. The password is {PASSWORD_VARIABLE} if set, else a random one printed once.",
        )
        create.add_argument("--agency", required=True, help="agency code, e.g. E08000003 (see `homeward agencies`)")
        create.add_argument("--role", required=True, help="e.g. social_worker, police_officer, provider_manager")
        create.add_argument("--username", required=True)
        create.add_argument("--email", default="", help="where alert emails go")
        create.add_argument("--team", default="", help="their team in the agency, as the agency names it")
        team = sub.add_parser("team", help="put a person in a team of their agency (audited)")
        team.add_argument("username")
        team.add_argument("team", help='the team\'s name, or "" for none')

    def handle(self, *args, action: str, **options) -> None:
        if action == "team":
            try:
                user = user_team_set(by=None, username=options["username"], team=options["team"])
            except ValidationError as error:
                raise command_error(error) from None
            self.stdout.write(
                f"{user.username} is now in team '{user.team}'." if user.team else f"{user.username} is in no team."
            )
            return
        given = os.environ.get(PASSWORD_VARIABLE)
        try:
            user, password = user_create(
                agency_code=options["agency"],
                role=options["role"],
                username=options["username"],
                email=options["email"],
                team=options["team"],
                password=given or None,
            )
        except ValidationError as error:
            raise command_error(error) from None
        self.stdout.write(
            f"Created {user.username}: {user.get_role_display()} at {user.agency.name} ({user.agency.code})."
        )
        if given:
            self.stdout.write(f"Password: the one in {PASSWORD_VARIABLE}.")
        else:
            self.stdout.write(f"Password (shown once; give it to the person by a safe route): {password}")
        self.stdout.write(f"Next, their second factor: homeward otp enrol {user.username}")
