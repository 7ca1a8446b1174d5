"""Complaint photos: JPEG or PNG only (by magic bytes), size-capped, re-encoded without metadata, random names.

Every channel stores a complaint's photos here (the web upload, the Telegram adapter after fetching the file),
so department staff see them on the dashboard whichever way the family filed.
"""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 40_000_000
MAX_BYTES = 5 * 1024 * 1024
#: Names this module gives; anything else (a Telegram file id) is not a local file.
STORED = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")
MEDIA = {"jpg": "image/jpeg", "png": "image/png"}


class PhotoRejected(ValueError):
    """Not an acceptable photo; `status` is the matching HTTP status (413 too large, 415 wrong type, else 400)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def sniff(data: bytes) -> str:
    """`jpg` or `png` from the first bytes; the client's Content-Type is not trusted."""
    if data.startswith(JPEG):
        return "jpg"
    if data.startswith(PNG):
        return "png"
    raise PhotoRejected("only JPEG or PNG photos", 415)


def folder(data_dir: Path) -> Path:
    """Where a deployment keeps complaint photos."""
    return data_dir / "uploads"


def store_photo(data: bytes, into: Path, max_bytes: int = MAX_BYTES) -> str:
    """Check, strip EXIF (it may hold the family's GPS position) and save; returns the stored id."""
    if len(data) > max_bytes:
        raise PhotoRejected(f"photo larger than {max_bytes // (1024 * 1024)} MB", 413)
    kind = sniff(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected("photo has too many pixels", 413)
            clean = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if kind == "jpg":
                clean.convert("RGB").save(out, "JPEG", quality=85)
            else:
                clean.save(out, "PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PhotoRejected("the photo could not be read") from exc
    into.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    (into / name).write_bytes(out.getvalue())
    return name


def photo_path(into: Path, stored: str) -> Path | None:
    """The file of a stored id made by this module, or None (foreign ids, missing files)."""
    if not STORED.match(stored):
        return None
    path = into / stored
    return path if path.is_file() else None
