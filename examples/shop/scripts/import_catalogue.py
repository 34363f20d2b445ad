"""Catalogue import. Saved by an old editor in Latin-1."""

SUPPLIER = "Café Français"
