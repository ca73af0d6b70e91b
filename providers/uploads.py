"""Checking and cleaning uploaded files: logos and evidence documents.

Uploads are judged by their content, never by their name or declared type.
Images are opened by Pillow restricted to PNG, JPEG and WebP, their pixel count
is checked before any decoding, and only freshly encoded pixels are ever stored
(no EXIF, ICC profile, text chunks or trailing bytes survive). Files are stored
under generated names. Every refusal raises `ValidationError` with a message
for the person who uploaded the file; nothing is written to storage before the
whole file has passed.
"""

import io
import struct
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

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


def _read_all(upload, max_bytes: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{max_bytes / 1048576:g}"},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": f"{max_bytes / 1048576:g}"},
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


def _check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise ValidationError(
            _("Evidence must be a PDF document or a PNG, JPEG or WebP image."),
            code="wrong_type",
        )
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(_("The PDF file is damaged or incomplete."), code="truncated")
    lowered = data.lower()
    if any(signature in lowered for signature in _MARKUP_SIGNATURES):
        raise ValidationError(
            _("The PDF holds web page or script content; export it again and upload that."),
            code="polyglot",
        )


def evidence_clean(upload) -> CleanEvidence:
    """Check an evidence file: a PDF (checked for structure) or an image (re-encoded)."""
    data = _read_all(upload, EVIDENCE_MAX_BYTES)
    if data.startswith(b"%PDF-"):
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
    """Store a cleaned evidence file under a generated name in `folder`; return its name."""
    return default_storage.save(
        f"{folder}/{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.content)
    )
