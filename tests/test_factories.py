"""Every model has a factory, and each factory makes a row that the product would have made."""

import factory
import pytest
from django.apps import apps

from cases.models import Attachment
from controls.models import ControlSite
from tests import factories
from tracker.models import AuditEntry, AuditSeal

APPS = ("agencies", "cases", "controls", "referrals", "notifications", "tracker")
FACTORIES = sorted(
    (f for f in vars(factories).values() if isinstance(f, type) and issubclass(f, factory.base.BaseFactory)
     and not f._meta.abstract),
    key=lambda f: f.__name__,
)  # fmt: skip


# Made only by the sealer, from audit rows committed before it runs: a test's own rows are never
# below the horizon inside its transaction (tests/tracker/test_audit_chain.py seals committed rows).
NO_FACTORY = {AuditSeal}


def test_every_model_has_a_factory():
    models = {m for m in apps.get_models() if m._meta.app_label in APPS}
    assert models - {f._meta.model for f in FACTORIES} - NO_FACTORY == set()


@pytest.mark.parametrize("make", FACTORIES, ids=lambda f: f.__name__)
def test_each_factory_makes_a_row(reference, make):
    made = make()
    assert type(made).objects.filter(pk=made.pk).exists()
    if issubclass(make, factories.ServiceFactory) and make not in (factories.EventFactory, factories.AuditEntryFactory):
        # made by its service, so audited like the product's own rows (a file with its entry, a
        # site with its control)
        audited = {Attachment: lambda: made.entry, ControlSite: lambda: made.control}.get(type(made), lambda: made)()
        assert AuditEntry.objects.filter(object_id=str(audited.pk)).exists()


def test_the_factories_make_several_distinct_rows(reference):
    first, second = factories.CaseFactory.create_batch(2)
    assert first.reference != second.reference and first.created_by != second.created_by
    controls = factories.ControlOfficerFactory.create_batch(2, officer=factories.officer("ida", "LABOUR"))
    assert controls[0].control_id != controls[1].control_id
