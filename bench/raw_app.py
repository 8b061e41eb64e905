"""The raw baseline: the API's measured endpoints as hand-written SQL, psycopg and orjson.

Served by gunicorn next to the API (bench/api_vs_raw.py), with the same worker settings. Each
endpoint answers the same JSON as the API for the same request and the same API key: the same
rows, fields, order, pagination links (cursors signed the same way, with the same secret) and
the same visibility rule. What it leaves out is the framework: no Django request cycle, no DRF,
no model instances. So the ratio API/raw is the cost of the framework and of the API's queries.

Deliberately the same work as the API, so the ratio is fair:
- each request authenticates its key against the database (one query: the key, its agency, its
  units by role and its contact-point desks) and checks the key's scope;
- the visibility rule, filters, ordering and keyset conditions are the API's, written by hand;
- a create writes the rows the service writes (reference counter, case, participating agencies,
  the journal's system entry, the audit row and the outbox event) in one transaction.
Reference data (units, agencies) is read once per worker process.

Only what the benchmark asks is served: GET /api/v1/cases/ (filters unit, status, search;
page_size; forward cursors), GET /api/v1/cases/<id>/, GET /api/v1/organisations/?organisation_number=,
GET /api/v1/persons/?id_number=, GET /api/v1/events/ (after, limit), POST /api/v1/cases/.
Environment: RAW_DATABASE_URL (or DATABASE_URL), SECRET_KEY (the API's, for the cursors).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import re
import unicodedata
import uuid
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
import psycopg
from django.conf import settings

if not settings.configured:
    # Only django.core.signing is used: the API's cursors are signed with its SECRET_KEY.
    settings.configure(SECRET_KEY=os.environ["SECRET_KEY"], SECRET_KEY_FALLBACKS=[], USE_TZ=True)
from django.core import signing  # noqa: E402

TIME_ZONE = "Europe/Oslo"
CURSOR_SALT = "tracker.api.cursor"  # tracker.api.base.CURSOR_SALT
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
WIDE_ROLES = ("coordinator", "analyst", "auditor")
UUID_PATH = re.compile(r"^/api/v1/cases/([0-9a-fA-F-]{32,36})/$")

_conn: psycopg.Connection | None = None
_reference: dict | None = None


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "") -> None:
        self.status, self.title, self.detail = status, title, detail


def connection() -> psycopg.Connection:
    """One connection per worker process (a sync worker serves one request at a time)."""
    global _conn
    if _conn is None or _conn.closed:
        url = os.environ.get("RAW_DATABASE_URL") or os.environ["DATABASE_URL"]
        _conn = psycopg.connect(url, autocommit=True, options=f"-c TimeZone={TIME_ZONE}")
    return _conn


def reference() -> dict:
    global _reference
    if _reference is None:
        conn = connection()
        agencies = {code: pk for pk, code in conn.execute("SELECT id, code FROM agencies_agency WHERE is_active")}
        units = {}
        for pk, code, members in conn.execute(
            """SELECT u.id, u.code, array_agg(a.code ORDER BY a.code)
               FROM agencies_regionalunit u JOIN agencies_regionalunit_agencies ua ON ua.regionalunit_id = u.id
               JOIN agencies_agency a ON a.id = ua.agency_id GROUP BY u.id"""
        ):
            units[code] = (pk, set(members))
        _reference = {"agencies": agencies, "units": units, "unit_codes": {pk: c for c, (pk, _) in units.items()}}
    return _reference


# --- Authentication -------------------------------------------------------------------------

AUTH_SQL = """
SELECT k.digest, k.scopes, (k.revoked_at IS NULL AND k.expires_at > now() AND u.is_active),
       u.id, u.agency_id, a.code,
       coalesce(array_agg(DISTINCT m.unit_id) FILTER (WHERE m.role IN ('coordinator', 'analyst', 'auditor')), '{}'),
       coalesce(array_agg(DISTINCT m.unit_id) FILTER (WHERE m.role = 'case_officer'), '{}'),
       ARRAY(SELECT p.code FROM agencies_nationalcontactpoint_desk_officers d
             JOIN agencies_nationalcontactpoint p ON p.id = d.nationalcontactpoint_id WHERE d.user_id = u.id)
