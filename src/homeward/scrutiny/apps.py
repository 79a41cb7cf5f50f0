from django.apps import AppConfig


class ScrutinyConfig(AppConfig):
    name = "homeward.scrutiny"
    verbose_name = "Placement scrutiny"

    def ready(self) -> None:
        # The core sends placements_created and never imports this app (architecture.md).
        from homeward.children import signals
        from homeward.scrutiny import services

        signals.placements_created.connect(services.on_placements_created, dispatch_uid="scrutiny.placements_created")
        signals.placements_ended.connect(services.on_placements_ended, dispatch_uid="scrutiny.placements_ended")
