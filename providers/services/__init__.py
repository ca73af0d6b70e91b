"""Writes and workflows on listings, one module per sub-topic.

ISSP self-service (the dashboard's writes):

- `access`: who may change a listing (`require_member`, `require_issp`) and
  optimistic locking of its edits (`lock_version`, `StaleEditError`);
- `onboarding`: create a draft listing, or claim a published one;
- `parts`: edit the profile, services, delivery centres, certifications,
  impact reports, case studies and logo;
- `pending_changes`: changes to vetted facts held for approval, applied or
  discarded when an operator decides;
- `submission`: send a listing or its changes for review, take it offline;
- `team`: invite colleagues, accept an invitation, remove members.

Operators and the rest:

- `vetting`: operators' decisions (approve, reject, suspend, reinstate, verify, claims);
- `catalogue`: keeping the data derived from a listing's parts current;
- `files`: deleting logo and evidence files once nothing needs them;
- `recipients`: who is e-mailed about a listing.

The search index these writes keep current is `buyers.search.index`.

The completeness checklist a listing must pass to be submitted is
`providers.checklist`; the dashboard's reads (open proposals, claimable
listings) are in `providers.dashboard.selectors`.
"""
