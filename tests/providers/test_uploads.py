"""Uploads with real crafted files: only clean PNG/JPEG/WebP logos are stored, nothing else."""

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from providers import uploads
from providers.models import CertificationHolding, ListingStatus
from tests.factories import CertificationFactory
from tests.providers.listing_helpers import image_bytes, listing_with_owner, pdf_bytes


def upload(data: bytes, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge canvas (a decompression bomb's calling card)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    idat = zlib.compress(row * 4, 9)  # far fewer rows than declared: the file stays tiny
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def noisy_png(size=(300, 200)) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def stored_files(settings) -> list[Path]:
    """Every file in public media and in private (evidence) storage."""
    found = []
    for root in (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)):
        found += [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return found


# --------------------------------------------------------------------------
# The cleaning function
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mode", "extension"),
    [("PNG", "RGBA", "png"), ("JPEG", "RGB", "jpg"), ("WEBP", "RGB", "jpg")],
)
def test_png_jpeg_and_webp_are_accepted_and_resized(fmt, mode, extension):
    data = image_bytes(fmt, size=(1600, 800), mode=mode)
    clean = uploads.logo_clean(upload(data, name="whatever.bin"))
    assert clean.logo.extension == extension
    assert (clean.logo.width, clean.logo.height) == (512, 256)
    assert max(clean.thumbnail.width, clean.thumbnail.height) == 128
    reopened = Image.open(io.BytesIO(clean.logo.content))
    assert reopened.size == (512, 256)


def test_reencoding_drops_exif_icc_and_text():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS info
    jpeg = image_bytes("JPEG", size=(100, 100), exif=exif.tobytes(), icc_profile=b"fake-icc" * 20)
    assert b"SpyCam" in jpeg
    clean = uploads.logo_clean(upload(jpeg, name="photo.jpg", content_type="image/jpeg"))
    assert b"SpyCam" not in clean.logo.content
    assert b"fake-icc" not in clean.logo.content
    reopened = Image.open(io.BytesIO(clean.logo.content))
    assert not reopened.getexif()
    assert "icc_profile" not in reopened.info

    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret note")
    png = image_bytes("PNG", size=(50, 50), pnginfo=info)
    assert b"secret note" in png
    clean = uploads.logo_clean(upload(png))
    assert b"secret note" not in clean.logo.content + clean.thumbnail.content


def test_stored_logo_has_a_generated_name_and_no_trailing_bytes(settings):
    clean = uploads.logo_clean(upload(image_bytes("PNG", mode="RGBA"), name="../../evil.png"))
    name = uploads.logo_store(clean)
    assert name.startswith("logos/") and "evil" not in name
    data = (Path(settings.MEDIA_ROOT) / name).read_bytes()
    assert data.endswith(png_chunk(b"IEND", b""))
    assert (Path(settings.MEDIA_ROOT) / uploads.thumbnail_name(name)).exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        # 20000 × 20000: Pillow itself calls this a bomb before decoding.
        (png_declaring(20000, 20000), "too_many_pixels"),
        # 6000 × 5000 = 30 MP: under Pillow's limit, over ours, in a file of a few hundred bytes.
        (png_declaring(6000, 5000), "too_many_pixels"),
        (
            image_bytes("PNG")
            + b"<html><body><script>alert(document.cookie)</script></body></html>",
            "trailing_data",
        ),
        (image_bytes("JPEG") + b"<html><script>alert(1)</script></html>", "trailing_data"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>alert(1)</script></svg>",
            "wrong_type",
        ),
        (
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto showpage\n",
            "wrong_type",
        ),
        (image_bytes("GIF"), "wrong_type"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "wrong_type"),
        (noisy_png()[:20000], "truncated"),
        (image_bytes("JPEG", size=(400, 400))[:-400], "truncated"),
        (b"", "empty"),
    ],
    ids=[
        "bomb-400MP",
        "bomb-30MP-tiny-file",
        "polyglot-png-html",
        "polyglot-jpeg-html",
        "svg-renamed-png",
        "eps-renamed-png",
        "gif",
        "pdf",
        "truncated-png",
        "truncated-jpeg",
        "empty",
    ],
)
def test_dangerous_or_broken_files_are_refused(data, code):
    assert len(data) < 100_000
    with pytest.raises(ValidationError) as refused:
        uploads.logo_clean(upload(data, name="logo.png"))
    assert refused.value.code == code
    assert refused.value.messages[0]


def test_oversize_file_is_refused_before_reading_it_all():
    big = upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), name="big.png")
    with pytest.raises(ValidationError) as refused:
        uploads.logo_clean(big)
    assert refused.value.code == "too_large"
    assert "2 MB" in refused.value.messages[0]


