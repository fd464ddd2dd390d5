"""Alembic migrations of the store; applied by :func:`sigfollow_desktop.store.db.open_store`."""
