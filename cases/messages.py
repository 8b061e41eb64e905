"""The services' and validators' messages, in the reader's language.

Services speak English: their messages are part of the API's contract (the API always answers
in English). Pages show the same messages translated: the msgids below are marked for
extraction (gettext_noop leaves them as they are) and looked up when a page shows them.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases import choices as c

MESSAGES = [
    # cases.identity
    gettext_noop("An organisation number has 9 digits."),
    gettext_noop("An organisation number has digits only."),
    gettext_noop("This organisation number has a wrong check digit."),
    gettext_noop("An identity number has digits only."),
    gettext_noop("An identity number has 11 digits (this one has %(n)s)."),
    gettext_noop("This identity number has a wrong check digit."),
    gettext_noop("The first six digits of this identity number are not a valid date."),
    gettext_noop("This identity number has a birth date in the future."),
    # cases.reveal
    gettext_noop("Say why you need to see the whole number."),
    gettext_noop("This person has no identity number to show."),
    # tracker.validators
    gettext_noop("%(what)s must lie between %(earliest)s and %(until)s."),
    gettext_noop("A date of birth"),
    gettext_noop("The date received"),
    gettext_noop("The date"),
    gettext_noop("today"),
    gettext_noop("%(value)s is not an ISO 3166-1 alpha-2 country code (such as NO or PL)."),
    # cases.services and cases.permissions
    gettext_noop("Required when sharing with the unit."),
    gettext_noop("Sharing with the unit needs a legal basis and a necessity note."),
    gettext_noop("A journal entry needs text."),
    gettext_noop("Closing a case needs an outcome."),
    gettext_noop("Dismissing a tip needs a reason."),
    gettext_noop("A transfer needs a reason."),
    gettext_noop("Refusing a transfer needs a reason."),
    gettext_noop("The case is already in this unit."),
    gettext_noop("This case already has a pending transfer."),
    gettext_noop("Merge a tip into a case of its unit that you can see."),
    gettext_noop("This user cannot see the case, so cannot be assigned to it."),
    gettext_noop("Only a case officer of a participating agency or a coordinator of the unit can work the case."),
    gettext_noop("Only case officers of a participating agency or the unit's coordinators may do this."),
    gettext_noop("Only case officers and coordinators of the unit may do this."),
    gettext_noop("You can only create cases in which your own agency takes part."),
    gettext_noop(
        "Only officers of the lead agency and the unit's coordinators may change the agencies taking part "
        "or the lead agency."
    ),
    gettext_noop("Each agency decides whom it puts on a case: ask the officer's agency or a coordinator."),
    gettext_noop("ILO indicators are recorded for potential victims only."),
    gettext_noop("Link a subject recorded on this case."),
    gettext_noop("Journal entries are owned by an agency; a platform superuser cannot write them."),
    gettext_noop("Only a coordinator of the unit may reopen a case."),
    gettext_noop("Only a coordinator of the unit may accept or refuse a transfer into it."),
    gettext_noop("A task can be marked done or cancelled."),
    gettext_noop("A closed case needs an outcome."),
]

# Messages with a name or code inside: (pattern, msgid, how to show each group).
_PATTERNS = [
    (
        re.compile(r"^(?P<subject>.+) is already linked to this case as (?P<role>\w+)\.$"),
        gettext_noop("%(subject)s is already linked to this case as %(role)s."),
        {"role": lambda v: _label(c.SubjectRole, v).lower()},
    ),
    (
        re.compile(r"^(?P<officer>.+) is already on this case\.$"),
        gettext_noop("%(officer)s is already on this case."),
        {},
    ),
    (
        re.compile(r"^A case cannot go from (?P<old>.+) to (?P<new>\w+)\.$"),
        gettext_noop("The case cannot go from %(old)s to %(new)s now: reload the page."),
        {"new": lambda v: _label(c.CaseStatus, v).lower(), "old": lambda v: _(v)},
    ),
    (
        re.compile(r"^This tip has already been triaged \((?P<status>.+)\)\.$"),
        gettext_noop("This tip has already been triaged."),
        {},
    ),
    (
        re.compile(r"^The task is already (?P<status>.+)\.$"),
        gettext_noop("The task is already closed."),
        {},
    ),
    (
        re.compile(r"^This transfer was already (?P<status>\w+)\.$"),
        gettext_noop("This transfer has already been decided."),
        {},
    ),
]


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def for_people(message: str) -> str:
    """``message`` (a service's, in English) in the active language where we know it."""
    message = str(message)
    translated = _(message)
    if translated != message:
        return translated
    for pattern, msgid, shown in _PATTERNS:
        match = pattern.match(message)
        if match:
            params = {k: shown.get(k, lambda v: v)(v) for k, v in match.groupdict().items()}
            return _(msgid) % params
    return message


def _date(value: str) -> str:
    day = parse_date(value)
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else _(value)


def validation_messages(exc: ValidationError) -> list[str]:
    """A validator's messages, translated, with their parameters shown for people."""
    out = []
    for error in exc.error_list:
        params = dict(error.params or {})
        if error.code == "date_range":
            params = {"what": _(params["what"]), "earliest": _date(params["earliest"]), "until": _date(params["until"])}
        out.append(_(error.message) % params if params else _(error.message))
    return out


# --- The journal's system records ----------------------------------------------------------
# Services record what happened in English (cases.services.journal_system); the page shows
# each record in the reader's language where it knows the sentence, else as it was recorded.


def _english_labels(choices) -> dict[str, str]:
    with translation.override("en"):
        return {str(choice.label).lower(): choice.value for choice in choices}


def _status_label(value: str) -> str:
    """A status recorded as its code or as its English label in lower case."""
    value = _english_labels(c.CaseStatus).get(value, value)
    return _label(c.CaseStatus, value).lower()


def _role_label(value: str) -> str:
    value = _english_labels(c.SubjectRole).get(value, value)
    return _label(c.SubjectRole, value).lower()


def _day(value: str) -> str:
    day = parse_date(value)
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else value


_SYSTEM_RECORDS = [
    (re.compile(r"^Case (?P<reference>\S+) registered\.$"), gettext_noop("Case %(reference)s registered."), {}),
    (
        re.compile(r"^Status changed from (?P<old>[a-z_]+) to (?P<new>[a-z ]+?)\.(?P<note>(?: .*)?)$", re.S),
        gettext_noop("Status changed from %(old)s to %(new)s.%(note)s"),
        {"old": _status_label, "new": _status_label},
    ),
    (
        re.compile(r"^(?P<subject>.+) linked as (?P<role>[a-z ]+)\.$", re.S),
        gettext_noop("%(subject)s linked as %(role)s."),
        {"role": _role_label},
    ),
    (
        re.compile(r"^(?P<subject>.+) unlinked from the case\.$", re.S),
        gettext_noop("%(subject)s unlinked from the case."),
        {},
    ),
    (re.compile(r"^(?P<officer>.+) put on the case\.$", re.S), gettext_noop("%(officer)s put on the case."), {}),
    (re.compile(r"^(?P<officer>.+) taken off the case\.$", re.S), gettext_noop("%(officer)s taken off the case."), {}),
    (
        re.compile(r"^Tip received (?P<day>\d{4}-\d{2}-\d{2}) merged into the case\.$"),
        gettext_noop("Tip received %(day)s merged into the case."),
        {"day": _day},
    ),
    (
        re.compile(r"^Transfer to (?P<unit>.+?) requested: (?P<reason>.*)$", re.S),
        gettext_noop("Transfer to %(unit)s requested: %(reason)s"),
        {},
    ),
    (
        re.compile(r"^Transfer to (?P<unit>.+?) accepted\.(?P<note>(?: .*)?)$", re.S),
        gettext_noop("Transfer to %(unit)s accepted.%(note)s"),
        {},
    ),
    (
        re.compile(r"^Transfer to (?P<unit>.+?) refused\.(?P<note>(?: .*)?)$", re.S),
        gettext_noop("Transfer to %(unit)s refused.%(note)s"),
        {},
    ),
]


def system_record(body: str) -> str:
    """A journal system record in the reader's language (as recorded when the sentence is unknown)."""
    for pattern, msgid, shown in _SYSTEM_RECORDS:
        match = pattern.match(body)
        if match:
            params = {k: shown.get(k, lambda v: v)(v) for k, v in match.groupdict().items()}
            return _(msgid) % params
    return body
