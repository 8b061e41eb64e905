from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "tracker.controls"
    label = "controls"
    verbose_name = "Joint controls"
