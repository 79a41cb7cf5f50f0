from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "homeward.safeguarding"
    verbose_name = "Safeguarding"

    def ready(self) -> None:
        # The core sends episode signals and never imports this app (architecture.md).
        from homeward.safeguarding import receivers

        receivers.connect()
