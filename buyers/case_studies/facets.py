"""The library's facets, each declared once with the search's `Facet`.

A library facet's branches select `(case study id, option key)`: the `provider`
column of a search `Branch` holds the case study's id here. The case study's own
service (either level), client industry and year are declared below; target
group and delivery country are the provider search's own declarations, reached
through the case study's provider (`through_provider`), so a country means the
same on /providers/ and /case-studies/.
"""

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from buyers.search.facets import FILTERS_BY_PARAM, Branch, Facet, Options


def through_provider(facet: Facet) -> Facet:
    """`facet` of the provider search as a facet of case studies: a case study has the
    option keys its provider has."""
    branches = tuple(
        Branch(
            f"{branch.source} "
            f"JOIN providers_casestudy study ON study.provider_id = {branch.provider}",
            key=branch.key,
            provider="study.id",
            where=branch.where,
            dated=branch.dated,
        )
        for branch in facet.branches
    )
    return replace(facet, branches=branches, tables=(*facet.tables, "providers_casestudy"))


_STUDY_SERVICE = "providers_casestudy link JOIN providers_service s ON s.id = link.service_id"

#: The library's filters in the order of the page (and of problems).
LIBRARY_FACETS = (
    Facet(
        "service",
        _("Service"),
        branches=(
            Branch(_STUDY_SERVICE, key="s.slug", provider="link.id"),
            # A case study of a service also counts for its category.
            Branch(
                f"{_STUDY_SERVICE} JOIN providers_service parent ON parent.id = s.parent_id",
                key="parent.slug",
                provider="link.id",
            ),
        ),
        tables=("providers_casestudy", "providers_service"),
        options=FILTERS_BY_PARAM["service"].options,
        description="Service or service category code of the case study (repeat for several).",
    ),
    Facet(
        "industry",
        _("Client industry"),
        branches=(
            Branch(
                "providers_casestudy link "
                "JOIN providers_industry i ON i.id = link.client_industry_id",
                key="i.slug",
                provider="link.id",
            ),
        ),
        tables=("providers_casestudy", "providers_industry"),
        options=Options("providers_industry", order=("name",)),
        alphabetical=True,
        description="Industry code of the client.",
    ),
    through_provider(FILTERS_BY_PARAM["group"]),
    through_provider(FILTERS_BY_PARAM["country"]),
    Facet(
        "year",
        _("Year"),
        branches=(
            Branch("providers_casestudy link", key="CAST(link.year AS TEXT)", provider="link.id"),
        ),
        tables=("providers_casestudy",),
        # Every year some case study has, newest first (the index turns the order round).
        options=Options(
            "providers_casestudy",
            key="CAST(t.year AS TEXT)",
            label="CAST(t.year AS TEXT)",
            distinct=True,
        ),
        description="Year of the work.",
    ),
)
LIBRARY_FACETS_BY_PARAM = {facet.param: facet for facet in LIBRARY_FACETS}
