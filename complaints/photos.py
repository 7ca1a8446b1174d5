"""Complaint photos: JPEG or PNG only (by magic bytes), size-capped, re-encoded without metadata, random names.

Every channel stores a complaint's photos here (the web upload, the Telegram adapter after fetching the file),
so department staff see them on the dashboard whichever way the family filed. Channels store a photo only while
a complaint is at its photo step; `delete_orphans` removes files no complaint or open draft refers to.
"""

from __future__ import annotations

import asyncio
import io
import re
import secrets
import time
from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from complaints import cpu
from complaints.models import Complaint
from storage.database import Database
from storage.models import Conversation

JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 16_000_000  # a 16 MP phone photo decodes to ~50 MB; the deployment guide allows 512 MB
MAX_BYTES = 5 * 1024 * 1024
#: A JPEG is decoded at the smallest of 1/2, 1/4, 1/8 scale whose long side stays at least this (a 16 MP photo at
#: 2312 x 1734): plenty for staff to see what a family saw.
MAX_SIDE = 2048
#: Names this module gives; anything else (a Telegram file id) is not a local file.
STORED = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")
MEDIA = {"jpg": "image/jpeg", "png": "image/png"}
ORPHAN_AGE = timedelta(days=2)  # longer than a draft waits between its photo step and confirmation
#: One decoder thread: decoding never runs on the event loop, and two big photos never decode at once.
_decoder = cpu.pool("photo", 1)


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
    """Check, strip EXIF (it may hold the family's GPS position), shrink big JPEGs and save; returns the stored id."""
    if len(data) > max_bytes:
        raise PhotoRejected(f"photo larger than {max_bytes // (1024 * 1024)} MB", 413)
    kind = sniff(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected("photo has too many pixels", 413)
            if kind == "jpg":  # libjpeg decodes at 1/2, 1/4 or 1/8 scale directly: a quarter of the time and memory
                scale = MAX_SIDE / max(image.size)
                image.draft("RGB", (int(image.width * scale), int(image.height * scale)))
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


async def store(data: bytes, into: Path, max_bytes: int = MAX_BYTES) -> str:
    """`store_photo` in the decoder thread, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_decoder, store_photo, data, into, max_bytes)


async def delete_orphans(db: Database, into: Path, older_than: timedelta = ORPHAN_AGE) -> int:
    """Delete stored photos older than `older_than` that no complaint and no chat's draft refers to.

    For the jobs runner (daily is enough). Photos of a draft never filed, of an upload the flow refused and of
    complaints whose rows were deleted go; a young file may belong to a draft still being written.
    """
    cutoff = time.time() - older_than.total_seconds()
    candidates = {p.name: p for p in into.glob("*.*") if STORED.match(p.name) and p.stat().st_mtime < cutoff}
    if not candidates:
        return 0
    async with db.session() as s:  # drafts first: one filed meanwhile is then seen as a complaint
        for state in (await s.execute(select(Conversation.state))).scalars():
            for name in ((state or {}).get("data") or {}).get("photos") or []:
                candidates.pop(str(name), None)
        for photos in (await s.execute(select(Complaint.photos))).scalars():
            for name in photos or []:
                candidates.pop(name, None)
    for path in candidates.values():
        path.unlink(missing_ok=True)
    return len(candidates)


def photo_path(into: Path, stored: str) -> Path | None:
    """The file of a stored id made by this module, or None (foreign ids, missing files)."""
    if not STORED.match(stored):
        return None
    path = into / stored
    return path if path.is_file() else None
