"""The session engine: sessions in the database, read together with their user.

Why not ``cached_db``: with the zero-setup default cache (per-process memory)
each gunicorn worker kept its own copy of every session it had served, so a
session ended on one worker (log-out) went on working on the others, and a
session changed on one worker (a new password's hash) was stale on the others.
Here every request reads the one row in the database, and the signed-in user
comes with it through a join (``accounts.middleware``), so a signed-in page
still costs one query for both, as it did when the session came from the cache
and only the user was read. Nothing depends on a cache being shared, so the
same holds with or without ``CACHE_URL``.
"""

import logging

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from impactdir.ids import parse_id


class SessionStore(DatabaseSessionStore):
    #: The user row read with the session row (None when signed out or not loaded).
    loaded_user = None

    @classmethod
    def get_model_class(cls):
        from .models import Session

        return Session

    def _get_session_from_db(self):
        self.loaded_user = None
        try:
            row = self.model.objects.select_related("user").get(
                session_key=self.session_key, expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logging.getLogger(f"django.security.{type(error).__name__}").warning(str(error))
            self._session_key = None
            return None
        self.loaded_user = row.user
        return row

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        row.user_id = parse_id(str(data.get(SESSION_KEY, "")))
        return row

    async def acreate_model_instance(self, data):
        row = await super().acreate_model_instance(data)
        row.user_id = parse_id(str(data.get(SESSION_KEY, "")))
        return row

    def flush(self):
        self.loaded_user = None
        super().flush()
