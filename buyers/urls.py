from django.urls import path

from .views import compare, exports, inquiries, searches, sharing, shortlists, workspace

app_name = "buyers"

urlpatterns = [
    path("workspace/", workspace.workspace, name="workspace"),
    # Shortlists
    path("shortlists/", shortlists.shortlist_list, name="shortlists"),
    path("shortlists/add/", shortlists.shortlist_button_add, name="shortlist_add"),
    path("shortlists/remove/", shortlists.shortlist_button_remove, name="shortlist_remove"),
    path("shortlists/<int:pk>/", shortlists.shortlist_detail, name="shortlist_detail"),
    path("shortlists/<int:pk>/rename/", shortlists.shortlist_rename, name="shortlist_rename"),
    path("shortlists/<int:pk>/delete/", shortlists.shortlist_delete, name="shortlist_delete"),
    path("shortlists/<int:pk>/sort/", shortlists.shortlist_sort, name="shortlist_sort"),
    path("shortlists/<int:pk>/export.csv", exports.export_shortlist, name="shortlist_export"),
    # Sharing a shortlist (buyers.shortlists)
    path("shortlists/<int:pk>/sharing/", sharing.shortlist_sharing, name="shortlist_sharing"),
    path(
        "shortlists/<int:pk>/sharing/members/<int:member_pk>/rights/",
        sharing.shortlist_member_role,
        name="shortlist_member_role",
    ),
    path(
        "shortlists/<int:pk>/sharing/members/<int:member_pk>/remove/",
        sharing.shortlist_member_remove,
        name="shortlist_member_remove",
    ),
    path(
        "shortlists/<int:pk>/sharing/invitations/<int:invite_pk>/withdraw/",
        sharing.shortlist_invite_withdraw,
        name="shortlist_invite_withdraw",
    ),
    path("shortlists/<int:pk>/leave/", sharing.shortlist_leave, name="shortlist_leave"),
    path("shortlists/invitation/<str:token>/", sharing.shortlist_invite, name="shortlist_invite"),
    path(
        "shortlists/<int:pk>/entries/<int:entry_pk>/note/",
        shortlists.entry_note,
        name="entry_note",
    ),
    path(
        "shortlists/<int:pk>/entries/<int:entry_pk>/move/",
        shortlists.entry_move,
        name="entry_move",
    ),
    path(
        "shortlists/<int:pk>/entries/<int:entry_pk>/remove/",
        shortlists.entry_remove,
        name="entry_remove",
    ),
    # Compare and exports
    path("compare/", compare.compare, name="compare"),
    path("compare/add/", compare.compare_add, name="compare_add"),
    path("compare/remove/", compare.compare_remove, name="compare_remove"),
    path("compare/export.csv", compare.compare_export, name="compare_export"),
    path("exports/", exports.export_help, name="export_help"),
    path("exports/providers.csv", exports.export_search, name="export_search"),
    # Saved searches
    path("searches/", searches.search_list, name="searches"),
    path("searches/new/", searches.search_new, name="search_new"),
    path("searches/<int:pk>/update/", searches.search_update, name="search_update"),
    path("searches/<int:pk>/delete/", searches.search_delete, name="search_delete"),
    # Inquiries: the buyer's side (the provider's inbox is in providers/dashboard/urls.py)
    path("inquiries/", inquiries.inquiry_list, name="inquiries"),
    path("inquiries/new/", inquiries.inquiry_new, name="inquiry_new"),
    path("inquiries/<int:pk>/", inquiries.inquiry_detail, name="inquiry_detail"),
    path("inquiries/<int:pk>/reply/", inquiries.inquiry_reply, name="inquiry_reply"),
    path("inquiries/<int:pk>/close/", inquiries.inquiry_close, name="inquiry_close"),
    path("inquiries/answers/<int:pk>/", inquiries.inquiry_answers, name="inquiry_answers"),
]
