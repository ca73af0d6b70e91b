"""The provider catalogue: ISSP listings and everything a buyer judges them by.

One module per sub-topic; every name is importable from `providers.models`:

- `taxonomy`: services, regions, certifications, target groups, languages,
  industries, pricing models, delivery modes, partnership kinds (lookup tables edited in admin,
  seeded by a data migration);
- `provider`: the listing, its status and the QuerySet verbs search filters with;
- `parts`: services offered, delivery centres, certifications held, case studies;
- `impact`: impact reports and their target-group counts;
- `workflow`: memberships, claims, invitations and pending changes to vetted facts;
- `attestation`: reminders sent when a listing's confirmation or report gets old.
- `api`: the JSON API's request counts per client (its rate limit).

A provider's parts, reports and workflow rows carry a change history.
"""

from .api import ApiClientWindow
from .attestation import AttestationReminder, ReminderKind
from .impact import (
    IRIS_CODES,
    PERCENT_VALIDATORS,
    REPORT_FIGURE_FIELDS,
    REPORT_VERIFICATION_FIELDS,
    STALE_AFTER_MONTHS,
    ImpactReport,
    ImpactReportGroup,
    ImpactReportQuerySet,
    Provenance,
    stale_cutoff,
)
from .parts import (
    RECENT_CASE_STUDY_YEARS,
    CaseStudy,
    CertificationHolding,
    CertificationHoldingQuerySet,
    DeliveryCentre,
    ProviderService,
    VerificationState,
    VoiceKind,
)
from .provider import (
    SIZE_BAND_BOUNDS,
    UNCONFIRMED_AFTER_MONTHS,
    LegalForm,
    ListingStatus,
    Provider,
    ProviderQuerySet,
    ProviderType,
    SizeBand,
    size_band_for,
    unconfirmed_cutoff,
)
from .taxonomy import (
    Certification,
    CertificationCategory,
    DeliveryMode,
    Industry,
    Language,
    PartnershipKind,
    PricingModel,
    Region,
    RegionCountry,
    Service,
    ServiceQuerySet,
    TargetGroup,
    TranslatedName,
    translated,
)
from .workflow import (
    Claim,
    ClaimStatus,
    Invitation,
    InvitationQuerySet,
    Membership,
    MembershipRole,
    PendingChange,
    PendingChangeAction,
    PendingChangeKind,
    PendingChangeQuerySet,
    PendingChangeStatus,
)

__all__ = [
    "ApiClientWindow",
    "AttestationReminder",
    "CaseStudy",
    "Certification",
    "CertificationCategory",
    "CertificationHolding",
    "CertificationHoldingQuerySet",
    "Claim",
    "ClaimStatus",
    "DeliveryCentre",
    "DeliveryMode",
    "IRIS_CODES",
    "ImpactReport",
    "ImpactReportGroup",
    "ImpactReportQuerySet",
    "Industry",
    "Invitation",
    "InvitationQuerySet",
    "Language",
    "LegalForm",
    "ListingStatus",
    "Membership",
    "MembershipRole",
    "PERCENT_VALIDATORS",
    "PartnershipKind",
    "PendingChange",
    "PendingChangeAction",
    "PendingChangeKind",
    "PendingChangeQuerySet",
    "PendingChangeStatus",
    "PricingModel",
    "Provenance",
    "Provider",
    "ProviderQuerySet",
    "ProviderService",
    "ProviderType",
    "RECENT_CASE_STUDY_YEARS",
    "REPORT_FIGURE_FIELDS",
    "REPORT_VERIFICATION_FIELDS",
    "Region",
    "RegionCountry",
    "ReminderKind",
    "SIZE_BAND_BOUNDS",
    "STALE_AFTER_MONTHS",
    "Service",
    "ServiceQuerySet",
    "SizeBand",
    "TargetGroup",
    "TranslatedName",
    "translated",
    "UNCONFIRMED_AFTER_MONTHS",
    "VerificationState",
    "VoiceKind",
    "size_band_for",
    "stale_cutoff",
    "unconfirmed_cutoff",
]
