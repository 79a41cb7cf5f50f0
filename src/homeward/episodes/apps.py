from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "homeward.episodes"

    def ready(self) -> None:
        from homeward.children.signals import placements_ended, placements_written
        from homeward.episodes.receivers import on_placements_ended, on_placements_written

        placements_ended.connect(on_placements_ended, dispatch_uid="episodes.end_with_care")
        placements_written.connect(on_placements_written, dispatch_uid="episodes.start_placements")
