"""Background jobs, run by a Celery worker."""

from flask import current_app, render_template

from reports.extensions import celery


@celery.task
def email_report(report_id, recipient):
    sender = current_app.config.get("MAIL_SENDER", "reports@example.com")
    body = render_template("report_email.txt", report_id=report_id)
    print(f"mail from {sender} to {recipient}: {body}")


@celery.task
def archive(request_snapshot):
    print("archiving", request_snapshot)
