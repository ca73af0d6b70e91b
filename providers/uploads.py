"""Checking and cleaning uploaded files: logos and evidence documents.

Uploads are judged by their content, never by their name or declared type.
Images are opened by Pillow restricted to PNG, JPEG and WebP, their pixel count
is checked before any decoding, and only freshly encoded pixels are ever stored
(no EXIF, ICC profile, text chunks or trailing bytes survive). PDFs are parsed
with pypdf and refused when they carry active content or hide other content
around them. Files are stored under generated names; evidence in private storage
(`providers.storage`). Every refusal raises `ValidationError` with a message for
the person who uploaded the file; nothing is written to storage before the whole
file has passed.
"""

import io
import re
import struct
import uuid
import warnings
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from impactdir import l10n
from providers.storage import evidence_storage

ALLOWED_IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")
LOGO_MAX_BYTES = 2 * 1024 * 1024
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
#: Refused before decoding, whatever the file size: a tiny file can declare a huge canvas.
MAX_PIXELS = 25_000_000
LOGO_SIZE = 512
LOGO_THUMBNAIL_SIZE = 128
EVIDENCE_IMAGE_MAX_SIZE = 2400

#: Markup that has no business inside an image; its presence means a polyglot file.
#: Long enough that compressed pixel data does not match them by chance.
_MARKUP_SIGNATURES = (b"<html", b"<script", b"<svg xmlns", b"<!doctype html", b"<?php")


@dataclass(frozen=True)
class CleanImage:
    """An image re-encoded from its pixels, ready to store."""

    content: bytes
    extension: str
    width: int
    height: int


def _megabytes(size: int, places: int | None = None) -> str:
    """A size in MB for a message, in the language's format (2.5 / 2,5); whole sizes bare."""
    value = Decimal(size) / 1048576
    return l10n.number(round(value, places) if places else value.normalize(), places)


