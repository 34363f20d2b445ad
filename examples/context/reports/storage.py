"""Where finished reports are kept."""

from pathlib import Path

from flask import current_app

# Read while the module is imported: there is no app context yet.
EXPORT_DIR = Path(current_app.instance_path) / "exports"


def export_path(report_id):
    return EXPORT_DIR / f"{report_id}.csv"
