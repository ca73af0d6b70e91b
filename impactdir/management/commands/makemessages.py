"""Django's makemessages, also extracting strings marked with `N_` (gettext_noop).

`providers/taxonomy_data.py` marks the seed taxonomy's English names with
`gettext_noop as N_`; they are stored in the database in English and translated
when shown (`providers.models.taxonomy`). xgettext knows `gettext_noop` but not
the short alias, so without this the names never reached the catalogues.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
