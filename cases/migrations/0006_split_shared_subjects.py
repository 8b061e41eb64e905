"""Give every organisation and person row one case.

Until now a row was shared by every case that named the same number, so one unit's officers
read what another unit had recorded. Each case now gets its own copy of what was linked to
it (the first case keeps the original row). A control's targets and a finding's subject point
at the copy on a case the control serves, else at one in the control's unit. A row on no case
goes to the first case serving a control that names it; one that nothing names, or that no
case can hold, is dropped with its references.
"""

import uuid

from django.db import migrations

SUBJECTS = (
    # (model, link field on CaseSubject, control M2M, M2M column)
    ("Organisation", "organisation", "target_organisations", "organisation_id"),
    ("Person", "person", "target_persons", "person_id"),
)


def split(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseSubject = apps.get_model("cases", "CaseSubject")
    JointControl = apps.get_model("controls", "JointControl")
    Finding = apps.get_model("controls", "Finding")
    unit_of = dict(Case.objects.values_list("pk", "unit_id"))

    for model_name, link, m2m, column in SUBJECTS:
        model = apps.get_model("cases", model_name)
        through = JointControl._meta.get_field(m2m).remote_field.through
        for pk in list(model.objects.values_list("pk", flat=True)):
            subject = model.objects.get(pk=pk)
            case_ids = list(
                dict.fromkeys(
                    CaseSubject.objects.filter(**{link: subject}).order_by("created_at").values_list("case_id", flat=True)
                )
            )
            controls = {
                c.pk: c
                for c in JointControl.objects.filter(pk__in=through.objects.filter(**{column: pk}).values("jointcontrol_id"))
            }
            findings = list(Finding.objects.filter(**{link: subject}).select_related("control"))
            for finding in findings:
                controls.setdefault(finding.control_id, finding.control)
            served = {c.pk: list(c.cases.order_by("pk").values_list("pk", flat=True)) for c in controls.values()}
            if not case_ids:
                case_ids = [case for cases in served.values() for case in cases][:1]
            if not case_ids:
                through.objects.filter(**{column: pk}).delete()
                Finding.objects.filter(**{link: subject}).update(**{link: None})
                subject.delete()
                continue

            copies = {case_ids[0]: subject}
            model.objects.filter(pk=pk).update(case_id=case_ids[0])
            for case_id in case_ids[1:]:
                copy = model.objects.get(pk=pk)
                copy.pk, copy.case_id = uuid.uuid4(), case_id
                copy.save(force_insert=True)
                model.objects.filter(pk=copy.pk).update(created_at=subject.created_at, updated_at=subject.updated_at)
                CaseSubject.objects.filter(case_id=case_id, **{link: subject}).update(**{link: copy})
                copies[case_id] = copy

            def copy_for(control):
                for case_id in served[control.pk]:
                    if case_id in copies:
                        return copies[case_id]
                for case_id, copy in copies.items():
                    if unit_of[case_id] == control.unit_id:
                        return copy
                return subject

            for control in controls.values():
                chosen = copy_for(control)
                if chosen.pk != pk:
                    through.objects.filter(jointcontrol_id=control.pk, **{column: pk}).update(**{column: chosen.pk})
            for finding in findings:
                chosen = copy_for(controls[finding.control_id])
                if chosen.pk != pk:
                    Finding.objects.filter(pk=finding.pk).update(**{link: chosen})


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_subjects_per_case_fields"),
        ("controls", "0002_date_ranges"),
    ]

    operations = [migrations.RunPython(split, migrations.RunPython.noop)]
