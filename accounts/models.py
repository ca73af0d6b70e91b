from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class AccountType(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    ISSP = "issp", _("ISSP staff")


class EmailUserManager(UserManager):
    """Users log in with their e-mail address; there is no username."""

    def _create_user_object(self, username, email, password, **extra_fields):
        email = self.normalize_email(email or username)
        user = self.model(email=email, **extra_fields)
        user.password = ""
        user.set_password(password)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    industry = models.ForeignKey(
        "providers.Industry",
        verbose_name=_("industry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    country = CountryField(_("country"), blank=True)
    account_type = models.CharField(
        _("account type"), max_length=10, choices=AccountType, default=AccountType.BUYER
    )
    #: The language of the site and of e-mails for this user; "" until they choose one
    #: (the switcher, the profile page, or the language they signed up in).
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email

    @property
    def is_buyer(self):
        return self.account_type == AccountType.BUYER

    @property
    def is_issp(self):
        return self.account_type == AccountType.ISSP

    def organisation_label(self) -> str:
        """ "Organisation (industry, country)" as a provider sees a buyer; never the e-mail.

        Reads `industry`: select it with the user when listing many.
        """
        details = [str(part) for part in (self.industry, self.country.name) if part]
        organisation = self.organisation
        if organisation and details:
            return gettext("%(organisation)s (%(details)s)") % {
                "organisation": organisation,
                "details": ", ".join(details),
            }
        return organisation or ", ".join(details)


class Session(AbstractBaseSession):
    """A session row that also names its signed-in user, so both are read in one query.

    Sessions live in the database only (``accounts.sessions``): every worker
    reads the same row, so logging out, or changing the password, holds on all
    of them at once. ``user`` is written from the session data on every save;
    it has no database constraint, so a session saved while its user is being
    deleted cannot fail, and reads treat a dangling id as signed out.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore


class FailedLogin(models.Model):
    """One failed log-in from a network, kept for the burst limit's window only.

    Counted in the database so every worker sees the same number
    (``accounts.throttling.login_burst_exceeded``).
    """

    network = models.CharField(_("network"), max_length=64)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("failed log-in")
        verbose_name_plural = _("failed log-ins")
        indexes = [models.Index(fields=["network", "at"], name="failed_login_network_at")]

    def __str__(self):
        return f"{self.network} {self.at:%Y-%m-%d %H:%M:%S}"
