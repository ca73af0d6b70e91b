"""A realistic, clearly fictional demo directory, deterministic with a seed.

- `vocabulary`: invented names (`provider_name`, never repeating up to
  `NAME_SPACE` per seed), countries and cities, phrases, the ranges figures
  are drawn from;
- `drawing`: `build_provider(index, seed=…, taxonomy=…, today=…)`, a pure
  function that gives demo provider number `index` as unsaved model
  instances in a `ProviderBundle`;
- `loading`: `bundles_insert` writes a batch of bundles with `bulk_create`;
  the demo users and the listings the demo ISSP user owns;
- `workspace`: the demo buyer's shortlist, saved search and answered inquiry.

Websites and e-mail addresses use the reserved `.example` top-level domain, and
every description says the listing is fictional. `manage.py seed_demo` runs it.
"""

from .drawing import ProviderBundle, Taxonomy, build_provider, status_for
from .loading import (
    DEMO_ADMIN,
    DEMO_BUYER,
    DEMO_ISSP,
    DEMO_USERS,
    DemoUser,
    bundles_insert,
    demo_memberships_ensure,
    demo_users_ensure,
)
from .vocabulary import NAME_SPACE, provider_name
from .workspace import DemoWorkspace, demo_workspace_ensure

__all__ = [
    "DEMO_ADMIN",
    "DEMO_BUYER",
    "DEMO_ISSP",
    "DEMO_USERS",
    "NAME_SPACE",
    "DemoUser",
    "DemoWorkspace",
    "ProviderBundle",
    "Taxonomy",
    "build_provider",
    "bundles_insert",
    "demo_memberships_ensure",
    "demo_users_ensure",
    "demo_workspace_ensure",
    "provider_name",
    "status_for",
]
