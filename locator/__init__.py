"""Facility registry, importer, gazetteer and nearest search: plain data in and out, no transport."""