FROM agencies_apikey k
JOIN agencies_user u ON u.id = k.user_id
LEFT JOIN agencies_agency a ON a.id = u.agency_id
LEFT JOIN agencies_unitmembership m ON m.user_id = u.id
WHERE k.prefix = %s
GROUP BY k.id, u.id, a.code
"""


def authenticate(environ, scope: str) -> dict:
    header = environ.get("HTTP_AUTHORIZATION", "")
    parts = header.split()
    if len(parts) != 2 or parts[0] != "Bearer" or not parts[1].startswith("trk_") or parts[1].count("_") < 2:
        raise Problem(401, "Not authenticated")
    token = parts[1]
    row = connection().execute(AUTH_SQL, [token[4:].split("_", 1)[0]]).fetchone()
    if row is None or not hmac.compare_digest(row[0], hashlib.sha256(token.encode()).hexdigest()):
        raise Problem(401, "Invalid API key.")
    if not row[2]:
        raise Problem(401, "This API key is revoked or expired.")
    if scope not in row[1]:
        raise Problem(403, "This API key lacks the scope this operation needs.")
    wide, officer = set(row[6]), set(row[7])
    return {"user": row[3], "agency": row[4], "code": row[5], "wide": wide, "officer": officer, "desks": row[8],
            "scopes": set(row[1])}  # fmt: skip


# --- Cases ----------------------------------------------------------------------------------

CASE_COLUMNS = """
c.id, c.reference, u.code, c.title, c.summary, la.code,
ARRAY(SELECT a.code FROM cases_case_agencies ca JOIN agencies_agency a ON a.id = ca.agency_id
      WHERE ca.case_id = c.id ORDER BY a.code),
c.sector, c.offences, c.priority, c.source, c.received_on, c.status, c.outcome, c.outcome_note, c.closed_at,
c.version, c.created_at, c.updated_at
"""
CASE_FROM = """
FROM cases_case c
JOIN agencies_regionalunit u ON u.id = c.unit_id
JOIN agencies_agency la ON la.id = c.lead_agency_id
"""


def case_visibility(key: dict, params: dict) -> str:
    """cases.selectors.case_visibility_q: unit-wide roles see their units, case officers the cases
    their agency takes part in. Written as Django writes it: an empty branch is left out (Django
    drops ``unit_id IN ()``), which changes the plan PostgreSQL picks."""
    wide, narrow = sorted(key["wide"]), sorted(key["officer"] - key["wide"])
    branches = []
    if wide:
        params["wide"] = wide
        branches.append("c.unit_id = ANY(%(wide)s)")
    if narrow:
        params["narrow"], params["agency"] = narrow, key["agency"]
        branches.append(
            "(c.unit_id = ANY(%(narrow)s) AND EXISTS "
            "(SELECT 1 FROM cases_case_agencies v WHERE v.case_id = c.id AND v.agency_id = %(agency)s))"
        )
    return "(" + " OR ".join(branches) + ")" if branches else "FALSE"


def case_dicts(rows) -> list[dict]:
    if not rows:
        return []
    assignees: dict = {}
    for case_id, officer, agency, by, at in connection().execute(
        """SELECT ca.case_id, ca.officer_id, a.code, ca.assigned_by_id, ca.assigned_at
           FROM cases_caseassignment ca JOIN agencies_agency a ON a.id = ca.agency_id
           WHERE ca.case_id = ANY(%s) ORDER BY ca.assigned_at, ca.id""",
        [[row[0] for row in rows]],
    ):
        assignees.setdefault(case_id, []).append(
            {"officer": officer, "agency": agency, "assigned_by": by, "assigned_at": at}
        )
    return [
        {
            "id": r[0],
            "reference": r[1],
            "unit": r[2],
            "title": r[3],
            "summary": r[4],
            "lead_agency": r[5],
            "agencies": r[6],
            "assignees": assignees.get(r[0], []),
            "sector": r[7],
            "offences": r[8],
            "priority": r[9],
            "source": r[10],
            "received_on": r[11],
            "status": r[12],
            "outcome": r[13],
            "outcome_note": r[14],
            "closed_at": r[15],
            "version": r[16],
            "created_at": r[17],
            "updated_at": r[18],
        }  # fmt: skip
        for r in rows
    ]


def replace_query_param(url: str, key: str, val: str) -> str:
    """rest_framework.utils.urls.replace_query_param, so that links read alike."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict[key] = [val]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query_dict.items()), doseq=True), fragment))


