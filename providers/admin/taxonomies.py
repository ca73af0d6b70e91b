"""The taxonomies in admin: services and their categories, regions, certifications, …"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from impactdir.ids import parse_id
from providers import models as m


class ServiceCategoryListFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [
            ("none", _("Categories themselves")),
            *(
                (str(pk), m.translated(name))
                for pk, name in m.Service.objects.categories().values_list("pk", "name")
            ),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(parent__isnull=True)
        if (parent := parse_id(value)) is not None:
            return queryset.filter(parent_id=parent)
        return queryset


class ServiceChildInline(admin.TabularInline):
    model = m.Service
    fk_name = "parent"
    fields = ["name", "slug", "position"]
    extra = 0
    verbose_name = _("service in this category")
    verbose_name_plural = _("services in this category")


@admin.register(m.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "parent", "slug", "position"]
    list_filter = [ServiceCategoryListFilter]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ServiceChildInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # Two levels only: a service's parent is a category.
            kwargs["queryset"] = m.Service.objects.categories()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RegionCountryInline(admin.TabularInline):
    model = m.RegionCountry
    fields = ["country"]
    extra = 0


@admin.register(m.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "m49_code", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "m49_code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RegionCountryInline]


@admin.register(m.Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "category", "issuer"]
    list_filter = ["category"]
    search_fields = ["name", "slug", "issuer"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "code"]
    search_fields = ["name", "code"]


@admin.register(m.Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.PricingModel)
class PricingModelAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.PartnershipKind)
class PartnershipKindAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.DeliveryMode)
class DeliveryModeAdmin(admin.ModelAdmin):
    list_display = ["name", "translated_name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
