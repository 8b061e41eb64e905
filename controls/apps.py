from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"
    label = "controls"
    verbose_name = "Joint controls"

    def ready(self):
        # cases cannot import this app (it builds on cases): the case page asks through a hook.
        # The registry is ready only now, so the imports are here.
        from cases.selectors import case_related_work
        from controls.selectors import controls_on_case

        case_related_work.register(controls_on_case)
