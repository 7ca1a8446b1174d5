"""Multi-step conversation flows (finder, complaint) that drive the domain services."""
