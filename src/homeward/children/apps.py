from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def consistent_identifier_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """HOMEWARD_CONSISTENT_IDENTIFIER names an identifier: found at start-up, not at the first child read."""
    from homeward.children.identifiers import consistent_identifier_field

    try:
        consistent_identifier_field()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="homeward.children.E001")]
    return []


class ChildrenConfig(AppConfig):
    name = "homeward.children"

    def ready(self) -> None:
        checks.register(consistent_identifier_configured)
