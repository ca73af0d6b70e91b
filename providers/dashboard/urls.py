"""The ISSP dashboard's URLs, mounted at /dashboard/."""

from django.urls import path

from . import inquiries, listings, parts, profile, team

app_name = "dashboard"

urlpatterns = [
    # Listings: the overview, a new one, claiming one, a listing's page
    path("", listings.index, name="index"),
    path("new/", listings.listing_create, name="create"),
    path("claim/", listings.claim_search, name="claim_search"),
    path("claim/<int:provider_id>/", listings.claim_create, name="claim"),
    path("listings/<int:pk>/", listings.listing, name="listing"),
    path("listings/<int:pk>/preview/", listings.listing_preview, name="preview"),
    path("listings/<int:pk>/submit/", listings.listing_submit, name="submit"),
    path("listings/<int:pk>/deactivate/", listings.listing_deactivate, name="deactivate"),
    path("listings/<int:pk>/confirm/", listings.listing_confirm, name="confirm"),
    path(
        "listings/<int:pk>/changes/<int:item>/withdraw/",
        listings.pending_withdraw,
        name="pending_withdraw",
    ),
    # A listing's own facts: profile, services offered, logo
    path("listings/<int:pk>/profile/", profile.profile_edit, name="profile"),
    path("listings/<int:pk>/services/", profile.services_edit, name="services"),
    path("listings/<int:pk>/logo/", profile.logo_edit, name="logo"),
    path("listings/<int:pk>/logo/remove/", profile.logo_remove, name="logo_remove"),
    # A listing's items: centres, certifications, reports, case studies
    path("listings/<int:pk>/centres/", parts.centres, name="centres"),
    path("listings/<int:pk>/centres/new/", parts.centre_edit, name="centre_create"),
    path("listings/<int:pk>/centres/<int:item>/", parts.centre_edit, name="centre_edit"),
    path(
        "listings/<int:pk>/centres/<int:item>/delete/",
        parts.centre_delete,
        name="centre_delete",
    ),
    path("listings/<int:pk>/certifications/", parts.certifications, name="certifications"),
    path(
        "listings/<int:pk>/certifications/new/",
        parts.certification_edit,
        name="certification_create",
    ),
    path(
        "listings/<int:pk>/certifications/<int:item>/",
        parts.certification_edit,
        name="certification_edit",
    ),
    path(
        "listings/<int:pk>/certifications/<int:item>/delete/",
        parts.certification_delete,
        name="certification_delete",
    ),
    path("listings/<int:pk>/reports/", parts.reports, name="reports"),
    path("listings/<int:pk>/reports/new/", parts.report_edit, name="report_create"),
    path("listings/<int:pk>/reports/<int:item>/", parts.report_edit, name="report_edit"),
    path(
        "listings/<int:pk>/reports/<int:item>/delete/",
        parts.report_delete,
        name="report_delete",
    ),
    path("listings/<int:pk>/case-studies/", parts.case_studies, name="case_studies"),
    path(
        "listings/<int:pk>/case-studies/new/",
        parts.case_study_edit,
        name="case_study_create",
    ),
    path(
        "listings/<int:pk>/case-studies/<int:item>/",
        parts.case_study_edit,
        name="case_study_edit",
    ),
    path(
        "listings/<int:pk>/case-studies/<int:item>/delete/",
        parts.case_study_delete,
        name="case_study_delete",
    ),
    # Team
    path("invitations/<str:token>/", team.invitation, name="invitation"),
    path("listings/<int:pk>/team/", team.team, name="team"),
    path("listings/<int:pk>/team/<int:item>/remove/", team.member_remove, name="member_remove"),
    path(
        "listings/<int:pk>/team/invitations/<int:item>/cancel/",
        team.invitation_cancel,
        name="invitation_cancel",
    ),
    # Inquiries from buyers
    path("inquiries/", inquiries.inbox, name="inbox"),
    path("inquiries/<int:pk>/", inquiries.inbox_detail, name="inbox_detail"),
    path("inquiries/<int:pk>/reply/", inquiries.inbox_reply, name="inbox_reply"),
    path("inquiries/<int:pk>/close/", inquiries.inbox_close, name="inbox_close"),
    path("inquiries/claim/<str:token>/", inquiries.claim_link, name="claim_link"),
]
