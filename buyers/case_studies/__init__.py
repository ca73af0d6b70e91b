"""The case-study library: every published provider's case studies, faceted like search.

- `facets.py`: the library's facets, declared with the search's `Facet`: the case
  study's own service, client industry and year, and its provider's target groups
  and delivery countries (the search's declarations, reached through the provider).
- `filters.py`: the URL contract as a django-filter FilterSet (the search's lenient
  fields and form); its `qs` is the database path (tests, open-data agreement).
- `index.py`: each process's in-memory library (bitsets over case studies, newest
  first), rebuilt when the search data's version changes.
- `selector.py`: `case_study_library` (one page with exact facet counts) and
  `recent_case_studies` (the home page).
- `views.py`, `urls.py`: /case-studies/.
"""
