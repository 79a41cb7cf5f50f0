from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "homeward.oversight"
    label = "oversight"
    verbose_name = "Oversight: compliance and the inspection list"
