from django.apps import AppConfig


class BuyersConfig(AppConfig):
    name = "buyers"
    verbose_name = "Buyers"

    def ready(self):
        from django.db.backends.signals import connection_created

        from buyers.search.sqlite_text import install_functions

        # Text search on SQLite ranks by name similarity in SQL (sqlite_text.py).
        connection_created.connect(install_functions, dispatch_uid="buyers_sqlite_functions")
