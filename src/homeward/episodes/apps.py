from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "homeward.episodes"

    def ready(self) -> None:
        from homeward.children.signals import placements_ended
        from homeward.episodes.receivers import on_placements_ended

        placements_ended.connect(on_placements_ended, dispatch_uid="episodes.end_with_care")
