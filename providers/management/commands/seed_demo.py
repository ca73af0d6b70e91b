import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from providers import demo
from providers.models import (
    CaseStudy,
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    ImpactReportGroup,
    Provider,
    ProviderService,
)
from providers.services.catalogue import providers_refresh_derived

#: Tables a run writes; their planner statistics are refreshed afterwards.
SEEDED_MODELS = (
    Provider,
    Provider.languages.through,
    Provider.pricing_models.through,
    Provider.delivery_modes.through,
    Provider.industries.through,
    Provider.markets.through,
    ProviderService,
    DeliveryCentre,
    DeliveryCentre.languages.through,
    CertificationHolding,
    ImpactReport,
    ImpactReportGroup,
    CaseStudy,
)


def _without_jit():
    """Turn PostgreSQL's JIT off for the current transaction.

    While tables fill faster than their statistics follow, the planner badly
    overestimates the derived-data refresh and JIT-compiles each statement:
    measured at 100,000 providers, 0.35-0.85 s of compilation for statements
    that run in a few milliseconds, more than half of the whole run.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _analyze():
    """Fresh planner statistics, so queries right after seeding (benchmarks) plan well."""
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in SEEDED_MODELS)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")


class ProgressBar:
    """A one-line progress bar on a terminal; a line every tenth of the way otherwise."""

    WIDTH = 30

    def __init__(self, stream, total, *, label="Providers", enabled=True):
        self.stream = stream
        self.total = max(total, 1)
        self.label = label
        self.enabled = enabled
        self.tty = enabled and stream.isatty()
        self.started = time.monotonic()
        self.last_tenth = -1

    def update(self, done):
        if not self.enabled:
            return
        fraction = min(done / self.total, 1.0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate else 0
        filled = round(self.WIDTH * fraction)
        line = (
            f"{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{done:,}/{self.total:,} {fraction:4.0%} {rate:,.0f}/s ETA {eta:,.0f}s"
        )
        if self.tty:
            self.stream.write(f"\r{line}", style_func=str, ending="")
            self.stream.flush()
        elif int(fraction * 10) > self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.stream.write(line, style_func=str)

    def finish(self):
        if self.tty:
            self.stream.write("", style_func=str)


class Command(BaseCommand):
    help = (
        "Generate a realistic, clearly fictional demo directory, deterministic with --seed: "
        "providers with services, delivery centres, certifications (some expired), impact "
        "reports over 1-4 years (some stale) and case studies, plus the demo admin, buyer "
        "and ISSP logins. Needs the taxonomies of migration 0002 (run `migrate` first). "
        "Repeatable: demo provider number i of a seed always has the same name and slug, and "
        "providers whose slug already exists are skipped, so running the same command twice "
        "adds nothing and a larger --providers tops up what is there. --append generates N "
        "further providers after the first <number of providers in the database> instead. "
        "--if-empty does nothing at all when any provider exists. Demo users are created "
        "only when absent; existing ones keep their passwords. The demo buyer gets a "
        "shortlist, a saved search and an inquiry the demo ISSP user answered, each only "
        "while the buyer has none of its kind."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--providers", type=int, default=300, help="How many providers (default 300)."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Seed of the generator (default 42)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Providers written per transaction (default 1000).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any provider exists (what `make run` uses).",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="Generate N more providers, numbered after those already in the database.",
        )

    def handle(self, *args, providers, seed, batch_size, if_empty, append, verbosity, **options):
        if providers < 0:
            raise CommandError("--providers must be 0 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if seed < 0:
            raise CommandError("--seed must be 0 or more.")
        if if_empty and Provider.objects.exists():
            if verbosity:
                self.stdout.write("Providers already exist; demo data not loaded (--if-empty).")
            return

        taxonomy = demo.Taxonomy.load()
        if missing := taxonomy.missing():
            raise CommandError(
                f"The taxonomies are empty ({', '.join(missing)}): run `manage.py migrate` "
                "first, which seeds them."
            )
        start = Provider.objects.count() if append else 0
        if start + providers > demo.NAME_SPACE:
            raise CommandError(
                f"A seed has {demo.NAME_SPACE:,} distinct demo names; "
                f"{start:,} + {providers:,} is too many."
            )

        users = demo.demo_users_ensure()
        admin = users[demo.DEMO_ADMIN.email]
        today = timezone.localdate()
        now = timezone.now()

        started = time.monotonic()
        progress = ProgressBar(self.stderr, providers, enabled=verbosity > 0)
        created = skipped = 0
        for batch_start in range(start, start + providers, batch_size):
            indices = range(batch_start, min(batch_start + batch_size, start + providers))
            bundles = [
                demo.build_provider(
                    index, seed=seed, taxonomy=taxonomy, today=today, verifier_id=admin.pk
                )
                for index in indices
            ]
            existing = set(
                Provider.objects.filter(slug__in=[b.provider.slug for b in bundles]).values_list(
                    "slug", flat=True
                )
            )
            bundles = [b for b in bundles if b.provider.slug not in existing]
            skipped += len(existing)
            if bundles:
                # One transaction per batch, derived data included: an interrupted
                # run leaves only whole, consistent providers behind.
                with transaction.atomic():
                    _without_jit()
                    ids = demo.bundles_insert(bundles, now=now, batch_size=batch_size)
                    providers_refresh_derived(provider_ids=ids)
                created += len(bundles)
            # With DEBUG on, Django keeps the last 9,000 statements; bulk inserts
            # are large, so that log alone grew the process by hundreds of MB.
            reset_queries()
            progress.update(indices.stop - start)
        progress.finish()

        if created:
            _analyze()
        given = demo.demo_memberships_ensure(users[demo.DEMO_ISSP.email])
        workspace = demo.demo_workspace_ensure(
            buyer=users[demo.DEMO_BUYER.email], staff=users[demo.DEMO_ISSP.email]
        )
        reset_queries()  # the workspace's few dozen statements, like the batches' above
        elapsed = time.monotonic() - started
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {created:,} demo providers (seed {seed}) in {elapsed:.1f} s"
                    + (f"; {skipped:,} already present were skipped." if skipped else ".")
                )
            )
            for provider in given:
                status = provider.get_status_display()
                self.stdout.write(f"{demo.DEMO_ISSP.email} owns {provider.name} ({status}).")
            if workspace.shortlist:
                entries = workspace.shortlist.entries.count()
                self.stdout.write(
                    f"{demo.DEMO_BUYER.email} has the shortlist “{workspace.shortlist.name}” "
                    f"({entries} providers)."
                )
            if workspace.saved_search:
                self.stdout.write(
                    f"{demo.DEMO_BUYER.email} has the saved search "
                    f"“{workspace.saved_search.name}” (weekly alerts)."
                )
            if workspace.inquiry:
                self.stdout.write(
                    f"{demo.DEMO_BUYER.email} asked {workspace.inquiry.provider.name}, "
                    f"and {demo.DEMO_ISSP.email} answered."
                )
