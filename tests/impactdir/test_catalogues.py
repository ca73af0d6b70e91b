"""The catalogues in locale/ hold every message of the code, all translated, and are compiled.

A new `{% translate %}` or `gettext()` without its translations fails here, as does
a fuzzy or empty entry, a `.po` whose `.mo` was not rebuilt, or a placeholder a
translation lost (`msgfmt --check`). Fix: `manage.py makemessages`, translate,
`manage.py compilemessages`.
"""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from impactdir.management.commands.makemessages import IGNORED, catalogue_languages

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = catalogue_languages()
STATISTICS = re.compile(
    r"(?P<translated>\d+) translated messages?"
    r"(?:, (?P<fuzzy>\d+) fuzzy translations?)?"
    r"(?:, (?P<untranslated>\d+) untranslated messages?)?"
)

needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt, xgettext) is not installed"
)


def po(root: Path, language: str) -> Path:
    return root / language / "LC_MESSAGES" / "django.po"


def msgfmt(path: Path, output: Path) -> dict[str, int]:
    """Compile `path` with every check, and its counts of translated/fuzzy/untranslated."""
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(output), str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    counts = STATISTICS.search(done.stderr)
    assert counts, done.stderr
    return {key: int(value or 0) for key, value in counts.groupdict().items()}


def catalog(mo: Path) -> dict:
    with mo.open("rb") as file:
        messages = gettext.GNUTranslations(file)._catalog
    return {key: value for key, value in messages.items() if key != ""}


def test_the_site_has_a_catalogue_for_every_language_but_english():
    assert LANGUAGES == ["fr", "es", "pt", "ar"]
    for language in LANGUAGES:
        assert po(LOCALE, language).is_file(), language


@needs_gettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_the_compiled_catalogue_is_current(tmp_path, language):
    counts = msgfmt(po(LOCALE, language), tmp_path / "django.mo")
    assert counts["translated"] > 2000
    assert counts["fuzzy"] == 0, f"{language}: {counts['fuzzy']} fuzzy translations"
    assert counts["untranslated"] == 0, f"{language}: {counts['untranslated']} untranslated"
    committed = po(LOCALE, language).with_suffix(".mo")
    assert committed.is_file(), f"run manage.py compilemessages ({committed} is missing)"
    assert catalog(committed) == catalog(tmp_path / "django.mo"), (
        f"{committed} is older than its .po: run manage.py compilemessages"
    )


@needs_gettext
def test_the_catalogues_hold_every_message_of_the_code(tmp_path, settings, monkeypatch):
    # makemessages writes into the locale/ beside the files it reads: run it in a copy.
    source = tmp_path / "source"
    shutil.copytree(
        settings.BASE_DIR,
        source,
        ignore=shutil.ignore_patterns(*IGNORED, ".git", "*.pyc", "*.sqlite3*"),
    )
    shutil.copytree(LOCALE, source / "locale")
    copy = source / "locale"
    settings.LOCALE_PATHS = [copy]
    monkeypatch.chdir(source)
    call_command("makemessages", verbosity=0)
    for language in LANGUAGES:
        extracted = po(copy, language)
        counts = msgfmt(extracted, tmp_path / f"{language}.mo")
        assert counts["fuzzy"] == 0 and counts["untranslated"] == 0, (
            f"{language}: {counts} after makemessages: the code has messages the catalogue "
            "lacks or has changed (run manage.py makemessages, translate, compilemessages)"
        )
        assert extracted.read_text().count("\nmsgid ") == (
            po(LOCALE, language).read_text().count("\nmsgid ")
        ), f"{language}: the catalogue holds messages the code no longer has"
