"""The log of log-ins is kept as long as the privacy notice says, by the README's cron line."""

import re
import shlex
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def cron_commands():
    """The manage.py commands of the README's cron line for the log of log-ins."""
    line = next(line for line in README.read_text().splitlines() if "axes_reset_logs" in line)
    parts = [part for part in line.split("&&") if "manage.py" in part]
    return [shlex.split(part.split("manage.py", 1)[1]) for part in parts]


def test_the_readme_cron_keeps_what_the_privacy_notice_promises():
    ages = {int(re.search(r"--age (\d+)", " ".join(c)).group(1)) for c in cron_commands()}
    assert ages == {settings.LOGIN_LOG_DAYS}
    assert {c[0] for c in cron_commands()} == {"axes_reset_logs", "axes_reset_failure_logs"}


def test_the_cron_deletes_older_entries_and_keeps_newer_ones(client):
    old = timezone.now() - timedelta(days=settings.LOGIN_LOG_DAYS + 1)
    recent = timezone.now() - timedelta(days=settings.LOGIN_LOG_DAYS - 1)
    for when in (old, recent):
        entry = AccessLog.objects.create(username="a@example.org", ip_address="10.0.0.1")
        AccessLog.objects.filter(pk=entry.pk).update(attempt_time=when)
        failure = AccessFailureLog.objects.create(username="a@example.org", ip_address="10.0.0.1")
        AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=when)
    for command in cron_commands():
        call_command(*command)
    assert list(AccessLog.objects.values_list("attempt_time", flat=True)) == [recent]
    assert list(AccessFailureLog.objects.values_list("attempt_time", flat=True)) == [recent]
    page = client.get("/privacy/").content.decode()
    assert f"kept for {settings.LOGIN_LOG_DAYS} days" in page
