"""Complaints: categories, routing table (data), lifecycle, tracking numbers and outbox delivery."""
