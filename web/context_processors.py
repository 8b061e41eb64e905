from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tracker.notifications.models import Notification

# The main navigation: (url name, label). Each entry appears once its page exists.
MENU = [
    ("web:home", _("Home")),
]


def layout(request):
    """What the base layout needs on every page: the menu and the unread count (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"languages": settings.LANGUAGES}
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "languages": settings.LANGUAGES,
        "navigation": [{"url": reverse(name), "label": label, "current": name == current} for name, label in MENU],
        "unread_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
