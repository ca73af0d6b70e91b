"""Open data: every published listing as files anyone may download and reuse.

A management command (`manage.py build_open_data`, run from cron) writes a
snapshot into `settings.OPEN_DATA_ROOT`; the views under /data/ serve it.

- `ids`: stable UUIDs for every published row, the same in every snapshot.
- `terms`: the taxonomies, each term with its id (terms.csv).
- `listing`: a listing as published: plain data, every count of people disclosed.
- `records`: reads published listings in chunks and applies the disclosure rule
  to every count of people, exactly as the profile does.
- `hsds`: an Open Referral HSDS 3.0 `organization` per listing, with ImpactDir's
  own data as documented extra properties, and the validator of
  `schema/hsds-3.0-organization.schema.json`.
- `tabular` and `tables`: the CSV tables, their Frictionless Table Schemas and
  the documentation of every column.
- `catalogue`: the files of a snapshot and the licence.
- `build`: writes a whole snapshot in bounded memory and swaps it in atomically.
- `snapshot`: finds the current snapshot for the views.
"""
