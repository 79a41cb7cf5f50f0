from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "homeward.linkage"
    verbose_name = "Record linkage"
