from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "homeward.synth"
