from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("<uuid:pk>/", views.referral_detail, name="detail"),
    path("<uuid:pk>/send/", views.referral_send, name="send"),
    path("<uuid:pk>/revoke/", views.referral_revoke, name="revoke"),
    path("desk/", views.desk, name="desk"),
    path("desk/<uuid:pk>/", views.desk_detail, name="desk_detail"),
    path("desk/<uuid:pk>/<slug:action>/", views.desk_act, name="desk_act"),
]
