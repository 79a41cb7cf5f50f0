from django.apps import AppConfig


class LanguageConfig(AppConfig):
    name = "homeward.language"
    verbose_name = "Language guide"
