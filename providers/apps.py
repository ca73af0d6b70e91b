from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers"

    def ready(self):
        import django_countries

        from providers.collation import sort_key

        # Country lists (select boxes, facets) in every language's alphabetical order.
        # Without pyuca, django-countries sorts by the ASCII letters of a name only, so
        # every Arabic name sorted as "". pyuca was not taken for it: its table costs
        # each worker 12 MB and it has had no release since 2017 (providers.collation).
        django_countries.sort_key = lambda item: sort_key(item[1])
