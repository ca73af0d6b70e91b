"""The read-only JSON API at /api/v1/ (django-ninja).

- `views`: the operations (provider search, facet counts, provider detail,
  taxonomies) on the search page's own code, and the OpenAPI document;
- `serializers`: the response schemas and how search results and profiles become them;
- `selectors`: what a page of results shows, and open data's UUIDs to providers;
- `throttling`: the per-client rate limit, counted in the database;
- `middleware`: rate limit, CORS and no cookies on every /api/ answer;
- `docs`: the documentation page rendered from the OpenAPI document.
"""
