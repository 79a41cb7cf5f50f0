from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "homeward.linkage"
    verbose_name = "Record linkage"

    def ready(self) -> None:
        # Returns sends a signal and never imports linkage: a new or changed record asks for a run.
        from homeward.linkage import receivers

        receivers.connect()
