from django.contrib import admin

from .models import (
    Inquiry,
    InquiryMessage,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
    ShortlistMember,
)


class ShortlistEntryInline(admin.TabularInline):
    model = ShortlistEntry
    extra = 0
    raw_id_fields = ["provider"]


class ShortlistMemberInline(admin.TabularInline):
    """Who the owner shared the shortlist with (operators remove someone here if they must)."""

    model = ShortlistMember
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["invited_email", "joined_at"]


@admin.register(Shortlist)
class ShortlistAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "updated_at"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]
    list_select_related = ["owner"]
    inlines = [ShortlistEntryInline, ShortlistMemberInline]


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "frequency", "last_alerted_at"]
    list_filter = ["frequency"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]
    list_select_related = ["owner"]


class InquiryMessageInline(admin.StackedInline):
    model = InquiryMessage
    extra = 0
    raw_id_fields = ["author"]


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    """Operators can see threads to deal with abuse reports; the workspace never shows them."""

    list_display = ["subject", "buyer", "provider", "status", "last_message_at"]
    list_filter = ["status"]
    search_fields = ["subject", "buyer__email", "provider__name"]
    raw_id_fields = ["buyer", "provider", "shortlist"]
    list_select_related = ["buyer", "provider"]
    inlines = [InquiryMessageInline]
