"""Checks of uploaded proof of delivery: photos and scanned signatures, images or PDF.

The type is read from the file's content, never trusted from its name or the browser, and
the stored name is our own (see ``models.awards.evidence_path``).
"""

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from arraigo.core.errors import ApplicationError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ACCEPT = "image/jpeg,image/png,application/pdf"
# Content types we accept, the signature their content starts with, and the suffix they get.
SIGNATURES: tuple[tuple[str, bytes, str], ...] = (
    ("image/jpeg", b"\xff\xd8\xff", ".jpg"),
    ("image/png", b"\x89PNG\r\n\x1a\n", ".png"),
    ("application/pdf", b"%PDF-", ".pdf"),
)


class EvidenceInvalid(ApplicationError):
    """Raised when proof of delivery is not a JPEG, PNG or PDF file, or is too large."""


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    suffix: str
    size: int


def check_evidence(upload: UploadedFile, *, field: str = "evidence") -> CheckedFile:
    """What *upload* really is, if it is an image (JPEG, PNG) or a PDF within the size limit.

    :raises EvidenceInvalid: for an empty, too large or unaccepted file.
    """
    size = upload.size or 0
    if size == 0:
        raise EvidenceInvalid(_("The file is empty."), field=field)
    if size > MAX_UPLOAD_BYTES:
        raise EvidenceInvalid(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Take a smaller photo or scan.")
            % {
                "size": round(size / 1024 / 1024, 1),
                "limit": MAX_UPLOAD_BYTES // 1024 // 1024,
            },
            field=field,
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = next((entry for entry in SIGNATURES if head.startswith(entry[1])), None)
    if kind is None:
        raise EvidenceInvalid(
            _("Upload a photo (JPEG or PNG) or a PDF; this file is of another kind."), field=field
        )
    content_type, _signature, suffix = kind
    if content_type.startswith("image/"):
        try:
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise EvidenceInvalid(
                _("This image cannot be read; it may be damaged."), field=field
            ) from error
        finally:
            upload.seek(0)
    return CheckedFile(content_type=content_type, suffix=suffix, size=size)
