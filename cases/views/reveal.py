"""Show a person's whole identity number: a reason first, then the number, in this response only.

Not remembered for the session: each sight of a whole number has its own reason and audit row,
and no later page, search or export shows it because someone once asked (cases.reveal)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from cases import forms as f
from cases.reveal import reveal_identity_number
from cases.views.page import get_case
from tracker.exceptions import ApplicationError


@login_required
@require_http_methods(["GET", "POST"])
def reveal_number(request, pk, person_pk):
    case = get_case(request, pk)
    person = get_object_or_404(case.persons.exclude(id_number=None), pk=person_pk)
    form = f.RevealNumberForm(request.POST if request.method == "POST" else None)
    number, status = None, 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                number = reveal_identity_number(
                    actor=request.user, person=person, reason=form.cleaned_data["reason"], via="web"
                )
                status = 200
            except ApplicationError as exc:
                form.add_service_error(exc)
    context = {"case": case, "person": person, "form": form, "number": number}
    response = render(request, "cases/reveal_number.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the whole number must not outlive this response
    return response
