"""The case pages. Other apps link here by name: cases:list, cases:detail (a case's pk),
cases:create and cases:tips."""

from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("tips/", views.tip_inbox, name="tips"),
    path("tips/<uuid:pk>/", views.tip_detail, name="tip"),
    path("tips/<uuid:pk>/merge/", views.tip_merge, name="tip_merge"),
    path("tips/<uuid:pk>/dismiss/", views.tip_dismiss, name="tip_dismiss"),
    path("transfers/", views.transfer_inbox, name="transfers"),
    path("transfers/<uuid:transfer_pk>/decide/", views.decide_transfer, name="transfer_decide"),
    path("<uuid:pk>/", views.case_detail, name="detail"),
    path("<uuid:pk>/edit/", views.case_edit, name="edit"),
    path("<uuid:pk>/status/", views.case_transition, name="transition"),
    path("<uuid:pk>/history/", views.case_history_page, name="history"),
    path("<uuid:pk>/subjects/organisation/", views.add_organisation, name="add_organisation"),
    path("<uuid:pk>/subjects/person/", views.add_person, name="add_person"),
    path("<uuid:pk>/subjects/<uuid:link_pk>/remove/", views.remove_subject, name="remove_subject"),
    path("<uuid:pk>/persons/<uuid:person_pk>/reveal/", views.reveal_number, name="reveal_number"),
    path("<uuid:pk>/journal/", views.add_journal_entry, name="add_journal_entry"),
    path("<uuid:pk>/attachments/<uuid:attachment_pk>/", views.attachment, name="attachment"),
    path("<uuid:pk>/tasks/", views.add_task, name="add_task"),
    path("<uuid:pk>/tasks/<uuid:task_pk>/assign/", views.assign_task, name="assign_task"),
    path("<uuid:pk>/tasks/<uuid:task_pk>/done/", views.complete_task, name="complete_task"),
    path("<uuid:pk>/assignees/", views.add_assignee, name="add_assignee"),
    path("<uuid:pk>/assignees/<uuid:assignment_pk>/remove/", views.remove_assignee, name="remove_assignee"),
    path("<uuid:pk>/transfers/", views.request_transfer, name="request_transfer"),
]
