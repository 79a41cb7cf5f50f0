from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "homeward.returns"