def test_evidence_accepts_pdf_and_images_and_refuses_the_rest():
    assert uploads.evidence_clean(upload(pdf_bytes(), name="cert.pdf")).extension == "pdf"
    assert uploads.evidence_clean(upload(image_bytes("JPEG"), name="scan.jpg")).extension == "jpg"
    for bad in [
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.4\n no end of file marker",
        b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF",
        b"MZ\x90\x00 an executable",
    ]:
        with pytest.raises(ValidationError):
            uploads.evidence_clean(upload(bad, name="cert.pdf"))
    with pytest.raises(ValidationError) as refused:
        uploads.evidence_clean(upload(b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), name="x.pdf"))
    assert refused.value.code == "too_large"


# --------------------------------------------------------------------------
# Through the dashboard: a refusal shows a message and stores nothing
# --------------------------------------------------------------------------


@pytest.mark.django_db
def test_logo_upload_through_the_dashboard_stores_a_clean_file(client, settings):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    url = reverse("dashboard:logo", args=[provider.pk])
    response = client.post(
        url, {"version": provider.version, "logo": upload(image_bytes("PNG", size=(900, 900)))}
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.logo.name.startswith("logos/")
    assert provider.version == 2
    assert len(stored_files(settings)) == 2  # logo and thumbnail
    assert Image.open(provider.logo.path).size == (512, 512)
    assert provider.history.first().history_user == owner


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png_declaring(6000, 5000), "megapixels"),
        (image_bytes("PNG") + b"<html><script>alert(1)</script></html>", "more than an image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "not a PNG, JPEG or WebP"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n", "not a PNG, JPEG or WebP"),
        (noisy_png()[:5000], "damaged or incomplete"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024 + 10), "limit is 2 MB"),
    ],
    ids=["bomb", "polyglot", "svg", "eps", "truncated", "oversize"],
)
def test_refused_logo_shows_why_and_stores_nothing(client, settings, data, message):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    response = client.post(
        reverse("dashboard:logo", args=[provider.pk]),
        {"version": provider.version, "logo": upload(data)},
    )
    assert response.status_code == 200
    assert message in response.text
    provider.refresh_from_db()
    assert provider.logo.name == ""
    assert provider.version == 1
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_certification_evidence_upload_is_checked(client, settings):
    provider, owner = listing_with_owner(status=ListingStatus.DRAFT)
    certification = CertificationFactory()
    client.force_login(owner)
    url = reverse("dashboard:certification_create", args=[provider.pk])
    fields = {
        "version": provider.version,
        "certification": certification.pk,
        "certificate_number": "Q-1",
        "issued_on": "2025-01-01",
        "expires_on": "2028-01-01",
    }
    bad = upload(b"<html><script>alert(1)</script></html>", name="cert.pdf")
    response = client.post(url, {**fields, "evidence_file": bad})
    assert response.status_code == 200
    assert "PDF document or a PNG, JPEG or WebP image" in response.text
    assert not CertificationHolding.objects.exists()
    assert stored_files(settings) == []

    pdf = upload(pdf_bytes(), name="anything.png")
    response = client.post(url, {**fields, "evidence_file": pdf})
    assert response.status_code == 302
    holding = CertificationHolding.objects.get()
    assert holding.evidence.name.startswith("evidence/certifications/")
    assert holding.evidence.name.endswith(".pdf")
    # In private storage, which the web server does not serve; nothing in public media.
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / holding.evidence.name).read_bytes() == pdf_bytes()
    assert not (Path(settings.MEDIA_ROOT) / holding.evidence.name).exists()


# --------------------------------------------------------------------------
# PDFs: parsed with pypdf, active content refused
# --------------------------------------------------------------------------


def classic_pdf(catalog_extra: bytes = b"") -> bytes:
    """A hand-written PDF (classic cross-reference table) with `catalog_extra` in its catalog.

    Written by hand because names must sometimes be spelt in ways a PDF library never
    writes (#xx escapes).
    """
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def object_stream_pdf(catalog_extra: bytes = b"") -> bytes:
    """A PDF 1.5 whose objects sit deflated in an object stream, named by an xref stream.

    Nothing of the catalog is visible in the raw bytes: only reading the structure finds
    what `catalog_extra` adds.
    """
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    header, data = b"", b""
    for number, body in enumerate(bodies, start=1):
        header += b"%d %d " % (number, len(data))
        data += body + b"\n"
    stream = zlib.compress(header + data)
    out = bytearray(b"%PDF-1.5\n")
    objstm_offset = len(out)
    out += b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\n" % (
        len(header),
        len(stream),
    )
    out += b"stream\n" + stream + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [(0, 0, 65535), (2, 4, 0), (2, 4, 1), (2, 4, 2), (1, objstm_offset, 0)]
    rows.append((1, xref_offset, 0))
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    out += b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\n" % len(table)
    out += b"stream\n" + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def with_open_action_script(writer):
    from pypdf.actions import JavaScript

    writer.add_open_action(JavaScript("app.alert(1)"))


