"""Tests of the complaints package."""
