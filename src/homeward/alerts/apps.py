from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "homeward.alerts"

    def ready(self) -> None:
        # The core sends signals and never imports alerts (architecture.md): the rules listen here.
        from homeward.alerts import found, rules

        rules.connect()
        found.connect()