def _read_all(upload, max_bytes: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(size, 1), "limit": _megabytes(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": _megabytes(max_bytes)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _png_end(data: bytes) -> int:
    """Offset just after the IEND chunk, walking the chunk list (raises on malformed data)."""
    offset = 8
    while True:
        if offset + 8 > len(data):
            raise ValueError("PNG ends before IEND")
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        offset += 8 + length + 4
        if kind == b"IEND":
            return offset


def _declared_end(data: bytes, image_format: str) -> int:
    """Where the image data ends according to the format's own structure."""
    if image_format == "PNG":
        return _png_end(data)
    if image_format == "WEBP":
        (riff_size,) = struct.unpack("<I", data[4:8])
        return 8 + riff_size + (riff_size & 1)
    # JPEG: the last end-of-image marker.
    end = data.rfind(b"\xff\xd9")
    if end < 0:
        raise ValueError("JPEG without end-of-image marker")
    return end + 2


def _check_no_smuggled_content(data: bytes, image_format: str) -> None:
    try:
        end = _declared_end(data, image_format)
    except (ValueError, struct.error) as exc:
        raise ValidationError(
            _("The image file is damaged or incomplete."), code="truncated"
        ) from exc
    if end < len(data):
        raise ValidationError(
            _(
                "The file holds more than an image: there is other content after the image "
                "data. Export the image again from an image editor and upload that."
            ),
            code="trailing_data",
        )
    if end > len(data):
        raise ValidationError(_("The image file is damaged or incomplete."), code="truncated")
    lowered = data.lower()
    if any(signature in lowered for signature in _MARKUP_SIGNATURES):
        raise ValidationError(
            _(
                "The file holds web page or script content next to the image. Export the image "
                "again from an image editor and upload that."
            ),
            code="polyglot",
        )


def _open_checked(data: bytes) -> Image.Image:
    """Open with Pillow restricted to our formats, refusing bombs before decoding."""
    not_an_image = ValidationError(
        _(
            "This file is not a PNG, JPEG or WebP image. Its content was checked, not its "
            "name: an SVG, EPS, PDF or other file renamed to .png is refused."
        ),
        code="wrong_type",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ALLOWED_IMAGE_FORMATS)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise _too_many_pixels() from exc
        except UnidentifiedImageError as exc:
            raise not_an_image from exc
        except (OSError, SyntaxError, ValueError, struct.error) as exc:
            raise ValidationError(
                _("The image file is damaged or incomplete."), code="truncated"
            ) from exc
        if image.format not in ALLOWED_IMAGE_FORMATS:
            raise not_an_image
        width, height = image.size
        if width < 1 or height < 1 or width * height > MAX_PIXELS:
            raise _too_many_pixels(width, height)
        if getattr(image, "n_frames", 1) > 1:
            raise ValidationError(
                _("Animated images are not accepted; upload a still image."), code="animated"
            )
        try:
            image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise _too_many_pixels(width, height) from exc
        except (OSError, SyntaxError, ValueError, struct.error) as exc:
            raise ValidationError(
                _("The image file is damaged or incomplete."), code="truncated"
            ) from exc
    return image


def _too_many_pixels(width=None, height=None) -> ValidationError:
    if width and height:
        message = _(
            "The image is %(width)s × %(height)s pixels; at most %(limit)s megapixels are accepted."
        ) % {"width": width, "height": height, "limit": MAX_PIXELS // 1_000_000}
    else:
        message = _("The image declares too many pixels; at most %(limit)s megapixels.") % {
            "limit": MAX_PIXELS // 1_000_000
        }
    return ValidationError(message, code="too_many_pixels")


def _encode(image: Image.Image, max_size: int) -> CleanImage:
    """Re-encode from pixels only: a new image object carries no metadata from the upload."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    pixels = image.convert("RGBA" if has_alpha else "RGB")
    pixels.thumbnail((max_size, max_size), Image.Resampling.LANCZOS)
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, format="JPEG", quality=88, optimize=True)
        extension = "jpg"
    return CleanImage(out.getvalue(), extension, clean.width, clean.height)


def check_image(upload, *, max_bytes: int = LOGO_MAX_BYTES) -> Image.Image:
    """Read and check an uploaded image; return the decoded Pillow image or raise."""
    data = _read_all(upload, max_bytes)
    image = _open_checked(data)
    _check_no_smuggled_content(data, image.format)
    return image


@dataclass(frozen=True)
class CleanLogo:
    logo: CleanImage
    thumbnail: CleanImage


def logo_clean(upload) -> CleanLogo:
    """Check an uploaded logo and re-encode it at 512 px and as a 128 px thumbnail."""
    image = check_image(upload, max_bytes=LOGO_MAX_BYTES)
    return CleanLogo(_encode(image, LOGO_SIZE), _encode(image, LOGO_THUMBNAIL_SIZE))


def thumbnail_name(logo_name: str) -> str:
    """Storage name of a logo's thumbnail, stored next to it."""
    stem, _dot, extension = logo_name.rpartition(".")
    return f"{stem}-thumb.{extension}"


def logo_store(clean: CleanLogo) -> str:
    """Store a cleaned logo and its thumbnail under a generated name; return the logo's name."""
    stem = f"logos/{uuid.uuid4().hex}"
    name = default_storage.save(f"{stem}.{clean.logo.extension}", ContentFile(clean.logo.content))
    default_storage.save(thumbnail_name(name), ContentFile(clean.thumbnail.content))
    return name


@dataclass(frozen=True)
class CleanEvidence:
    content: bytes
    extension: str


#: Bytes a PDF may end with after its last %%EOF marker (line ends, padding).
_PDF_TAIL_ALLOWED = b" \t\r\n\x00\x0c"
#: PDF readers look for the header this far into a file; so does our check for a prefix.
_PDF_HEADER_WINDOW = 1024
#: Bounds on the structure walk: a crafted file must not make the check itself costly.
_PDF_MAX_OBJECTS = 200_000
_PDF_MAX_DEPTH = 64
#: Long names of active content, also searched in the raw bytes (with #xx escapes undone),
#: which finds them in objects the cross-reference table hides from a strict reader.
_PDF_RAW_NAMES = {
    b"/JavaScript": "javascript",
    b"/Launch": "launch",
    b"/EmbeddedFile": "embedded",
    b"/EmbeddedFiles": "embedded",
    b"/RichMedia": "embedded",
    b"/XFA": "xfa",
}
_PDF_NAME_TOKEN = re.compile(rb"/[^\x00\t\n\x0c\r ()<>\[\]{}/%]+")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _pdf_refusal(kind: str) -> ValidationError:
    messages = {
        "javascript": _(
            "The PDF contains JavaScript. Evidence must be a plain document: print it to a "
            "new PDF (or export it without scripts) and upload that."
        ),
        "launch": _(
            "The PDF tries to open another program or file when it is read. Print it to a new "
            "PDF and upload that."
        ),
        "embedded": _(
            "The PDF has files or media embedded in it. Upload each document as a PDF of its "
            "own, without attachments."
        ),
        "xfa": _(
            "The PDF is an XFA form, which can run code. Print it to a plain PDF and upload that."
        ),
        "damaged": _("The PDF file is damaged or incomplete; it could not be read as a PDF."),
        "encrypted": _(
            "The PDF is password-protected, so its content cannot be checked. Save a copy "
            "without a password and upload that."
        ),
        "prefix": _(
            "The file has other content before the start of the PDF. Export the document "
            "again as a PDF and upload that."
        ),
        "trailing": _(
            "The file has other content after the end of the PDF. Export the document again "
            "as a PDF and upload that."
        ),
        "polyglot": _("The PDF holds web page or script content; export it again and upload that."),
    }
    return ValidationError(messages[kind], code=f"pdf_{kind}")


def _pdf_raw_names(data: bytes) -> str | None:
    for token in _PDF_NAME_TOKEN.findall(data):
        if b"#" in token:
            token = _PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), token)
        kind = _PDF_RAW_NAMES.get(token)
        if kind:
            return kind
    return None


def _pdf_active_content(value, depth: int = 0) -> str | None:
    """The kind of active content in one object (direct children only), or None."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if depth > _PDF_MAX_DEPTH:
        raise _pdf_refusal("damaged")
    if isinstance(value, DictionaryObject):
        action = value.get("/S")
        if isinstance(action, IndirectObject):
            action = action.get_object()
        if action == "/JavaScript" or "/JS" in value or "/JavaScript" in value:
            return "javascript"
        if action == "/Launch":
            return "launch"
        if value.get("/Type") in ("/EmbeddedFile", "/RichMedia") or any(
            key in value for key in ("/EmbeddedFiles", "/EF", "/RichMediaContent")
        ):
            return "embedded"
        if "/XFA" in value:
            return "xfa"
        children = value.values()
    elif isinstance(value, ArrayObject):
        children = value
    else:
        return None
    for child in children:
        if not isinstance(child, IndirectObject):  # indirect objects are visited on their own
            kind = _pdf_active_content(child, depth + 1)
            if kind:
                return kind
    return None


def _pdf_objects(reader):
    """Every object the cross-reference tables name, compressed object streams included."""
    from pypdf.generic import IndirectObject

    references = [
        (idnum, generation) for generation, table in reader.xref.items() for idnum in table
    ]
    references += [(idnum, 0) for idnum in reader.xref_objStm]
    if len(references) > _PDF_MAX_OBJECTS:
        raise _pdf_refusal("damaged")
    for idnum, generation in references:
        yield reader.get_object(IndirectObject(idnum, generation, reader))


def _check_pdf(data: bytes) -> None:
    """Refuse anything but a plain, readable PDF: parsed by pypdf, no active content.

    Refused: bytes before `%PDF-` or after the last `%%EOF` (where polyglots hide web
    pages), markup anywhere, a file pypdf cannot parse or that has no page, encryption
    (its objects cannot be checked), and active content: JavaScript in any form, launch
    actions, embedded files or media, XFA forms. Each object in the cross-reference
    tables is read, so names hidden in compressed object streams or written with #xx
    escapes are found too.
    """
    # Imported here: pypdf costs a web worker ~18 MB, and only evidence uploads need it.
    from pypdf import PdfReader

    if not data.startswith(b"%PDF-"):
        if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
            raise _pdf_refusal("prefix")
        raise ValidationError(
            _("Evidence must be a PDF document or a PNG, JPEG or WebP image."),
            code="wrong_type",
        )
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise _pdf_refusal("damaged")
    if data[end + len(b"%%EOF") :].strip(_PDF_TAIL_ALLOWED):
        raise _pdf_refusal("trailing")
    lowered = data.lower()
    if any(signature in lowered for signature in _MARKUP_SIGNATURES):
        raise _pdf_refusal("polyglot")
    kind = _pdf_raw_names(data)
    if kind:
        raise _pdf_refusal(kind)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise _pdf_refusal("encrypted")
            if len(reader.pages) < 1:
                raise _pdf_refusal("damaged")
            kind = _pdf_active_content(reader.trailer)
            for obj in _pdf_objects(reader):
                kind = kind or _pdf_active_content(obj)
                if kind:
                    break
    except ValidationError:
        raise
    except RecursionError as exc:
        raise _pdf_refusal("damaged") from exc
    except Exception as exc:  # pypdf raises many kinds of error on malformed input
        raise _pdf_refusal("damaged") from exc
    if kind:
        raise _pdf_refusal(kind)


def evidence_clean(upload) -> CleanEvidence:
    """Check an evidence file: a plain PDF (see `_check_pdf`) or an image (re-encoded)."""
    data = _read_all(upload, EVIDENCE_MAX_BYTES)
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        _check_pdf(data)
        return CleanEvidence(data, "pdf")
    try:
        image = _open_checked(data)
    except ValidationError as exc:
        if exc.code == "wrong_type":
            raise ValidationError(
                _("Evidence must be a PDF document or a PNG, JPEG or WebP image."),
                code="wrong_type",
            ) from exc
        raise
    _check_no_smuggled_content(data, image.format)
    clean = _encode(image, EVIDENCE_IMAGE_MAX_SIZE)
    return CleanEvidence(clean.content, clean.extension)


def evidence_store(clean: CleanEvidence, *, folder: str) -> str:
    """Store a cleaned evidence file in private storage under a generated name; return it."""
    return evidence_storage().save(
        f"{folder}/{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.content)
    )


def evidence_discard(name: str) -> None:
    """Delete a just-stored evidence file that no row came to reference (a refused save)."""
    if name:
        evidence_storage().delete(name)


def logo_discard(name: str) -> None:
    """Delete a just-stored logo and its thumbnail that no row came to reference."""
    if name:
        default_storage.delete(name)
        default_storage.delete(thumbnail_name(name))