def absolute_uri(environ) -> str:
    scheme = "https" if environ.get("HTTP_X_FORWARDED_PROTO") == "https" else environ["wsgi.url_scheme"]
    query = environ.get("QUERY_STRING", "")
    return f"{scheme}://{environ['HTTP_HOST']}{environ['PATH_INFO']}" + (f"?{query}" if query else "")


class Keyset:
    """tracker.api.base.Pagination for an ordering of (field, descending) pairs ending in the pk:
    signed cursors of every ordering value, forward only."""

    def __init__(self, environ, query: dict, ordering: list[tuple[str, bool, type]], names: list[str]) -> None:
        self.environ, self.ordering, self.names = environ, ordering, names
        raw = query.get("page_size")
        if raw is None:
            self.size = PAGE_SIZE
        elif raw.isascii() and raw.isdigit() and int(raw) >= 1:
            self.size = min(int(raw), MAX_PAGE_SIZE)
        else:
            raise Problem(400, "Validation failed", "page_size: Use a whole number of at least 1.")
        self.cursor = None
        if "cursor" in query:
            try:
                cursor = signing.loads(query["cursor"], salt=CURSOR_SALT)
            except signing.BadSignature:
                raise Problem(400, "Validation failed", "cursor: not a cursor from this list") from None
            if cursor.get("path") != environ["PATH_INFO"] or cursor.get("ordering") != names:
                raise Problem(400, "Validation failed", "cursor: belongs to another list or ordering")
            if cursor.get("reverse") or cursor.get("inclusive"):
                raise Problem(400, "Not served by the raw baseline", "backward cursors")
            self.cursor = cursor

    def where(self, params: dict) -> str:
        """Rows after the cursor as the API writes it: one direction throughout, the row comparison
        (a, b) < (x, y); mixed directions, (a > x) or (a = x and b > y) …"""
        if self.cursor is None:
            return "TRUE"
        parts, prefix, names = [], [], []
        for n, ((column, desc, parse), value) in enumerate(zip(self.ordering, self.cursor["values"], strict=True)):
            try:
                params[f"k{n}"] = parse(value)
            except (TypeError, ValueError):
                raise Problem(400, "Validation failed", "cursor: not a cursor from this list") from None
            parts.append(" AND ".join([*prefix, f"{column} {'<' if desc else '>'} %(k{n})s"]))
            prefix.append(f"{column} = %(k{n})s")
            names.append(f"%(k{n})s")
        directions = {desc for _, desc, _ in self.ordering}
        if len(directions) == 1:
            columns = ", ".join(column for column, _, _ in self.ordering)
            return f"(({columns}) {'<' if directions.pop() else '>'} ({', '.join(names)}))"
        return "(" + " OR ".join(f"({p})" for p in parts) + ")"

    def order_by(self) -> str:
        return ", ".join(f"{column} {'DESC' if desc else 'ASC'}" for column, desc, _ in self.ordering)

    def page(self, rows: list, values) -> dict:
        more = len(rows) > self.size
        rows = rows[: self.size]
        base = absolute_uri(self.environ)

        def link(row, reverse):
            payload = {
                "path": self.environ["PATH_INFO"],
                "ordering": self.names,
                "values": [_jsonable(v) for v in values(row)],
                "reverse": reverse,
                "inclusive": False,
            }
            return replace_query_param(base, "cursor", signing.dumps(payload, salt=CURSOR_SALT, compress=True))

        return {
            "next": link(rows[-1], False) if more and rows else None,
            "previous": link(rows[0], True) if self.cursor is not None and rows else None,
            "rows": rows,
        }


