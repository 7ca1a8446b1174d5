"""Storage: one SQLAlchemy metadata, an async database handle, and Alembic migrations."""
