from django.apps import AppConfig


class LanguageConfig(AppConfig):
    name = "homeward.language"
    verbose_name = "Language guide"

    def ready(self) -> None:
        # The core sends episode signals and never imports this app (architecture.md).
        from homeward.language import receivers

        receivers.connect()