def _datetime(value: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(value)
    return parsed


def _jsonable(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()  # as the API: the UTC value Django reads
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


_WORD = re.compile(r"[^\W_]+")
_REFERENCE = re.compile(r"[A-Z0-9-]*\d[A-Z0-9-]*")


def _folded(text: str) -> str:
    """cases.search's folding (æ → ae, ø → o, accents dropped, lower case), done in Python."""
    from cases.search import _EXPANDED, _translation

    for char, replacement in _EXPANDED.items():
        text = text.replace(char, replacement)
    source, target = _translation()
    return text.translate(str.maketrans(source[: len(target)], target, source[len(target) :])).lower()


def search_condition(value: str, params: dict) -> str:
    """The API's ?search= (cases.filtersets.CaseFilter.filter_search): word beginnings of the title
    and of subjects' names through the folded names' full-text indexes, a reference or its end,
    an organisation number."""
    words = _WORD.findall(unicodedata.normalize("NFC", value))[:8]
    params["tsquery"] = _folded(" & ".join(f"{w}:*" for w in words)) if words else None
    matches = "to_tsvector('simple', {0}.search_name) @@ to_tsquery('simple', %(tsquery)s)"
    word = (lambda alias: matches.format(alias)) if words else (lambda alias: "FALSE")
    code = value.upper()
    reference = "FALSE"
    if len(code) >= 3 and _REFERENCE.fullmatch(code):
        params["ref_start"], params["ref_end"] = code + "%", "%" + code
        reference = "(c.reference LIKE %(ref_start)s OR c.reference LIKE %(ref_end)s)"
    number = value.replace(" ", "")
    organisations = word("o")
    if number.isdigit():
        params["number"] = number
        organisations = f"({organisations} OR o.organisation_number = %(number)s)"
    return f"""({word("c")} OR {reference}
        OR c.id IN (SELECT s.case_id FROM cases_casesubject s JOIN cases_organisation o ON o.id = s.organisation_id
                    WHERE {organisations})
        OR c.id IN (SELECT s.case_id FROM cases_casesubject s JOIN cases_person o ON o.id = s.person_id
                    WHERE {word("o")}))"""


def list_cases(environ, query: dict) -> dict:
    key = authenticate(environ, "cases:read")
    params: dict = {}
    where = [case_visibility(key, params)]
    if "unit" in query:
        where.append("u.code = %(unit)s")
        params["unit"] = query["unit"]
    if "status" in query:
        where.append("c.status = ANY(%(status)s)")
        params["status"] = query["status_list"]
    if query.get("search", "").strip():
        where.append(search_condition(query["search"].strip(), params))
    pager = Keyset(
        environ, query, [("c.created_at", True, _datetime), ("c.id", True, uuid.UUID)], ["-created_at", "-pk"]
    )
    where.append(pager.where(params))
    params["limit"] = pager.size + 1
    sql = f"SELECT {CASE_COLUMNS} {CASE_FROM} WHERE {' AND '.join(where)} ORDER BY {pager.order_by()} LIMIT %(limit)s"
    rows = connection().execute(sql, params).fetchall()
    page = pager.page(rows, lambda r: (r[17], r[0]))
    return {"next": page["next"], "previous": page["previous"], "results": case_dicts(page["rows"])}


def case_detail(environ, case_id: str):
    key = authenticate(environ, "cases:read")
    params = {"pk": case_id}
    try:
        uuid.UUID(case_id)
    except ValueError:
        raise Problem(404, "Not found") from None
    sql = f"SELECT {CASE_COLUMNS} {CASE_FROM} WHERE c.id = %(pk)s AND {case_visibility(key, params)}"
    rows = connection().execute(sql, params).fetchall()
    if not rows:
        raise Problem(404, "Not found")
    case = case_dicts(rows)[0]
    return case, [("ETag", f'"{case["version"]}"')]


# --- Subjects by number ---------------------------------------------------------------------


def subjects(environ, query: dict, table: str, number: str, columns: str, names: list[str]) -> dict:
    key = authenticate(environ, "cases:read")
    if table == "cases_person" and "identity:read" not in key["scopes"]:
        columns, names = MASKED_PERSON
    params: dict = {}
    visible = f"SELECT c.id FROM cases_case c WHERE {case_visibility(key, params)}"
    where = [f"s.case_id IN ({visible})"]
    if query.get(number):
        where.append(f"s.{number} = %(number)s")
        params["number"] = query[number].replace(" ", "")
    pager = Keyset(
        environ, query, [("s.created_at", False, _datetime), ("s.id", False, uuid.UUID)], ["created_at", "pk"]
    )
    where.append(pager.where(params))
    params["limit"] = pager.size + 1
    sql = (
        f"SELECT {columns}, s.created_at FROM {table} s WHERE {' AND '.join(where)} "
        f"ORDER BY {pager.order_by()} LIMIT %(limit)s"
    )
    rows = connection().execute(sql, params).fetchall()
    page = pager.page(rows, lambda r: (r[-1], r[0]))
    return {
        "next": page["next"],
        "previous": page["previous"],
        "results": [dict(zip(names, row[:-1], strict=True)) for row in page["rows"]],
    }


ORGANISATION = (
    "s.id, s.case_id, s.organisation_number, s.name, s.sector, s.address, s.postcode, s.city, s.country",
    ["id", "case", "organisation_number", "name", "sector", "address", "postcode", "city", "country"],
)
PERSON = ("s.id, s.case_id, s.id_number, s.id_kind, s.name, s.date_of_birth, s.nationality",
          ["id", "case", "id_number", "id_kind", "name", "date_of_birth", "nationality"])  # fmt: skip
# Without identity:read the API shows the birth-date part only (cases.identity.mask_identity_number).
MASKED_PERSON = (PERSON[0].replace("s.id_number,", "left(s.id_number, 6) || ' *****',"), PERSON[1])


# --- The change feed ------------------------------------------------------------------------

DESK_EVENTS = "(e.object_type = 'referrals.referral' AND e.payload->>'contact_point' = ANY(%(desks)s))"
FEED_CURSOR = re.compile(r"(\d{1,19})-(\d{1,19})\Z")


def events(environ, query: dict) -> dict:
    key = authenticate(environ, "events:read")
    after = query.get("after") or None
    params: dict = {}
    where = []
    if after:
        match = FEED_CURSOR.match(after) if after.isascii() else None
        if match is None:
            raise Problem(400, "Validation failed", "after: Not a cursor from this feed.")
        params["txid"], params["id"] = int(match[1]), int(match[2])
        where.append("((e.txid, e.id) > (%(txid)s, %(id)s))")
    raw_limit = query.get("limit", "100")
    if not (raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= 500):
        raise Problem(400, "Validation failed", "limit: Use a whole number from 1 to 500.")
    limit = int(raw_limit)
    # tracker.events.event_visibility_q, empty branches left out as Django leaves them out.
    wide, narrow, both = sorted(key["wide"]), sorted(key["officer"]), sorted(key["wide"] | key["officer"])
    params.update(wide=wide, narrow=narrow, code=key["code"], both=both, desks=key["desks"], limit=limit + 1)
    mine = "e.agencies @> ARRAY[%(code)s]::varchar[]" if key["code"] else None
    open_units = []
    if wide:
        open_units.append("e.unit_id = ANY(%(wide)s)")
    if narrow and mine:
        open_units.append(f"(e.unit_id = ANY(%(narrow)s) AND {mine})")
    branches = []
    if open_units:
        branches.append(f"(NOT e.confidential AND ({' OR '.join(open_units)}))")
    if both and mine:
        branches.append(f"(e.confidential AND e.unit_id = ANY(%(both)s) AND {mine})")
    if key["desks"]:
        branches.append(DESK_EVENTS)
    visible = "(" + " OR ".join(branches) + ")" if branches else "FALSE"
    # Only events of transactions below the oldest running one (tracker.events.visible_horizon).
    where.append("e.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
    sql = f"""
        SELECT e.uuid, e.txid, e.id, e.type, e.occurred_at, u.code, e.object_type, e.object_id, e.payload
        FROM tracker_event e LEFT JOIN agencies_regionalunit u ON u.id = e.unit_id
        WHERE {visible} AND {" AND ".join(where)}
        ORDER BY e.txid, e.id LIMIT %(limit)s
    """
    rows = connection().execute(sql, params).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    return {
        "events": [
            {
                "id": r[0],
                "sequence": f"{r[1]}-{r[2]}",
                "type": r[3],
                "time": r[4],
                "unit": r[5],
                "object": {"type": r[6], "id": r[7]},
                "payload": r[8],
            }  # fmt: skip
            for r in rows
        ],
        "next": f"{rows[-1][1]}-{rows[-1][2]}" if rows else after,
        "has_more": has_more,
    }


# --- Create ---------------------------------------------------------------------------------

CASE_FIELDS = ("reference", "unit", "title", "summary", "lead_agency", "sector", "offences", "priority", "source",
               "received_on", "status", "outcome", "outcome_note", "version")  # fmt: skip


def create_case(environ):
    key = authenticate(environ, "cases:write")
    try:
        body = orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    except orjson.JSONDecodeError:
        raise Problem(400, "Malformed JSON") from None
    ref = reference()
    unit = ref["units"].get(body.get("unit"))
    if unit is None or unit[0] not in key["wide"] | key["officer"]:
        raise Problem(400, "Validation failed", "unit: does not exist")
    unit_id, members = unit
    lead = body.get("lead_agency")
    codes = list(dict.fromkeys([lead, *body.get("agencies", [])]))
    if any(code not in ref["agencies"] or code not in members for code in codes):
        raise Problem(400, "Validation failed", "agencies: unknown or not a member agency")
    if key["code"] not in codes:
        raise Problem(403, "You can only create cases in which your own agency takes part.")
    title = body.get("title", "")
    if not title or len(title) > 200:
        raise Problem(400, "Validation failed", "title")
    sector = body.get("sector", "").replace(".", "")
    sector = f"{sector[:2]}.{sector[2:4]}"
    received = datetime.date.fromisoformat(body["received_on"]) if body.get("received_on") else datetime.date.today()
    case_id = uuid.uuid4()
    offences = list(dict.fromkeys(body.get("offences", [])))
    priority, source, summary = body.get("priority", "normal"), body["source"], body.get("summary", "")
    unit_code = ref["unit_codes"][unit_id]
    lead_id = ref["agencies"][lead]
    now = datetime.datetime.now(datetime.UTC)
    conn = connection()
    with conn.transaction():
        number = conn.execute(
            """INSERT INTO cases_casereferencecounter (unit_id, year, last_number) VALUES (%s, %s, 1)
               ON CONFLICT (unit_id, year) DO UPDATE SET last_number = cases_casereferencecounter.last_number + 1
               RETURNING last_number""",
            [unit_id, received.year],
        ).fetchone()[0]
        reference_text = f"{unit_code}-{received.year}-{number:05d}"
        state = {"reference": reference_text, "unit": unit_id, "title": title, "summary": summary,
                 "lead_agency": lead_id, "sector": sector, "offences": offences, "priority": priority,
                 "source": source, "received_on": received.isoformat(), "status": "received", "outcome": "",
                 "outcome_note": "", "version": 1, "agencies": sorted(codes)}  # fmt: skip
        repr_text = f"{reference_text} {title}"[:200]
        with conn.pipeline():
            conn.execute(
                """INSERT INTO cases_case (id, created_at, updated_at, reference, year, number, title, summary,
                   sector, offences, priority, source, received_on, status, outcome, outcome_note, closed_at,
                   version, created_by_id, lead_agency_id, unit_id)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'received', '', '', NULL, 1,
                           %s, %s, %s)""",
                [case_id, now, now, reference_text, received.year, number, title, summary, sector, offences,
                 priority, source, received, key["user"], lead_id, unit_id],
            )  # fmt: skip
            conn.execute(
                "INSERT INTO cases_case_agencies (case_id, agency_id) SELECT %s, unnest(%s::bigint[])",
                [case_id, [ref["agencies"][c] for c in codes]],
            )
            conn.execute(
                """INSERT INTO cases_journalentry (id, created_at, kind, visibility, legal_basis, necessity_note, body,
                   agency_id, author_id, case_id) VALUES (%s, %s, 'system', 'unit', '', '', %s, %s, %s, %s)""",
                [uuid.uuid4(), now, f"Case {reference_text} registered.", key["agency"], key["user"], case_id],
            )
            conn.execute(
                """INSERT INTO tracker_auditentry (at, actor_id, actor_agency_id, request_id, client_request_id, action,
                   object_type, object_id, object_repr, before, after)
                   VALUES (%s, %s, %s, %s, '', 'case.create', 'cases.case', %s, %s, NULL, %s)""",
                [now, key["user"], key["agency"], uuid.uuid4().hex, str(case_id), repr_text,
                 psycopg.types.json.Jsonb(state)],
            )  # fmt: skip
            conn.execute(
                """INSERT INTO tracker_event (uuid, type, occurred_at, actor_id, unit_id, agencies, confidential,
                   object_type, object_id, payload)
                   VALUES (%s, 'case.created', %s, %s, %s, %s, false, 'cases.case', %s, %s)""",
                [uuid.uuid4(), now, key["user"], unit_id, sorted(codes), str(case_id), psycopg.types.json.Jsonb(state)],
            )  # fmt: skip
    local = now.astimezone(_oslo())
    case = {"id": case_id, "reference": reference_text, "unit": unit_code, "title": title, "summary": summary,
            "lead_agency": lead, "agencies": sorted(codes), "assignees": [], "sector": sector, "offences": offences,
            "priority": priority, "source": source, "received_on": received, "status": "received", "outcome": "",
            "outcome_note": "", "closed_at": None, "version": 1, "created_at": local, "updated_at": local}  # fmt: skip
    return case, [("ETag", '"1"'), ("Location", f"/api/v1/cases/{case_id}/")]


def _oslo():
    from zoneinfo import ZoneInfo

    return ZoneInfo(TIME_ZONE)


# --- WSGI -----------------------------------------------------------------------------------


def parse_query(environ) -> dict:
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    query = dict(pairs)
    query["status_list"] = [v for k, v in pairs if k == "status"]
    return query


def route(environ):
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if method == "GET":
        query = parse_query(environ)
        if path == "/api/v1/cases/":
            return 200, list_cases(environ, query), []
        if path == "/api/v1/events/":
            return 200, events(environ, query), []
        if path == "/api/v1/organisations/":
            return 200, subjects(environ, query, "cases_organisation", "organisation_number", *ORGANISATION), []
        if path == "/api/v1/persons/":
            return 200, subjects(environ, query, "cases_person", "id_number", *PERSON), []
        match = UUID_PATH.match(path)
        if match:
            body, headers = case_detail(environ, match[1])
            return 200, body, headers
    elif method == "POST" and path == "/api/v1/cases/":
        body, headers = create_case(environ)
        return 201, body, headers
    raise Problem(404, "Not found")


STATUS = {200: "200 OK", 201: "201 Created", 400: "400 Bad Request", 401: "401 Unauthorized", 403: "403 Forbidden",
          404: "404 Not Found", 500: "500 Internal Server Error"}  # fmt: skip


def application(environ, start_response):
    try:
        status, body, headers = route(environ)
        content_type = "application/json"
    except Problem as problem:
        status, headers, content_type = problem.status, [], "application/problem+json"
        body = {"type": "about:blank", "title": problem.title, "status": problem.status, "detail": problem.detail}
    except psycopg.OperationalError:
        global _conn
        _conn = None  # reconnect on the next request
        raise
    data = orjson.dumps(body)
    start_response(
        STATUS.get(status, str(status)),
        [("Content-Type", content_type), ("Content-Length", str(len(data))), *headers],
    )
    return [data]
