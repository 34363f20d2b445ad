"""Rules of section 4xx: debug mode."""
