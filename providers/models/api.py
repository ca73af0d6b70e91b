"""What the JSON API keeps: how many requests each client made in the current window."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClientWindow(models.Model):
    """Requests one client (an IPv4 address or an IPv6 /64) made in one rate-limit window.

    Counted in the database, so the limit holds across every gunicorn worker
    (providers.api.throttling); rows of past windows are deleted as new ones begin.
    """

    client = models.CharField(_("client"), max_length=64)
    #: Start of the window, in seconds since the epoch (a multiple of its length).
    window_start = models.BigIntegerField(_("window start"))
    hits = models.PositiveIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("API client window")
        verbose_name_plural = _("API client windows")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "window_start"], name="api_client_window_unique"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="api_client_window_start")]

    def __str__(self):
        return f"{self.client} @{self.window_start}: {self.hits}"
