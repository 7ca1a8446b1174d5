"""FacilityService's reads for the web pages: one facility by registry id, and whether the demo set is loaded."""

from __future__ import annotations

from locator.demo import rows as demo_rows
from locator.demo import seed_demo
from locator.service import FacilityService
from storage.database import Database


async def test_one_facility_by_registry_id_and_the_demo_flag(database: Database) -> None:
    service = FacilityService(database)
    assert not await service.demo_loaded()
    assert await service.facility("LZ-NOT-THERE") is None
    await seed_demo(database)
    first = demo_rows()[0]
    found = await service.facility(str(first["registry_id"]))
    assert found is not None and found.name == first["name"] and found.registry_id == first["registry_id"]
    assert await service.demo_loaded()
    await service.close()
