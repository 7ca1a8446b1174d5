"""Photo storage: the pixel limit, and orphan files deleted while complaints' and drafts' photos stay."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from PIL import Image

from complaints import photos
from storage.database import Database
from storage.models import Conversation
from tests.complaints.support import file, service


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, "PNG")
    return out.getvalue()


async def test_pixel_limit_is_16_megapixels(tmp_path: Path) -> None:
    assert await photos.store(png(4000, 4000), tmp_path)
    with pytest.raises(photos.PhotoRejected) as refused:
        await photos.store(png(4001, 4000), tmp_path)
    assert refused.value.status == 413


async def test_orphans_go_and_referenced_or_young_photos_stay(database: Database, tmp_path: Path) -> None:
    tmp_path = tmp_path / "uploads"
    names = [await photos.store(png(8, 8), tmp_path) for _ in range(4)]
    filed_photo, draft_photo, orphan, young_orphan = names
    await file(service(database), photos=(filed_photo,))
    async with database.session() as s:
        s.add(Conversation(chat_key="web:drafting1", state={"flow": "complaint", "data": {"photos": [draft_photo]}}))
    old = time.time() - photos.ORPHAN_AGE.total_seconds() - 60
    for name in (filed_photo, draft_photo, orphan):
        os.utime(tmp_path / name, (old, old))
    (tmp_path / "notes.txt").write_text("not ours")
    assert await photos.delete_orphans(database, tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([filed_photo, draft_photo, young_orphan,
                                                                 "notes.txt"])
    assert not (tmp_path / orphan).exists()
