"""A case's own resources, each its own viewset under ``/cases/{id}/``: assignees, subjects,
journal, attachments and tasks. The case is found among those the caller may see (a 404
otherwise) and a read of it is audited as a read of the case (tracker.api.base.NestedViewSet).
The routes and their URL names are in config/api_router.py."""

from django.conf import settings
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from cases import services
from cases.api import reads
from cases.api import serializers as s
from cases.api.views import DisclosingViewSet
from cases.attachments import attachment_response
from cases.models import Attachment, Case, CaseAssignment, CaseSubject, JournalEntry, Task
from cases.selectors import cases_visible_to, journal_visible_to
from tracker.access_audit import record_read
from tracker.api.base import NestedViewSet
from tracker.api.parsers import JSONParser, MultiPartParser
from tracker.api.schema import IDEMPOTENCY_KEY


class CaseNestedViewSet(NestedViewSet):
    """Under a case the caller may see; its reads audited as ``case.view``."""

    scope = "cases"
    parent_model = Case
    parent_read_audit_action = "case.view"
    parent_serializer_class = s.CaseSerializer

    def parent_queryset(self, user):
        # As CaseViewSet finds a case: every write's service reads what it needs under its lock.
        return cases_visible_to(user).prefetch_related(None)


class CaseAssigneeViewSet(CaseNestedViewSet):
    serializer_class = s.CaseAssignmentSerializer
    queryset = CaseAssignment.objects.none()
    lookup_field = lookup_url_kwarg = "officer_id"
    parent_read_as = "assignees"

    def scoped_queryset(self, user):
        return self.parent.assignments.select_related("officer", "agency")

    @extend_schema(
        summary="Put an officer on a case",
        description="A coordinator may assign any officer of the unit who can work the case; an officer, "
        "people of their own agency. The officer is notified (`case.assigned`).",
        request=s.CaseAssignInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.CaseAssignmentSerializer},
    )
    def create(self, request, pk=None):
        case = self.parent
        data = self.validated(s.CaseAssignInput, request.data, unit=case.unit_id)
        assignment = services.case_assign(actor=request.user, case=case, officer=data["officer"])
        return Response(s.CaseAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Take an officer off a case", request=None, responses={204: None})
    def destroy(self, request, pk=None, officer_id=None):
        services.case_unassign(actor=request.user, assignment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _subject_target(actor, case, data: dict):
    if "organisation" in data:
        return {"organisation": services.organisation_upsert(actor=actor, case=case, **data["organisation"])}
    return {"person": services.person_upsert(actor=actor, case=case, **data["person"])}


class CaseSubjectViewSet(CaseNestedViewSet, DisclosingViewSet):
    serializer_class = s.CaseSubjectSerializer  # the schema's description of what reads.subjects renders
    queryset = CaseSubject.objects.none()
    lookup_url_kwarg = "subject_id"
    parent_read_as = "subjects"

    def scoped_queryset(self, user):
        return CaseSubject.objects.filter(case=self.parent)

    @extend_schema(summary="List a case's subjects", responses={200: s.CaseSubjectSerializer(many=True)})
    def list(self, request, pk=None):
        rows = reads.subject_rows(self.get_queryset())
        return self.paginated_as(rows, lambda page: reads.represent_subjects(page, request))

    @extend_schema(
        summary="Link an organisation or person to a case",
        request=s.CaseSubjectInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.CaseSubjectSerializer},
    )
    def create(self, request, pk=None):
        case = self.parent
        data = self.validated(s.CaseSubjectInput, request.data)
        with transaction.atomic():
            target = _subject_target(request.user, case, data)
            link = services.case_add_subject(
                actor=request.user,
                case=case,
                role=data["role"],
                ilo_indicators=data["ilo_indicators"],
                note=data["note"],
                **target,
            )
        (subject,) = reads.represent_subjects([reads.subject_row_of(link)], request)
        return Response(subject, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Unlink a subject from a case", request=None, responses={204: None})
    def destroy(self, request, pk=None, subject_id=None):
        services.case_remove_subject(actor=request.user, link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseJournalViewSet(CaseNestedViewSet):
    serializer_class = s.JournalEntrySerializer
    queryset = JournalEntry.objects.none()
    parser_classes = [JSONParser, MultiPartParser]
    parent_read_as = "journal"

    def scoped_queryset(self, user):
        return journal_visible_to(user, self.parent)

    @extend_schema(
        summary="Read a case's journal (entries you may see)",
        responses={200: s.JournalEntrySerializer(many=True)},
    )
    def list(self, request, pk=None):
        return self.paginated(self.get_queryset(), s.JournalEntrySerializer)

    @extend_schema(
        summary="Write a journal entry (JSON, or multipart with attachments)",
        request=s.JournalEntryInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.JournalEntrySerializer},
    )
    def create(self, request, pk=None):
        case = self.parent
        fields = {k: v for k, v in request.data.items() if k != "attachments"}
        data = self.validated(s.JournalEntryInput, fields)
        files = request.FILES.getlist("attachments") if hasattr(request, "FILES") else []
        entry = services.journal_add(actor=request.user, case=case, attachments=files, **data)
        return Response(s.JournalEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class CaseAttachmentViewSet(CaseNestedViewSet):
    queryset = Attachment.objects.none()
    lookup_url_kwarg = "attachment_id"
    parent_read_as = "attachment"

    def scoped_queryset(self, user):
        return Attachment.objects.filter(entry__in=journal_visible_to(user, self.parent).values("pk"))

    @extend_schema(
        summary="Download an attachment of a journal entry you may read",
        description="Always as a download (`Content-Disposition: attachment`), with the type found in its "
        "content when it was uploaded, `X-Content-Type-Options: nosniff` and a sandboxing CSP: never "
        "rendered as a page of this site. The `url` of each attachment in the journal points here.",
        responses={(200, content_type): OpenApiTypes.BINARY for content_type in settings.ATTACHMENT_CONTENT_TYPES},
    )
    def retrieve(self, request, pk=None, attachment_id=None):
        found = self.get_object()
        record_read(request, action="attachment.view", obj=found, via="api", case=str(self.parent.pk))
        return attachment_response(found)


class CaseTaskViewSet(CaseNestedViewSet):
    serializer_class = s.TaskSerializer
    queryset = Task.objects.none()
    lookup_url_kwarg = "task_id"
    parent_read_as = "tasks"

    def scoped_queryset(self, user):
        return self.parent.tasks.all()

    @extend_schema(summary="List a case's tasks", responses={200: s.TaskSerializer(many=True)})
    def list(self, request, pk=None):
        return self.paginated(self.get_queryset(), s.TaskSerializer)

    @extend_schema(
        summary="Create a task on a case",
        request=s.TaskInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.TaskSerializer},
    )
    def create(self, request, pk=None):
        case = self.parent
        data = self.validated(s.TaskInput, request.data, unit=case.unit_id)
        task = services.task_create(actor=request.user, case=case, **data)
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a task done or cancelled",
        request=s.TaskStatusInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.TaskSerializer},
    )
    def set_status(self, request, pk=None, task_id=None):
        task = self.get_object()
        data = self.validated(s.TaskStatusInput, request.data)
        task = services.task_set_status(actor=request.user, task=task, status=data["status"])
        return Response(s.TaskSerializer(task).data)
