"""The domain services one build offers, typed: what the composition root hands to flows and channel adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the finder's and the complaints' modules load only when a build wires them
    from bot.share import ShareService
    from complaints.outbox import Deliverer
    from complaints.service import ComplaintService
    from locator.service import FacilityService
    from storage.database import Database


@dataclass
class Services:
    """The database and the services over it; a build without the finder or the complaints has None there."""

    db: Database
    share: ShareService
    facilities: FacilityService | None = None
    complaints: ComplaintService | None = None
    outbox: Deliverer | None = None

    async def close(self) -> None:
        """Release the services' own connections (the database itself is closed by its owner)."""
        if self.facilities is not None:
            await self.facilities.close()
