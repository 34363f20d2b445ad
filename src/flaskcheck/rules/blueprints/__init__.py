"""Rules of section 5xx: blueprints."""
