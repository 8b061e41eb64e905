"""Reference data from ../shared/DOMAIN.md: the agencies, the sanctions each can impose, the
units and the national contact point. Loaded idempotently by ``seed_demo`` (and usable alone)."""

from django.db import transaction

from agencies.choices import AgencyKind, ReferralTopic, UnitKind
from agencies.models import Agency, NationalContactPoint, RegionalUnit, SanctionKind

AGENCIES = [
    ("POLICE", "Norwegian Police Service", "Politiet", AgencyKind.POLICE, "post@politiet.example"),
    ("TAX", "Norwegian Tax Administration", "Skatteetaten", AgencyKind.TAX, "post@skatteetaten.example"),
    (
        "NAV",
        "Norwegian Labour and Welfare Administration",
        "Arbeids- og velferdsetaten (NAV)",
        AgencyKind.WELFARE,
        "post@nav.example",
    ),
    (
        "LABOUR",
        "Norwegian Labour Inspection Authority",
        "Arbeidstilsynet",
        AgencyKind.LABOUR_INSPECTION,
        "post@arbeidstilsynet.example",
    ),
    ("CUSTOMS", "Norwegian Customs", "Tolletaten", AgencyKind.CUSTOMS, "post@toll.example"),
]

# (agency, code, name, name in Bokmål, involves an amount in NOK)
SANCTION_KINDS = [
    ("POLICE", "removal", "Removal from the workplace", "Bortvisning fra arbeidsplassen", False),
    ("POLICE", "expulsion", "Expulsion", "Utvisning", False),
    ("POLICE", "charge", "Charge (police report)", "Anmeldelse", False),
    ("POLICE", "arrest", "Arrest", "Pågripelse", False),
    ("TAX", "detection-control", "Detection control", "Avdekkingskontroll", False),
    ("TAX", "book-audit", "Book audit", "Bokettersyn", False),
    ("TAX", "reassessment", "Reassessment", "Endring av skattefastsetting", True),
    ("TAX", "securing-assets", "Securing of assets (attachment)", "Sikring av krav (utlegg)", True),
    ("TAX", "vat-deregistration", "VAT deregistration", "Sletting fra Merverdiavgiftsregisteret", False),
    ("NAV", "benefit-change", "Change or stop of benefits", "Endring eller stans av ytelser", False),
    ("NAV", "repayment-claim", "Repayment claim", "Tilbakekrevingskrav", True),
    ("NAV", "police-report", "Police report for benefit fraud", "Anmeldelse for trygdesvindel", False),
    ("LABOUR", "order", "Order", "Pålegg", False),
    ("LABOUR", "stop-imminent-danger", "Stop for imminent danger", "Stans ved overhengende fare", False),
    ("LABOUR", "stop-pressure", "Stop as a means of pressure", "Stans som pressmiddel", False),
    ("LABOUR", "coercive-fine", "Coercive fine", "Tvangsmulkt", True),
    ("LABOUR", "infringement-fine", "Infringement fine", "Overtredelsesgebyr", True),
    ("CUSTOMS", "seizure", "Seizure", "Beslag", False),
    ("CUSTOMS", "customs-claim", "Customs claim", "Tollkrav", True),
    ("CUSTOMS", "fine", "Fine", "Bot", True),
]

CORE = ["POLICE", "TAX", "NAV", "LABOUR"]
# (code, name, kind, region, city, customs takes part)
UNITS = [
    ("OSL", "A-krim Oslo", UnitKind.CENTRE, "Oslo", "Oslo", True),
    ("TBG", "A-krim Tønsberg", UnitKind.CENTRE, "Vestfold", "Tønsberg", False),
    ("KRS", "A-krim Kristiansand", UnitKind.CENTRE, "Agder", "Kristiansand", True),
    ("SVG", "A-krim Stavanger", UnitKind.CENTRE, "Rogaland", "Stavanger", True),
    ("BGO", "A-krim Bergen", UnitKind.CENTRE, "Vestland", "Bergen", True),
    ("TRD", "A-krim Trondheim", UnitKind.CENTRE, "Trøndelag", "Trondheim", False),
    ("BOO", "A-krim Bodø", UnitKind.CENTRE, "Nordland", "Bodø", False),
    ("ALT", "A-krim Alta", UnitKind.CENTRE, "Finnmark", "Alta", True),
    ("MRO", "A-krim Møre og Romsdal", UnitKind.LOCAL, "Møre og Romsdal", "Ålesund", False),
    ("INN", "A-krim Innlandet", UnitKind.LOCAL, "Innlandet", "Hamar", False),
    ("FRO", "A-krim Follo, Romerike og Østfold", UnitKind.LOCAL, "Akershus og Østfold", "Lillestrøm", False),
]


@transaction.atomic
def load_reference_data() -> None:
    agencies = {}
    for code, name, name_nb, kind, email in AGENCIES:
        agencies[code], _ = Agency.objects.update_or_create(
            code=code, defaults={"name": name, "name_nb": name_nb, "kind": kind, "contact_email": email}
        )
    for agency, code, name, name_nb, amount in SANCTION_KINDS:
        SanctionKind.objects.update_or_create(
            agency=agencies[agency], code=code, defaults={"name": name, "name_nb": name_nb, "involves_amount": amount}
        )
    for code, name, kind, region, city, customs in UNITS:
        unit, _ = RegionalUnit.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "region": region, "city": city}
        )
        unit.agencies.set([agencies[a] for a in CORE + (["CUSTOMS"] if customs else [])])
    NationalContactPoint.objects.update_or_create(
        code="NCIS",
        defaults={
            "name": "National contact point for trafficking and organised crime (NCIS)",
            "name_nb": "Nasjonalt kontaktpunkt for menneskehandel og organisert kriminalitet (NCIS)",
            "hosting_agency": agencies["POLICE"],
            "topics": [t.value for t in ReferralTopic],
            "intake_email": "ncp@politiet.example",
        },
    )
