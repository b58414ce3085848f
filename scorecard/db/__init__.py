"""The database adapter: schema, engine set-up and migrations (SQLAlchemy 2 + Alembic)."""
