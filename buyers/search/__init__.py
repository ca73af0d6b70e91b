"""Buyer search: the one home of provider search, from the URL to the page.

- `parameters.py`: the URL contract (`parse_search_params` -> `SearchParams`).
- `facets.py`: the facets, what each filters by, and how an option is shown.
- `index.py`: each worker's in-memory index (facet bitsets, sort orders), its
  data token and rebuilds.
- `postings.py`: the index's full-text part (lexeme postings with word
  positions, the tsquery parser, ranking points, one document's match and
  points); `phrases.py`: PostgreSQL's phrase semantics (`<->`, `<N>`), for one
  document and over the index; `bits.py`: position sets as Python ints.
- `text.py`: which providers a text query matches, and in which order.
- `cards.py`: result cards, rendered once per data token.
- `selector.py`: `provider_search` (one page with facet counts) and
  `search_queryset` (every match, from the database).
- `views.py`, `urls.py`: /providers/ and /how-results-are-ordered/.
"""
