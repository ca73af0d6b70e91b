from django.urls import path

from . import dashboard_views as views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.listing_create, name="create"),
    path("claim/", views.claim_search, name="claim_search"),
    path("claim/<int:provider_id>/", views.claim_create, name="claim"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("listings/<int:pk>/", views.listing, name="listing"),
    path("listings/<int:pk>/submit/", views.listing_submit, name="submit"),
    path("listings/<int:pk>/deactivate/", views.listing_deactivate, name="deactivate"),
    path("listings/<int:pk>/profile/", views.profile_edit, name="profile"),
    path("listings/<int:pk>/services/", views.services_edit, name="services"),
    path("listings/<int:pk>/centres/", views.centres, name="centres"),
    path("listings/<int:pk>/centres/new/", views.centre_edit, name="centre_create"),
    path("listings/<int:pk>/centres/<int:item>/", views.centre_edit, name="centre_edit"),
    path(
        "listings/<int:pk>/centres/<int:item>/delete/",
        views.centre_delete,
        name="centre_delete",
    ),
    path("listings/<int:pk>/logo/", views.logo_edit, name="logo"),
    path("listings/<int:pk>/logo/remove/", views.logo_remove, name="logo_remove"),
    path("listings/<int:pk>/certifications/", views.certifications, name="certifications"),
    path(
        "listings/<int:pk>/certifications/new/",
        views.certification_edit,
        name="certification_create",
    ),
    path(
        "listings/<int:pk>/certifications/<int:item>/",
        views.certification_edit,
        name="certification_edit",
    ),
    path(
        "listings/<int:pk>/certifications/<int:item>/delete/",
        views.certification_delete,
        name="certification_delete",
    ),
    path("listings/<int:pk>/reports/", views.reports, name="reports"),
    path("listings/<int:pk>/reports/new/", views.report_edit, name="report_create"),
    path("listings/<int:pk>/reports/<int:item>/", views.report_edit, name="report_edit"),
    path(
        "listings/<int:pk>/reports/<int:item>/delete/",
        views.report_delete,
        name="report_delete",
    ),
    path("listings/<int:pk>/case-studies/", views.case_studies, name="case_studies"),
    path(
        "listings/<int:pk>/case-studies/new/",
        views.case_study_edit,
        name="case_study_create",
    ),
    path(
        "listings/<int:pk>/case-studies/<int:item>/",
        views.case_study_edit,
        name="case_study_edit",
    ),
    path(
        "listings/<int:pk>/case-studies/<int:item>/delete/",
        views.case_study_delete,
        name="case_study_delete",
    ),
    path(
        "listings/<int:pk>/changes/<int:item>/withdraw/",
        views.pending_withdraw,
        name="pending_withdraw",
    ),
    path("listings/<int:pk>/team/", views.team, name="team"),
    path("listings/<int:pk>/team/<int:item>/remove/", views.member_remove, name="member_remove"),
    path(
        "listings/<int:pk>/team/invitations/<int:item>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
]
