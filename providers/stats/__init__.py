"""Sector statistics: /stats/, its charts and CSVs, and the benchmarks profiles show.

- data.py: each worker's public figures of every published listing, as numpy columns
  beside the search index (rebuilt when listings change);
- selectors.py: the /stats/ page for a region/service filter: which providers, the summary;
- figures.py: each of its figures (where, services, groups, sizes, provenance,
  certifications; the home page's map) as a chart with its data table; trend.py: the trend;
- benchmarks.py: sector medians beside a profile's figures, and the profile's trend;
- charts.py, tilegrid.py: chart geometry for the SVG templates in templates/includes/charts/;
- metrics.py: the figures summarised by medians, and the minimum number of providers.
"""
