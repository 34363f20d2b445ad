"""Rules of section 2xx: application factory, circular imports, extensions."""
