"""Settings for the `homeward worker` processes the stop tests start a hundred times: the project's
settings (the same database and its options) with the task app alone installed, so that each start
takes a fraction of the full project's second or so."""

from homeward.settings import *  # noqa: F403

INSTALLED_APPS = ["homeward.tasks"]
