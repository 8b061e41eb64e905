from django.contrib.auth import views as auth_views
from django.urls import path

from web import account, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("login/code/", account.login_verify, name="login_verify"),
    path("account/", account.account, name="account"),
    path("account/two-factor/", account.two_factor, name="two_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("search/", views.search, name="search"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export.csv", views.statistics_export, {"kind": "csv"}, name="statistics_csv"),
    path("statistics/export.xlsx", views.statistics_export, {"kind": "xlsx"}, name="statistics_xlsx"),
]
