from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "homeward.web"

    def ready(self) -> None:
        from homeward.web import components

        components.share_one_jinja_environment()
