"""Mail helpers that read their settings from the imported app object."""

import smtplib
from email.message import EmailMessage

from blog import app


def notify_admins(subject, text):
    message = EmailMessage()
    message["From"] = app.config["MAIL_SENDER"]
    message["To"] = ", ".join(app.config["ADMINS"])
    message["Subject"] = subject
    message.set_content(text)
    app.logger.info("mailing the admins: %s", subject)
    with smtplib.SMTP(app.config["MAIL_SERVER"]) as smtp:
        smtp.send_message(message)
