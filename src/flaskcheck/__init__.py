"""flaskcheck: static and runtime checks for Flask applications."""

__version__ = "0.1.0"