def with_attachment(writer):
    writer.add_attachment("invoice.exe", b"MZ not really")


JS_ACTION = b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"


@pytest.mark.parametrize(
    "data",
    [
        pdf_bytes(),
        classic_pdf(),
        object_stream_pdf(),
        pdf_bytes() + b"\r\n\x00\x00\n",  # padding after %%EOF is common and harmless
    ],
    ids=["pypdf", "hand-written", "object-stream", "padded"],
)
def test_plain_pdfs_are_accepted_byte_for_byte(data):
    clean = uploads.evidence_clean(upload(data, name="cert.pdf"))
    assert (clean.extension, clean.content) == ("pdf", data)


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (pdf_bytes(with_open_action_script), "pdf_javascript", "contains JavaScript"),
        (classic_pdf(JS_ACTION), "pdf_javascript", "contains JavaScript"),
        (
            classic_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
            "pdf_javascript",
            "contains JavaScript",
        ),
        (object_stream_pdf(JS_ACTION), "pdf_javascript", "contains JavaScript"),
        (
            object_stream_pdf(b"/AA << /WC << /S /JavaScript /JS (app.alert(1)) >> >>"),
            "pdf_javascript",
            "contains JavaScript",
        ),
        (
            object_stream_pdf(b"/OpenAction << /S /Launch /F (calc.exe) >>"),
            "pdf_launch",
            "open another program",
        ),
        (pdf_bytes(with_attachment), "pdf_embedded", "files or media embedded"),
        (
            object_stream_pdf(
                b"/Names << /EmbeddedFiles << /Names [(a.txt) << /Type /Filespec /F (a.txt) "
                b"/EF << /F 9 0 R >> >>] >> >>"
            ),
            "pdf_embedded",
            "files or media embedded",
        ),
        (
            object_stream_pdf(b"/AcroForm << /Fields [] /XFA (x) >>"),
            "pdf_xfa",
            "XFA form",
        ),
        (b"<html><body>hi</body></html>\n" + pdf_bytes(), "pdf_prefix", "before the start"),
        (pdf_bytes() + b"<html><script>alert(1)</script></html>", "pdf_trailing", "after the end"),
        (pdf_bytes() + b"<p>not a pdf</p>", "pdf_trailing", "after the end"),
        (
            b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF",
            "pdf_polyglot",
            "web page or script",
        ),
        (b"%PDF-1.4\n<p>hello</p>\n%%EOF\n", "pdf_damaged", "could not be read"),
        (b"%PDF-1.7\nno end of file marker", "pdf_damaged", "damaged or incomplete"),
        (pdf_bytes()[:400] + b"\n%%EOF\n", "pdf_damaged", "damaged or incomplete"),
    ],
    ids=[
        "open-action-script",
        "open-action-script-hand-written",
        "script-name-with-hex-escapes",
        "script-in-object-stream",
        "additional-action-script",
        "launch",
        "attachment",
        "embedded-file-in-object-stream",
        "xfa",
        "html-before-header",
        "html-after-eof",
        "markup-after-eof",
        "header-html-eof",
        "header-text-eof",
        "no-eof",
        "truncated",
    ],
)
def test_pdfs_with_active_or_hidden_content_are_refused(data, code, message):
    with pytest.raises(ValidationError) as refused:
        uploads.evidence_clean(upload(data, name="cert.pdf"))
    assert refused.value.code == code
    assert message in refused.value.messages[0]


def test_password_protected_pdf_is_refused():
    def encrypt(writer):
        writer.encrypt(user_password="secret", algorithm="RC4-128")

    with pytest.raises(ValidationError) as refused:
        uploads.evidence_clean(upload(pdf_bytes(encrypt), name="cert.pdf"))
    assert refused.value.code == "pdf_encrypted"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pdf_bytes(with_open_action_script), "contains JavaScript"),
        (pdf_bytes(with_attachment), "files or media embedded"),
        (pdf_bytes() + b"<html><script>alert(1)</script></html>", "after the end of the PDF"),
    ],
    ids=["script", "attachment", "trailing-html"],
)
def test_refused_report_evidence_shows_why_and_stores_nothing(client, settings, data, message):
    provider, owner = listing_with_owner(status=ListingStatus.DRAFT)
    client.force_login(owner)
    response = client.post(
        reverse("dashboard:report_create", args=[provider.pk]),
        {
            "version": provider.version,
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "impact_worker_definition": "Hired from a target group.",
            "total_employees": 100,
            "impact_workers": 40,
            "provenance": "documented",
            "evidence_file": upload(data, name="report.pdf", content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    assert message in response.text
    assert not provider.reports.exists()
    provider.refresh_from_db()
    assert provider.version == 1
    assert stored_files(settings) == []
