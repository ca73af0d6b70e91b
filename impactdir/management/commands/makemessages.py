"""`makemessages` with the project's defaults, so every catalogue is extracted the same way.

Without `-l`/`-a`, the catalogues of every language in settings.LANGUAGES but the
source language are updated; only the project's own files are read (not the
virtualenv, tests, benchmarks or collected static files), and messages the code
no longer has are dropped. `tests/impactdir/test_catalogues.py` runs it into a
copy of `locale/` and fails when a message is missing or untranslated.
"""

from django.conf import settings
from django.core.management.commands import makemessages

IGNORED = [".venv", "venv", "bench", "tests", "staticfiles", "media", "node_modules", "locale"]


def catalogue_languages() -> list[str]:
    """The languages that have a catalogue: every language of the site but the source one."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class Command(makemessages.Command):
    help = (
        "Update the message catalogues in locale/ for every language of the site "
        "(the project's own files only, obsolete messages dropped)."
    )

    # `N_` is the project's short name for gettext_noop (providers/taxonomy_data.py).
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]

    def handle(self, *args, **options):
        if not (options["locale"] or options["exclude"] or options["all"]):
            options["locale"] = catalogue_languages()
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORED]
        options["no_obsolete"] = True
        super().handle(*args, **options)
