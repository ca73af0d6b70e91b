"""Writes and workflows on listings, one module per sub-topic.

- `vetting`: admin decisions (approve, reject, suspend, verify, claims).
- `listings`: ISSP self-service (create, claim, edit, submit, members).
- `search_data`: keeping denormalised search data current.
"""
