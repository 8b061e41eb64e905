"""Every app keeps its own catalogue, but Django merges them into one per language: the same
English text translated two ways in two apps shows only one of them (the first app's), so a
page can read wrongly in Bokmål without any test of that page noticing."""

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def catalogues():
    return sorted(p for p in ROOT.glob("**/locale/nb/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_there_is_a_bokmal_catalogue_for_every_app_with_pages():
    apps = {p.parts[len(ROOT.parts)] for p in catalogues()}
    assert {"agencies", "cases", "controls", "referrals", "notifications", "audit_trail", "web"} <= apps


def test_no_text_is_translated_two_ways_in_two_apps():
    seen = defaultdict(dict)  # (context, msgid) -> {translation: catalogue}
    for path in catalogues():
        with path.open("rb") as f:
            for message in read_po(f):
                if message.id and message.string and not message.fuzzy:
                    key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
                    translation = message.string if isinstance(message.string, str) else message.string[0]
                    seen[key].setdefault(translation, path.relative_to(ROOT))
    clashes = {key: found for key, found in seen.items() if len(found) > 1}
    assert not clashes, (
        "\n".join(
            f"{msgid!r} (context {context!r}): " + "; ".join(f"{t!r} in {p}" for t, p in found.items())
            for (context, msgid), found in sorted(clashes.items(), key=str)
        )
        + "\nGive one of them a context (pgettext) or use one translation."
    )


def test_no_catalogue_is_left_fuzzy():
    fuzzy = []
    for path in catalogues():
        with path.open("rb") as f:
            catalog = read_po(f)
        fuzzy += [f"{path.relative_to(ROOT)}: {m.id!r}" for m in catalog if m.id and m.fuzzy]
        if catalog.fuzzy:
            fuzzy.append(f"{path.relative_to(ROOT)}: the header (a fuzzy catalogue is not compiled)")
    assert not fuzzy, "\n".join(fuzzy)
