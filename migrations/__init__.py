"""Alembic migrations for newsbot's database (run through ``db.migrate``)."""
