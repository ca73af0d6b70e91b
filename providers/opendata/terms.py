"""ImpactDir's taxonomies as open data terms, each with a stable id (terms.csv)."""

from __future__ import annotations

from dataclasses import dataclass

from providers.models import (
    Certification,
    DeliveryMode,
    Industry,
    Language,
    PartnershipKind,
    PricingModel,
    Region,
    Service,
    TargetGroup,
)

from .ids import stable_id


class Taxonomy:
    """The kinds of taxonomy terms published (the `taxonomy` column of terms.csv)."""

    SERVICE = "service"
    LANGUAGE = "language"
    INDUSTRY = "industry"
    REGION = "region"
    PRICING_MODEL = "pricing-model"
    DELIVERY_MODE = "delivery-mode"
    TARGET_GROUP = "target-group"
    CERTIFICATION = "certification"
    PARTNERSHIP = "partnership"

    ALL = (
        SERVICE,
        LANGUAGE,
        INDUSTRY,
        REGION,
        PRICING_MODEL,
        DELIVERY_MODE,
        TARGET_GROUP,
        CERTIFICATION,
        PARTNERSHIP,
    )


@dataclass(frozen=True)
class Term:
    """One entry of a taxonomy, with a stable id of its own."""

    id: str
    taxonomy: str
    code: str
    name: str
    position: int = 0
    parent_id: str | None = None
    description: str = ""
    m49_code: str = ""
    category: str = ""
    issuer: str = ""


def _term_id(taxonomy: str, pk: int) -> str:
    return stable_id(f"term-{taxonomy}", pk)


class Terms:
    """Every taxonomy term, by (taxonomy, primary key); read once per build."""

    def __init__(self):
        self.by_key: dict[tuple[str, int], Term] = {}
        self.by_id: dict[str, Term] = {}
        self.ordered: list[Term] = []

    def add(self, taxonomy: str, pk: int, **values) -> None:
        term = Term(id=_term_id(taxonomy, pk), taxonomy=taxonomy, **values)
        self.by_key[(taxonomy, pk)] = term
        self.by_id[term.id] = term
        self.ordered.append(term)

    def get(self, taxonomy: str, pk: int | None) -> Term | None:
        return None if pk is None else self.by_key.get((taxonomy, pk))

    @classmethod
    def load(cls) -> Terms:
        terms = cls()
        # Parents before children, so the terms table lists a category before its services.
        services = sorted(
            Service.objects.values_list(
                "pk", "name", "slug", "parent_id", "position", "description"
            ),
            key=lambda row: (row[3] is not None, row[4], row[1]),
        )
        for pk, name, slug, parent_id, position, description in services:
            terms.add(
                Taxonomy.SERVICE,
                pk,
                code=slug,
                name=name,
                position=position,
                parent_id=_term_id(Taxonomy.SERVICE, parent_id) if parent_id else None,
                description=description,
            )
        for pk, code, name in Language.objects.order_by("code").values_list("pk", "code", "name"):
            terms.add(Taxonomy.LANGUAGE, pk, code=code, name=name)
        for pk, slug, name in Industry.objects.order_by("slug").values_list("pk", "slug", "name"):
            terms.add(Taxonomy.INDUSTRY, pk, code=slug, name=name)
        regions = sorted(
            Region.objects.values_list("pk", "slug", "name", "m49_code", "parent_id"),
            key=lambda row: (row[4] is not None, row[3]),
        )
        for pk, slug, name, m49_code, parent_id in regions:
            terms.add(
                Taxonomy.REGION,
                pk,
                code=slug,
                name=name,
                m49_code=m49_code,
                parent_id=_term_id(Taxonomy.REGION, parent_id) if parent_id else None,
            )
        for model, taxonomy in (
            (PricingModel, Taxonomy.PRICING_MODEL),
            (DeliveryMode, Taxonomy.DELIVERY_MODE),
            (PartnershipKind, Taxonomy.PARTNERSHIP),
        ):
            rows = model.objects.order_by("position", "slug").values_list(
                "pk", "slug", "name", "position"
            )
            for pk, slug, name, position in rows:
                terms.add(taxonomy, pk, code=slug, name=name, position=position)
        groups = TargetGroup.objects.order_by("position", "slug").values_list(
            "pk", "slug", "name", "position", "description"
        )
        for pk, slug, name, position, description in groups:
            terms.add(
                Taxonomy.TARGET_GROUP,
                pk,
                code=slug,
                name=name,
                position=position,
                description=description,
            )
        certifications = Certification.objects.order_by("slug").values_list(
            "pk", "slug", "name", "category", "issuer", "description"
        )
        for pk, slug, name, category, issuer, description in certifications:
            terms.add(
                Taxonomy.CERTIFICATION,
                pk,
                code=slug,
                name=name,
                category=category,
                issuer=issuer,
                description=description,
            )
        return terms
