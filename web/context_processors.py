from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from notifications.selectors import unread_count

# The main menu: (url name, label). An entry shows once its page exists (its url name
# resolves); a page that is not for everyone answers 404 to those it is not for.
MENU = [
    ("web:home", _("Home")),
    ("cases:list", _("Cases")),
    ("cases:tips", _("Tips")),
    ("controls:list", _("Controls")),
    ("referrals:list", _("Referrals")),
    ("referrals:desk", _("Contact point desk")),
    ("web:statistics", _("Statistics")),
    ("audit_trail:search", _("Audit trail")),
]

# Entries not for everyone: url name -> dotted path of a predicate on the user. A predicate
# reads what is cached on the user object (memberships, desks), so the whole menu costs at
# most one query per kind of fact, never one per entry.
MENU_AUDIENCE = {
    "referrals:list": "referrals.selectors.is_unit_member",
    "referrals:desk": "referrals.selectors.is_desk_officer",
    "audit_trail:search": "audit_trail.selectors.is_auditor",
}


def _menu(request):
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for name, label in MENU:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        audience = MENU_AUDIENCE.get(name)
        if audience and not import_string(audience)(request.user):
            continue
        items.append({"url": url, "label": label, "current": name == current})
    return items


def layout(request):
    """What the base layout needs on every page: the menu and the unread count (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"languages": settings.LANGUAGES}
    return {
        "languages": settings.LANGUAGES,
        "navigation": _menu(request),
        "unread_count": unread_count(user),
    }
