"""Saved-search alerts: one bad saved search never stops the others, and is reported."""

import io
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from buyers import services
from buyers.models import AlertFrequency, SavedSearchAlertSent
from tests.factories import BuyerFactory, DeliveryCentreFactory, ProviderFactory
from tests.smtp_server import smtp_server
from tests.sqlite_file import fresh_copy, run_python, template_of_test_database

pytestmark = pytest.mark.django_db

#: Queries that once made the run die: empty phrases (SQLite) and a long chain of
#: `-` (PostgreSQL: "tsquery stack too small").
ODD_QUERIES = ["q=%22%22", "q=-%22%22", "q=%22%22%22", "q=" + "-" * 33, "q=" + "-+" * 40 + "x"]


def run(frequency="daily"):
    mail.outbox.clear()
    out = io.StringIO()
    call_command("send_search_alerts", frequency=frequency, stdout=out)
    return list(mail.outbox), out.getvalue()


def kenyan(name):
    provider = ProviderFactory(name=name)
    DeliveryCentreFactory(provider=provider, country="KE")
    return provider


def daily(owner, name, query_string):
    return services.saved_search_create(
        owner=owner, name=name, query_string=query_string, frequency=AlertFrequency.DAILY
    )


def test_saved_searches_made_of_operators_do_not_stop_the_buyers_after_them():
    first = BuyerFactory(email="first@example.org")
    later = BuyerFactory(email="later@example.org")
    for n, query in enumerate(ODD_QUERIES):
        daily(first, f"Odd {n}", query)
    daily(later, "Kenya", "country=KE")
    kenyan("Fresh Kenya")

    outbox, output = run()

    to_later = [m for m in outbox if m.to == ["later@example.org"]]
    assert len(to_later) == 1 and "Fresh Kenya" in to_later[0].body
    assert "failed" not in output


def refuse_alert_records_for(saved_search):
    """A database trigger that refuses to record any alert of this one saved search."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse_alert() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF NEW.saved_search_id = {saved_search.pk} THEN "
                "RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_alert BEFORE INSERT ON buyers_savedsearchalertsent "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_alert()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER test_refuse_alert BEFORE INSERT ON buyers_savedsearchalertsent "
                f"WHEN NEW.saved_search_id = {saved_search.pk} "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )


def allow_alert_records():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER test_refuse_alert ON buyers_savedsearchalertsent")
        else:
            cursor.execute("DROP TRIGGER test_refuse_alert")


def test_a_failing_saved_search_is_logged_counted_and_retried_while_the_rest_are_sent(caplog):
    first = BuyerFactory(email="first@example.org")
    later = BuyerFactory(email="later@example.org")
    broken = daily(first, "Broken Kenya", "country=KE")
    daily(first, "Kenya too", "country=KE&sort=name")
    daily(later, "Kenya", "country=KE")
    kenyan("Fresh Kenya")
    refuse_alert_records_for(broken)

    mail.outbox.clear()
    out = io.StringIO()
    with (
        caplog.at_level(logging.ERROR, logger="buyers.services"),
        pytest.raises(CommandError, match=rf"^1 saved search\(es\) failed .*ids: {broken.pk}\)"),
    ):
        call_command("send_search_alerts", frequency="daily", stdout=out)

    # The report: the command's output and exit status, and the log with the search's id.
    assert "2 alert e-mail(s) sent for daily searches." in out.getvalue()
    failures = [r for r in caplog.records if r.name == "buyers.services"]
    assert len(failures) == 1
    assert f"Saved search {broken.pk} " in failures[0].getMessage()
    assert failures[0].exc_info is not None

    # Everyone else got their alerts, including the same buyer's other search.
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["first@example.org", "later@example.org"]
    assert "Kenya too" in by_address["first@example.org"].body
    assert "Broken Kenya" not in by_address["first@example.org"].body
    assert "Fresh Kenya" in by_address["later@example.org"].body
    assert not SavedSearchAlertSent.objects.filter(saved_search=broken).exists()

    # Nothing was recorded for the failed search, so the next run sends it.
    allow_alert_records()
    outbox, output = run()
    assert [m.to for m in outbox] == [["first@example.org"]]
    assert "Broken Kenya" in outbox[0].body and "Kenya too" not in outbox[0].body
    assert "1 alert e-mail(s) sent" in output


file_database_template = pytest.fixture(scope="module")(template_of_test_database)

#: Run in a process of its own against a database file: two buyers, each with a daily
#: search, a new provider for both, and a trigger that makes the first buyer's fail.
SETUP = """
import django
django.setup()
from tests.buyers.test_search_alert_failures import daily, kenyan, refuse_alert_records_for
from tests.factories import BuyerFactory
broken = daily(BuyerFactory(email="first@example.org"), "Broken", "country=KE")
daily(BuyerFactory(email="later@example.org"), "Kenya", "country=KE")
kenyan("Fresh Kenya")
refuse_alert_records_for(broken)
print(broken.pk)
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="runs manage.py on a database file")
def test_the_command_exits_with_status_1_and_says_how_many_failed(file_database_template, tmp_path):
    database = fresh_copy(file_database_template, tmp_path)
    setup = run_python(database, "-c", SETUP)
    assert setup.returncode == 0, setup.stderr
    broken = int(setup.stdout.strip())

    result = run_python(database, "manage.py", "send_search_alerts", "--frequency", "daily")

    assert result.returncode == 1
    assert result.stdout == "1 alert e-mail(s) sent for daily searches.\n"
    assert f"1 saved search(es) failed and got no alert (ids: {broken})" in result.stderr
    assert f"Saved search {broken} (daily alerts) failed" in result.stderr  # the log
    assert "refused by the test" in result.stderr  # with the cause


def test_an_address_the_mail_server_refuses_does_not_stop_the_buyers_after_it(settings, caplog):
    refused = BuyerFactory(email="gone@example.org")
    later = BuyerFactory(email="later@example.org")
    refused_search = daily(refused, "Kenya", "country=KE")
    daily(later, "Kenya", "country=KE")
    kenyan("Fresh Kenya")

    with smtp_server(refused=["gone@example.org"]) as server:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
            }
        }
        out = io.StringIO()
        with (
            caplog.at_level(logging.ERROR, logger="buyers.services"),
            pytest.raises(CommandError, match=rf"ids: {refused_search.pk}\)"),
        ):
            call_command("send_search_alerts", frequency="daily", stdout=out)

    assert [to for to, _body in server.delivered] == [["later@example.org"]]
    assert "Fresh Kenya" in server.delivered[0][1]
    assert "1 alert e-mail(s) sent" in out.getvalue()
    assert any(f"buyer {refused.pk} " in r.getMessage() for r in caplog.records)
    # Nothing was recorded for the refused buyer: the next run tries again.
    assert not SavedSearchAlertSent.objects.filter(saved_search=refused_search).exists()
    assert SavedSearchAlertSent.objects.filter(saved_search__owner=later).count() == 1
