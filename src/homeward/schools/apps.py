from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "homeward.schools"
    verbose_name = "Schools"
