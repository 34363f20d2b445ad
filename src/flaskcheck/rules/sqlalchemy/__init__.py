"""Rules of section 6xx: SQLAlchemy."""
