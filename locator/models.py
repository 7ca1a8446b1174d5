"""The facility table: one row per registry id, WGS-84 coordinates with a grid cell for the prefilter
(indexed with the coordinates, so a box is tested in the index)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow


class Facility(Base):
    """A childcare facility (托育机构) from the registry, an import, or the synthetic demo set."""

    __tablename__ = "facility"
    __table_args__ = (Index("ix_facility_cell_lat_lon", "cell", "lat", "lon"),
                      Index("ix_facility_district", "district"))

    registry_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # 备案号
    name: Mapped[str] = mapped_column(String(200))
    nature: Mapped[str | None] = mapped_column(String(16), nullable=True)  # public / inclusive / private
    for_profit: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    care_mask: Mapped[int] = mapped_column(Integer)  # bits from locator.model.CARE_BITS
    min_age_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_age_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    places_free: Mapped[int | None] = mapped_column(Integer, nullable=True)
    places_updated: Mapped[date | None] = mapped_column(Date, nullable=True)
    hours: Mapped[str | None] = mapped_column(String(100), nullable=True)
    fee_min: Mapped[int | None] = mapped_column(Integer, nullable=True)  # yuan per month
    fee_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    district: Mapped[str] = mapped_column(String(50))
    subdistrict: Mapped[str | None] = mapped_column(String(50), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lon: Mapped[float] = mapped_column(Float)
    datum: Mapped[str] = mapped_column(String(8), default="wgs84")  # the datum the source used
    cell: Mapped[int] = mapped_column(Integer)  # locator.geo.cell_of(lat, lon)
    registered: Mapped[bool] = mapped_column(Boolean, default=False)  # 备案 on file
    registered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    verified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # columns we do not model
    content_hash: Mapped[str] = mapped_column(String(32))  # of the imported values: re-imports are no-ops
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class GeocodeAnswer(Base):
    """An online geocoder's answer for a typed place (WGS-84; no point: it found nothing), kept so each address
    is asked once per deployment."""

    __tablename__ = "geocode_answer"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)  # the place text, folded
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    level: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the geocoder's own precision word
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
