"""Storage: SQLAlchemy 2 tables, repositories, the unit of work and Alembic migrations.

Rows here are thin and dumb; they never leave this package as API bodies. Services
reach the database only through ``UnitOfWork`` and its repositories.
"""
