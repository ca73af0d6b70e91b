"""Django admin for directory operators: vetting listings and claims, the taxonomies.

Listing and claim decisions (approve, reject, suspend, reinstate, verify, and
approve or reject a published listing's changes to vetted facts) are admin
actions that call `providers.services.vetting`; the status and verification
fields are read-only in the forms so no decision bypasses those services (their
checks, history reasons and e-mails). Whenever a provider's parts change here,
its derived search data is refreshed.

- `provider`: the listing's page, with its parts inline and the decisions;
- `imports`: bulk import of unclaimed draft listings from CSV or XLSX (on the list);
- `parts`: services, delivery centres, certifications, impact reports, case studies;
- `pending_changes`: proposed changes to vetted facts, live beside proposed;
- `team`: memberships, claims and invitations;
- `taxonomies`: the lookup tables;
- `mixins`: what these pages share.

Importing this package registers every model admin.
"""

from . import parts, pending_changes, provider, taxonomies, team

__all__ = ["parts", "pending_changes", "provider", "taxonomies", "team"]
