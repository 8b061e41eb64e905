"""What an uploaded file really is, judged by its bytes, never by the name or type the client sent.

A file is accepted when what it is appears in ``ATTACHMENT_CONTENT_TYPES``. Binary formats are
recognised by their signature (``filetype``, pure Python); Office files are ZIP archives and
are confirmed by the part that makes them one. Text has no signature: it is text when it
decodes as UTF-8 without control characters, and it is refused when a browser could take it
for HTML, SVG or XML (markup at the start, or a script-bearing tag near it) or when it is a
script (``#!``). Executables, archives, HTML and SVG are therefore refused however labelled.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile

import filetype
from django.http import FileResponse

SNIFF_BYTES = 8192
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The part each Office Open XML format must contain.
OFFICE_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
# Tags that make browsers (and old ones sniffing the first bytes) render a text as HTML.
MARKUP = re.compile(
    rb"<(?:!doctype|!--|\?xml|html|head|body|script|iframe|svg|style|title|object|embed|meta|link|img|a|b|p|br"
    rb"|div|font|h1|table)[\s>/]",
    re.IGNORECASE,
)
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def detect_content_type(upload) -> str | None:
    """The type of ``upload`` (a Django UploadedFile) from its content; None when unknown or
    dangerous. Leaves the file at its start."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in OFFICE_PARTS or kind.mime == "application/zip":
            return _office_type(upload)
        return kind.mime
    if _is_plain_text(upload, head):
        return "text/csv" if upload.name.lower().endswith(".csv") else "text/plain"
    return None


def _office_type(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    finally:
        upload.seek(0)
    matches = [mime for mime, part in OFFICE_PARTS.items() if part in names]
    return matches[0] if len(matches) == 1 else "application/zip"


def _is_plain_text(upload, head: bytes) -> bool:
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<", b"#!")) or MARKUP.search(head[:1024]):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in upload.chunks():
            # Control bytes never occur inside a UTF-8 sequence: a byte search is enough.
            if CONTROL.search(chunk):
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def safe_filename(name: str) -> str:
    """The client's file name without directories, control characters or quotes, for storing
    and for ``Content-Disposition``."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"')
    name = name.strip(" .")[:200]
    return name or "attachment"


def attachment_response(attachment) -> FileResponse:
    """The only way an uploaded file leaves the server (no MEDIA_URL route serves them)."""
    content_type = attachment.content_type
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"  # checked to be UTF-8 on upload
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=safe_filename(attachment.filename),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
