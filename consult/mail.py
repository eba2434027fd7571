"""Sending mail when SMTP is configured (CONSULT_SMTP_HOST); otherwise the caller shows links.

Links in mails come from consult/links.py (CONSULT_BASE_URL); without a base URL no mail
carries a link: one-time links are shown to the admin instead, notifications go without one.
"""

import smtplib
from email.message import EmailMessage

from flask import current_app


def configured() -> bool:
    """Whether mail can be sent."""
    return bool(current_app.config.get("SMTP_HOST"))


def sends_links() -> bool:
    """Whether one-time links go out by mail: SMTP and a base URL are both configured."""
    return configured() and bool(current_app.config.get("BASE_URL"))


def send(to: str, subject: str, body: str) -> None:
    """Send a plain-text mail."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg.get("MAIL_FROM") or "consult@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg.get("SMTP_PORT") or 25), timeout=10) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
