"""Report endpoints."""

import threading

from flask import Blueprint, current_app, jsonify, request

from reports.tasks import archive, email_report

bp = Blueprint("reports", __name__, url_prefix="/reports")

# Shared by every request of a worker process.
recent_reports = []
last_requester = None


def log_download(report_id):
    current_app.logger.info("report %s downloaded by %s", report_id, request.remote_addr)


@bp.post("/<int:report_id>/email")
def send(report_id):
    email_report.delay(report_id, request.form["to"])
    archive.delay(request)
    return jsonify(status="queued"), 202


@bp.get("/<int:report_id>")
def download(report_id):
    global last_requester
    last_requester = request.remote_addr
    recent_reports.append(report_id)
    threading.Thread(target=log_download, args=(report_id,)).start()
    return jsonify(id=report_id)
