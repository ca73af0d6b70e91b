"""Seed the catalogue's taxonomies from providers/taxonomy_data.py.

Idempotent: rows are matched by slug (languages by code) and updated in place,
so running it over existing data adds what is missing and corrects names
without duplicating anything. The reverse removes exactly the seeded rows; it
refuses (ProtectedError) while providers still offer a seeded service or hold
a seeded certification, rather than silently dropping their data.
"""

from django.db import migrations

from providers import taxonomy_data as data


def _by_slug(model, rows):
    for position, (slug, name) in enumerate(rows):
        defaults = {"name": name}
        if any(f.name == "position" for f in model._meta.get_fields()):
            defaults["position"] = position
        model.objects.update_or_create(slug=slug, defaults=defaults)


def seed(apps, schema_editor):
    Service = apps.get_model("providers", "Service")
    Region = apps.get_model("providers", "Region")
    RegionCountry = apps.get_model("providers", "RegionCountry")
    Certification = apps.get_model("providers", "Certification")
    TargetGroup = apps.get_model("providers", "TargetGroup")
    Language = apps.get_model("providers", "Language")
    Industry = apps.get_model("providers", "Industry")
    PricingModel = apps.get_model("providers", "PricingModel")
    DeliveryMode = apps.get_model("providers", "DeliveryMode")

    for cat_position, (cat_slug, cat_name, services) in enumerate(data.SERVICES):
        category, _ = Service.objects.update_or_create(
            slug=cat_slug, defaults={"name": cat_name, "parent": None, "position": cat_position}
        )
        for position, (slug, name) in enumerate(services):
            Service.objects.update_or_create(
                slug=slug, defaults={"name": name, "parent": category, "position": position}
            )

    regions = {}
    for code, slug, name, parent_slug in data.REGIONS:
        regions[slug], _ = Region.objects.update_or_create(
            slug=slug,
            defaults={
                "m49_code": code,
                "name": name,
                "parent": regions[parent_slug] if parent_slug else None,
            },
        )
    existing = set(RegionCountry.objects.values_list("region_id", "country"))
    missing = {
        (regions[slug].pk, country)
        for slug, country in data.region_memberships()
        if (regions[slug].pk, country) not in existing
    }
    RegionCountry.objects.bulk_create(
        [RegionCountry(region_id=region_id, country=country) for region_id, country in missing]
    )

    for slug, name, category, issuer in data.CERTIFICATIONS:
        Certification.objects.update_or_create(
            slug=slug, defaults={"name": name, "category": category, "issuer": issuer}
        )

    _by_slug(TargetGroup, data.TARGET_GROUPS)
    _by_slug(Industry, data.INDUSTRIES)
    _by_slug(PricingModel, data.PRICING_MODELS)
    _by_slug(DeliveryMode, data.DELIVERY_MODES)

    for code, name in data.LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name})


def unseed(apps, schema_editor):
    Service = apps.get_model("providers", "Service")
    Region = apps.get_model("providers", "Region")

    Service.objects.filter(
        slug__in=[slug for _c, _n, services in data.SERVICES for slug, _name in services]
    ).delete()
    Service.objects.filter(slug__in=[slug for slug, _n, _s in data.SERVICES]).delete()

    # Children before parents: Region.parent is PROTECT. RegionCountry rows cascade.
    depth = {slug: len(chain) for slug, chain in data.region_ancestry().items()}
    for slug in sorted(depth, key=depth.get, reverse=True):
        Region.objects.filter(slug=slug).delete()

    simple = [
        ("Certification", [row[0] for row in data.CERTIFICATIONS]),
        ("TargetGroup", [row[0] for row in data.TARGET_GROUPS]),
        ("Industry", [row[0] for row in data.INDUSTRIES]),
        ("PricingModel", [row[0] for row in data.PRICING_MODELS]),
        ("DeliveryMode", [row[0] for row in data.DELIVERY_MODES]),
    ]
    for model_name, slugs in simple:
        apps.get_model("providers", model_name).objects.filter(slug__in=slugs).delete()
    apps.get_model("providers", "Language").objects.filter(
        code__in=[code for code, _name in data.LANGUAGES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
