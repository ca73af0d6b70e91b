"""The ISSP dashboard, at /dashboard/: a user's own listings, their parts, team and inquiries.

- `listings`: the overview, creating or claiming a listing, its page, submitting it;
- `profile`: the listing's own facts (profile, services offered, logo);
- `parts`: its items (delivery centres, certifications, impact reports, case studies);
- `team`: members and invitations;
- `inquiries`: the inbox of buyers' inquiries to the user's listings;
- `selectors`: what these pages read; `shared`: what the views share; `urls`.

The writes are `providers.services`; every view finds a listing through the
user's own membership, so another listing is a 404.
"""
