"""Alembic migrations of the store's schema (`pnet-cds db upgrade`; SQLite is migrated at start-up)."""
