from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<uuid:pk>/read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("cases/<uuid:case_pk>/mute/", views.mute, name="mute"),
    path("cases/<uuid:case_pk>/unmute/", views.unmute, name="unmute"),
]
