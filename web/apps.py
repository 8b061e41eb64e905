from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The officers' web app shell: layout, login, language, home, search and statistics.

    Pages that belong to one domain (a case, a control, a referral) live in that app's
    ``views.py``; this app holds only what spans them."""

    name = "web"
    verbose_name = _("Web app")

    def ready(self):
        # The login audit receivers (web.security registers Django's on import; axes' here).
        from web import security

        security.connect_axes()
