"""Complaint photos: JPEG or PNG only (by magic bytes), size-capped, re-encoded without metadata, random names."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 40_000_000
#: Names this module gives; anything else (a Telegram file id) is not a local file.
STORED = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")
MEDIA = {"jpg": "image/jpeg", "png": "image/png"}


class UploadRejected(ValueError):
    """The upload is not an acceptable photo; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def sniff(data: bytes) -> str:
    """`jpg` or `png` from the first bytes; the client's Content-Type is not trusted."""
    if data.startswith(JPEG):
        return "jpg"
    if data.startswith(PNG):
        return "png"
    raise UploadRejected("only JPEG or PNG photos", 415)


def store_photo(data: bytes, folder: Path, max_bytes: int) -> str:
    """Check, strip EXIF (it may hold the family's GPS position) and save; returns the stored id."""
    if len(data) > max_bytes:
        raise UploadRejected(f"photo larger than {max_bytes // (1024 * 1024)} MB", 413)
    kind = sniff(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UploadRejected("photo has too many pixels", 413)
            clean = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if kind == "jpg":
                clean.convert("RGB").save(out, "JPEG", quality=85)
            else:
                clean.save(out, "PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UploadRejected("the photo could not be read") from exc
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    (folder / name).write_bytes(out.getvalue())
    return name


def photo_path(folder: Path, stored: str) -> Path | None:
    """The file of a stored id made by this module, or None (foreign ids, missing files)."""
    if not STORED.match(stored):
        return None
    path = folder / stored
    return path if path.is_file() else None
