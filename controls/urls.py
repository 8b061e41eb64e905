from django.urls import path
from django.utils.translation import gettext_noop

from controls import views

app_name = "controls"
# The main menu's entry for these pages (web.context_processors.MENU), translated with them.
MENU_LABEL = gettext_noop("Controls")

urlpatterns = [
    path("", views.control_list, name="list"),
    path("plan/", views.plan, name="plan"),
    path("calendar/", views.calendar_link, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("<uuid:pk>/", views.control_page, name="detail"),
    path("<uuid:pk>/status/", views.transition, name="transition"),
    path("<uuid:pk>/officers/", views.book_officer, name="book"),
    path("<uuid:pk>/officers/<uuid:officer_id>/withdraw/", views.withdraw_officer, name="withdraw"),
    path("<uuid:pk>/findings/", views.record_finding, name="findings"),
    path("<uuid:pk>/briefing/", views.briefing, name="briefing"),
]
