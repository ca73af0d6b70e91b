"""Buyer search: the one home of provider search, from the URL to the page.

- `facets.py`: one declaration per facet (options, membership SQL, tables,
  labels), from which the rest below is built.
- `filters.py`: the URL contract as a django-filter FilterSet (lenient form,
  the database path of a search).
- `parameters.py`: `parse_search_params` -> `SearchParams`, from the FilterSet's form.
- `index.py`: each worker's in-memory index (facet bitsets, sort orders);
  `build.py` builds one from the database; `changes.py` reads the change log and
  applies it in place; `current.py` keeps each process's current one up to date.
- `postings.py`: the index's full-text part (lexeme postings with word
  positions, the tsquery parser, ranking points, one document's match and
  points); `phrases.py`: PostgreSQL's phrase semantics (`<->`, `<N>`), for one
  document and over the index; `bits.py`: position sets as Python ints.
- `text.py`: which providers a text query matches, and in which order;
  `query.py`: how a search text reads (terms, `or` groups, words);
  `sqlite_text.py`: the SQLite default's FTS5 search (stemming, points, typos);
  `concepts.py`: a query naming taxonomy terms also finds their providers.
- `cards.py`: result cards, rendered once per data token.
- `selector.py`: `provider_search` (one page with facet counts) and
  `search_queryset` (every match, from the database: the FilterSet's `qs`).
- `views.py`, `urls.py`: /providers/ and /how-results-are-ordered/.
"""
