"""Side-by-side comparison of 2–5 published providers."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import selectors


@require_safe
def compare(request):
    """`/compare/?p=<slug>&p=<slug>…`; `diff=1` shows only the rows that differ."""
    comparison = selectors.provider_compare(slugs=request.GET.getlist("p"))
    only_differences = request.GET.get("diff") == "1"
    rows = comparison.rows
    if only_differences:
        rows = [row for row in rows if row.differs]
    sections = []
    for row in rows:
        if not sections or sections[-1][0] != row.section:
            sections.append((row.section, []))
        sections[-1][1].append(row)
    context = {
        "comparison": comparison,
        "sections": sections,
        "only_differences": only_differences,
        "min_compare": selectors.MIN_COMPARE,
        "max_compare": selectors.MAX_COMPARE,
    }
    return render(request, "buyers/compare.html", context)
