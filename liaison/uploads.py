"""Uploaded photos and scans: what a file really is and how large it may be.

One rule for every upload path that takes them (the reception page, the API's uploads
for receptions and for tickets): the type is sniffed from the bytes, never taken from the
file name or the browser's word; JPEG and PNG photos and PDF scans, at most 10 MB."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
# an upload's client UUID names one file of one record, for good
ID_REUSED_MESSAGE = _("该 ID 已用于另一个附件。")


def attachment_check(upload: UploadedFile) -> str:
    """The real content type of an upload (sniffed, not the browser's word), or a
    ValidationError: photos (JPEG/PNG) and scanned sheets (PDF), at most 10 MB."""
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(gettext("文件“{name}”超过 10 MB。").format(name=upload.name))
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF"):
        return "application/pdf"
    try:
        with Image.open(upload) as image:
            image.verify()
            fmt = image.format
    except Exception as exc:
        raise ValidationError(
            gettext("文件“{name}”不是可接受的类型（仅限 JPG、PNG 照片或 PDF）。").format(name=upload.name)
        ) from exc
    finally:
        upload.seek(0)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png"}.get(fmt or "")
    if content_type is None:
        raise ValidationError(
            gettext("文件“{name}”不是可接受的类型（仅限 JPG、PNG 照片或 PDF）。").format(name=upload.name)
        )
    return content_type


def original_name(upload: UploadedFile) -> str:
    """The uploader's file name as it may be stored and shown: no NUL bytes or lone
    surrogates (PostgreSQL text refuses them), at most 200 characters."""
    name = (upload.name or "").replace("\x00", "")
    return name.encode("utf-8", "replace").decode("utf-8")[:200] or "file"


def upload_check(upload: UploadedFile, *, field: str = "file") -> str:
    """``attachment_check`` for an API upload: the refusal names the request's field."""
    try:
        return attachment_check(upload)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
