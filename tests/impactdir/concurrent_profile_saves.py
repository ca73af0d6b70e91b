"""Run by tests/impactdir/test_sqlite_concurrency.py in a process of its own.

    DATABASE_URL=sqlite:///path/db.sqlite3 python -m tests.impactdir.concurrent_profile_saves N

Makes a listing with one owner in that database file, then has N browsers (threads,
each with its own database connection) save the listing's profile at the same moment,
through the real view. Prints one JSON object: what each save got, and the listing after.
"""

import json
import os
import sys
import threading


def main(writers: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from providers.models import Provider
    from tests.providers.listing_helpers import listing_with_owner

    provider, owner = listing_with_owner(tagline="start", name="Shared Ltd")
    url = reverse("dashboard:profile", args=[provider.pk])
    clients = []
    for _ in range(writers):
        client = Client(raise_request_exception=True)
        client.force_login(owner)
        clients.append(client)
    connection.close()

    barrier = threading.Barrier(writers)
    outcomes = [None] * writers

    def save(n):
        from django.db import connection as thread_connection

        data = {
            "version": "1",
            "name": "Shared Ltd",
            "tagline": f"tagline {n}",
            "contact_email": "team@shared.example",
        }
        try:
            barrier.wait()
            response = clients[n].post(url, data)
            if response.status_code == 302:
                outcomes[n] = {"saved": f"tagline {n}"}
            elif "Someone else saved this listing" in response.text:
                outcomes[n] = {"refused": response.status_code}
            else:
                outcomes[n] = {"other": response.status_code}
        except Exception as error:  # reported to the test, which fails on it
            outcomes[n] = {"error": f"{type(error).__name__}: {error}"}
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    provider = Provider.objects.get(pk=provider.pk)
    json.dump(
        {
            "outcomes": outcomes,
            "tagline": provider.tagline,
            "version": provider.version,
            "journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
