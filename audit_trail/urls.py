from django.urls import path

from audit_trail import views

app_name = "audit_trail"

urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export, name="export"),
]
