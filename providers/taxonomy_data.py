"""The seed taxonomies of the catalogue, as plain constants.

Loaded by the data migration `0002_seed_taxonomies` and kept here so tests,
demo data and imports can refer to the same slugs and codes. Names are stored
in English and marked with `N_` (gettext_noop), so `manage.py makemessages` puts
them in the catalogues; pages translate them when they show them
(`providers.models.translated`), while open data, the API and HSDS keep English.
"""

from django.utils.translation import gettext_noop as N_

# --------------------------------------------------------------------------
# Services: two levels, (category slug, category name, [(slug, name), ...]).
# List order is display order (`position`).
# --------------------------------------------------------------------------

SERVICES = [
    (
        "data-services",
        N_("Data services"),
        [
            ("data-annotation", N_("Data annotation")),
            ("data-entry", N_("Data entry")),
            ("data-verification-cleaning", N_("Data verification & cleaning")),
            ("digitisation-scanning", N_("Digitisation & scanning")),
            ("transcription", N_("Transcription")),
            ("content-moderation", N_("Content moderation")),
        ],
    ),
    (
        "customer-experience",
        N_("Customer experience"),
        [
            ("voice-support", N_("Voice support")),
            ("chat-email-support", N_("Chat & e-mail support")),
            ("technical-support", N_("Technical support")),
            ("sales", N_("Sales")),
        ],
    ),
    (
        "back-office",
        N_("Back office"),
        [
            ("finance-accounting", N_("Finance & accounting")),
            ("hr-payroll", N_("HR & payroll")),
            ("claims-processing", N_("Claims processing")),
            ("procurement", N_("Procurement")),
        ],
    ),
    (
        "technology",
        N_("Technology"),
        [
            ("software-testing", N_("Software testing")),
            ("web-app-development", N_("Web & app development")),
            ("it-support", N_("IT support")),
        ],
    ),
]

# --------------------------------------------------------------------------
# Regions: UN M49 (Standard country or area codes for statistical use).
# (M49 code, slug, name, parent slug). Parents come before their children.
#
# The six top-level regions are those buyers think in: M49's "Americas" (019)
# is split into its two sub-regions, Latin America and the Caribbean (419) and
# Northern America (021), which stand at the top here.
# --------------------------------------------------------------------------

REGIONS = [
    ("002", "africa", N_("Africa"), None),
    ("015", "northern-africa", N_("Northern Africa"), "africa"),
    ("202", "sub-saharan-africa", N_("Sub-Saharan Africa"), "africa"),
    ("014", "eastern-africa", N_("Eastern Africa"), "sub-saharan-africa"),
    ("017", "middle-africa", N_("Middle Africa"), "sub-saharan-africa"),
    ("018", "southern-africa", N_("Southern Africa"), "sub-saharan-africa"),
    ("011", "western-africa", N_("Western Africa"), "sub-saharan-africa"),
    ("142", "asia", N_("Asia"), None),
    ("143", "central-asia", N_("Central Asia"), "asia"),
    ("030", "eastern-asia", N_("Eastern Asia"), "asia"),
    ("035", "south-eastern-asia", N_("South-eastern Asia"), "asia"),
    ("034", "southern-asia", N_("Southern Asia"), "asia"),
    ("145", "western-asia", N_("Western Asia"), "asia"),
    ("150", "europe", N_("Europe"), None),
    ("151", "eastern-europe", N_("Eastern Europe"), "europe"),
    ("154", "northern-europe", N_("Northern Europe"), "europe"),
    ("039", "southern-europe", N_("Southern Europe"), "europe"),
    ("155", "western-europe", N_("Western Europe"), "europe"),
    ("419", "latin-america-caribbean", N_("Latin America and the Caribbean"), None),
    ("029", "caribbean", N_("Caribbean"), "latin-america-caribbean"),
    ("013", "central-america", N_("Central America"), "latin-america-caribbean"),
    ("005", "south-america", N_("South America"), "latin-america-caribbean"),
    ("021", "northern-america", N_("Northern America"), None),
    ("009", "oceania", N_("Oceania"), None),
    ("053", "australia-new-zealand", N_("Australia and New Zealand"), "oceania"),
    ("054", "melanesia", N_("Melanesia"), "oceania"),
    ("057", "micronesia", N_("Micronesia"), "oceania"),
    ("061", "polynesia", N_("Polynesia"), "oceania"),
]

#: The most specific region of every ISO 3166-1 country (alpha-2) django-countries
#: knows. A country also belongs to every region above that one.
#:
#: Departures from M49, where M49 has no entry for a code:
#: - TW (Taiwan) sits in Eastern Asia; M49 folds it into China.
#: - AQ (Antarctica) is in no region: M49 lists it (010) outside all regions.
#: - GG and JE sit directly in Northern Europe; M49's intermediate region
#:   Channel Islands (830) is not used here.
COUNTRIES_BY_REGION = {
    "northern-africa": "DZ EG EH LY MA SD TN",
    "eastern-africa": "BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW",
    "middle-africa": "AO CD CF CG CM GA GQ ST TD",
    "southern-africa": "BW LS NA SZ ZA",
    "western-africa": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",
    "central-asia": "KG KZ TJ TM UZ",
    "eastern-asia": "CN HK JP KP KR MN MO TW",
    "south-eastern-asia": "BN ID KH LA MM MY PH SG TH TL VN",
    "southern-asia": "AF BD BT IN IR LK MV NP PK",
    "western-asia": "AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE",
    "eastern-europe": "BG BY CZ HU MD PL RO RU SK UA",
    "northern-europe": "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ",
    "southern-europe": "AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA",
    "western-europe": "AT BE CH DE FR LI LU MC NL",
    "caribbean": (
        "AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC VG VI"
    ),
    "central-america": "BZ CR GT HN MX NI PA SV",
    "south-america": "AR BO BR BV CL CO EC FK GF GS GY PE PY SR UY VE",
    "northern-america": "BM CA GL PM US",
    "australia-new-zealand": "AU CC CX HM NF NZ",
    "melanesia": "FJ NC PG SB VU",
    "micronesia": "FM GU KI MH MP NR PW UM",
    "polynesia": "AS CK NU PF PN TK TO TV WF WS",
}

#: Country codes deliberately left out of every region.
COUNTRIES_WITHOUT_REGION = {"AQ"}


def region_ancestry():
    """{region slug: [that slug, its parent's slug, ... up to the top]}."""
    parents = {slug: parent for _code, slug, _name, parent in REGIONS}
    ancestry = {}
    for slug in parents:
        chain = [slug]
        while parents[chain[-1]]:
            chain.append(parents[chain[-1]])
        ancestry[slug] = chain
    return ancestry


def region_memberships():
    """Every (region slug, country code) pair: a country in its region and all above it."""
    ancestry = region_ancestry()
    pairs = []
    for region_slug, codes in COUNTRIES_BY_REGION.items():
        for code in codes.split():
            pairs.extend((slug, code) for slug in ancestry[region_slug])
    return pairs


# --------------------------------------------------------------------------
# Certifications: (slug, name, category, issuing body).
# --------------------------------------------------------------------------

CERTIFICATIONS = [
    ("iso-27001", "ISO/IEC 27001", "security", "ISO/IEC"),
    ("iso-27701", "ISO/IEC 27701", "security", "ISO/IEC"),
    ("iso-22301", "ISO 22301", "security", "ISO"),
    ("pci-dss", "PCI DSS", "security", "PCI Security Standards Council"),
    ("soc-2", "SOC 2", "security", "AICPA"),
    ("iso-9001", "ISO 9001", "quality", "ISO"),
    ("iso-18295", "ISO 18295", "quality", "ISO"),
    ("iso-20000", "ISO/IEC 20000", "quality", "ISO/IEC"),
    ("copc", "COPC", "quality", "COPC Inc."),
    ("cmmi", "CMMI", "quality", "ISACA (CMMI Institute)"),
    ("sa8000", "SA8000", "social", "Social Accountability International"),
    ("b-corp", "B Corp", "social", "B Lab"),
    ("certified-social-enterprise", N_("Certified social enterprise"), "social", ""),
    ("iso-45001", "ISO 45001", "social", "ISO"),
]

# --------------------------------------------------------------------------
# Impact target groups: (slug, name), in display order.
# --------------------------------------------------------------------------

TARGET_GROUPS = [
    ("persons-with-disabilities", N_("Persons with disabilities")),
    ("people-in-poverty", N_("People living in poverty")),
    ("low-income-areas", N_("People from low-income or low-opportunity areas")),
    ("long-term-unemployed", N_("Long-term unemployed")),
    ("youth-without-experience", N_("Youth without work experience")),
    ("women", N_("Women (where excluded from work)")),
    ("refugees-displaced", N_("Refugees and displaced people")),
    ("minorities", N_("Ethnic, religious or cultural minorities")),
    ("indigenous-peoples", N_("Indigenous peoples")),
]

# --------------------------------------------------------------------------
# Languages of service: (ISO 639-1 code, English name).
# --------------------------------------------------------------------------

LANGUAGES = [
    ("af", N_("Afrikaans")),
    ("am", N_("Amharic")),
    ("ar", N_("Arabic")),
    ("bn", N_("Bengali")),
    ("de", N_("German")),
    ("el", N_("Greek")),
    ("en", N_("English")),
    ("es", N_("Spanish")),
    ("fa", N_("Persian")),
    ("fr", N_("French")),
    ("ha", N_("Hausa")),
    ("he", N_("Hebrew")),
    ("hi", N_("Hindi")),
    ("ht", N_("Haitian Creole")),
    ("id", N_("Indonesian")),
    ("ig", N_("Igbo")),
    ("it", N_("Italian")),
    ("ja", N_("Japanese")),
    ("km", N_("Khmer")),
    ("ko", N_("Korean")),
    ("ln", N_("Lingala")),
    ("mg", N_("Malagasy")),
    ("mr", N_("Marathi")),
    ("ms", N_("Malay")),
    ("my", N_("Burmese")),
    ("ne", N_("Nepali")),
    ("nl", N_("Dutch")),
    ("om", N_("Oromo")),
    ("pl", N_("Polish")),
    ("pt", N_("Portuguese")),
    ("qu", N_("Quechua")),
    ("ro", N_("Romanian")),
    ("ru", N_("Russian")),
    ("rw", N_("Kinyarwanda")),
    ("si", N_("Sinhala")),
    ("so", N_("Somali")),
    ("sw", N_("Swahili")),
    ("ta", N_("Tamil")),
    ("te", N_("Telugu")),
    ("th", N_("Thai")),
    ("ti", N_("Tigrinya")),
    ("tl", N_("Tagalog")),
    ("tr", N_("Turkish")),
    ("uk", N_("Ukrainian")),
    ("ur", N_("Urdu")),
    ("vi", N_("Vietnamese")),
    ("wo", N_("Wolof")),
    ("yo", N_("Yoruba")),
    ("zh", N_("Chinese")),
    ("zu", N_("Zulu")),
]

# --------------------------------------------------------------------------
# Industries served: (slug, name).
# --------------------------------------------------------------------------

INDUSTRIES = [
    ("agriculture", N_("Agriculture")),
    ("automotive", N_("Automotive")),
    ("banking-financial-services", N_("Banking & financial services")),
    ("education", N_("Education")),
    ("energy-utilities", N_("Energy & utilities")),
    ("healthcare", N_("Healthcare & life sciences")),
    ("insurance", N_("Insurance")),
    ("legal", N_("Legal services")),
    ("logistics", N_("Transport & logistics")),
    ("manufacturing", N_("Manufacturing")),
    ("media", N_("Media & entertainment")),
    ("non-profit-development", N_("Non-profit & development")),
    ("public-sector", N_("Public sector")),
    ("retail-ecommerce", N_("Retail & e-commerce")),
    ("technology", N_("Technology")),
    ("telecoms", N_("Telecommunications")),
    ("travel-hospitality", N_("Travel & hospitality")),
]

# --------------------------------------------------------------------------
# Pricing models and delivery modes: (slug, name), in display order.
# --------------------------------------------------------------------------

PRICING_MODELS = [
    ("per-fte", N_("Per FTE")),
    ("per-transaction", N_("Per transaction")),
    ("outcome-based", N_("Outcome-based")),
    ("hybrid", N_("Hybrid")),
]

#: Partnerships a provider offers or seeks (with other providers): slug, name, what it means.
#: Seeded by 0013_provider_type_partnerships.
PARTNERSHIP_KINDS = [
    (
        "subcontracting-capacity",
        N_("Subcontracting capacity"),
        N_(
            "Seats and people for work another provider subcontracts: offered by a provider "
            "with capacity to spare, sought by one that needs more."
        ),
    ),
    (
        "subcontracted-work",
        N_("Subcontracted work"),
        N_(
            "Work one provider wins and passes on: offered by the one passing it on, sought by "
            "one that wants to take it on."
        ),
    ),
    (
        "training",
        N_("Training partnerships"),
        N_("Training impact workers together, or sharing curricula, trainers and best practice."),
    ),
    (
        "joint-bids",
        N_("Joint bids"),
        N_("Bidding together for contracts neither could serve alone."),
    ),
]

DELIVERY_MODES = [
    ("onsite", N_("Onsite")),
    ("remote", N_("Remote")),
    ("hybrid", N_("Hybrid")),
]

# --------------------------------------------------------------------------
# Other names buyers type for a taxonomy term: (facet param, slug or country
# code) -> names. Search reads a query that is a term's name or one of these as
# that term, and also finds the providers listed under it (buyers/search/concepts.py).
# --------------------------------------------------------------------------

SYNONYMS = {
    ("service", "voice-support"): [
        "call centre",
        "call center",
        "contact centre",
        "contact center",
        "phone support",
        "telephone support",
    ],
    ("service", "chat-email-support"): ["chat support", "email support", "live chat"],
    ("service", "data-annotation"): ["data labelling", "data labeling", "image annotation"],
    ("service", "digitisation-scanning"): ["digitisation", "digitization", "scanning"],
    ("service", "data-verification-cleaning"): ["data cleaning", "data verification"],
    ("service", "finance-accounting"): ["accounting", "bookkeeping"],
    ("service", "hr-payroll"): ["payroll"],
    ("service", "content-moderation"): ["trust and safety"],
    ("service", "software-testing"): ["quality assurance", "software qa"],
    ("service", "web-app-development"): ["web development", "app development"],
    ("service", "it-support"): ["helpdesk", "help desk"],
    ("certification", "iso-27001"): ["ISO 27001"],
    ("certification", "iso-27701"): ["ISO 27701"],
    ("certification", "iso-20000"): ["ISO 20000"],
    ("certification", "soc-2"): ["SOC2"],
    ("certification", "b-corp"): ["B Corporation", "BCorp"],
    ("group", "persons-with-disabilities"): [
        "disability",
        "disabilities",
        "disabled",
        "people with disabilities",
        "disabled people",
    ],
    ("group", "people-in-poverty"): ["poverty"],
    ("group", "long-term-unemployed"): ["unemployed", "unemployment"],
    ("group", "youth-without-experience"): ["youth", "young people"],
    ("group", "women"): ["women"],
    ("group", "refugees-displaced"): ["refugee", "refugees", "displaced people"],
    ("group", "minorities"): ["minorities", "ethnic minorities"],
    ("group", "indigenous-peoples"): ["indigenous"],
    ("country", "GB"): ["UK", "Britain", "Great Britain"],
    ("country", "US"): ["USA", "United States"],
}

#: Synonyms in the directory's other languages, read like SYNONYMS by search whatever the
#: interface language (the terms' translated names are read from the catalogues already).
#: Accents and case do not matter; plurals ending in "s" are read as the singular.
SYNONYMS_BY_LANGUAGE = {
    "fr": {
        ("service", "voice-support"): [
            "centre d'appels",
            "centre de contact",
            "centre de relation client",
            "support téléphonique",
            "assistance téléphonique",
            "téléconseil",
        ],
        ("service", "chat-email-support"): ["support par chat", "support par e-mail", "chat"],
        ("service", "data-annotation"): ["étiquetage de données", "annotation d'images"],
        ("service", "data-entry"): ["saisie", "saisie de données"],
        ("service", "digitisation-scanning"): ["numérisation", "dématérialisation"],
        ("service", "data-verification-cleaning"): ["nettoyage de données"],
        ("service", "finance-accounting"): ["comptabilité"],
        ("service", "hr-payroll"): ["paie", "ressources humaines"],
        ("service", "content-moderation"): ["modération"],
        ("service", "software-testing"): ["tests logiciels", "assurance qualité"],
        ("service", "web-app-development"): ["développement web", "développement d'applications"],
        ("service", "it-support"): ["support informatique", "assistance informatique"],
        ("group", "persons-with-disabilities"): ["handicap", "personnes handicapées"],
        ("group", "people-in-poverty"): ["pauvreté"],
        ("group", "long-term-unemployed"): ["chômeurs", "chômage", "demandeurs d'emploi"],
        ("group", "youth-without-experience"): ["jeunes"],
        ("group", "women"): ["femmes"],
        ("group", "refugees-displaced"): ["réfugiés", "personnes déplacées"],
        ("group", "minorities"): ["minorités"],
        ("group", "indigenous-peoples"): ["autochtones"],
        ("country", "GB"): ["Royaume-Uni", "Angleterre"],
        ("country", "US"): ["États-Unis"],
    },
    "es": {
        ("service", "voice-support"): [
            "centro de llamadas",
            "centro de contacto",
            "call center",
            "atención telefónica",
            "soporte telefónico",
        ],
        ("service", "chat-email-support"): ["soporte por chat", "soporte por correo"],
        ("service", "data-annotation"): ["etiquetado de datos", "anotación de imágenes"],
        ("service", "data-entry"): ["captura de datos", "digitación"],
        ("service", "digitisation-scanning"): ["digitalización", "escaneo"],
        ("service", "data-verification-cleaning"): ["limpieza de datos"],
        ("service", "finance-accounting"): ["contabilidad"],
        ("service", "hr-payroll"): ["nómina", "nóminas", "recursos humanos"],
        ("service", "content-moderation"): ["moderación"],
        ("service", "software-testing"): ["pruebas de software", "control de calidad"],
        ("service", "web-app-development"): ["desarrollo web", "desarrollo de aplicaciones"],
        ("service", "it-support"): ["soporte informático", "mesa de ayuda"],
        ("group", "persons-with-disabilities"): ["discapacidad", "personas discapacitadas"],
        ("group", "people-in-poverty"): ["pobreza"],
        ("group", "long-term-unemployed"): ["desempleados", "desempleo"],
        ("group", "youth-without-experience"): ["jóvenes"],
        ("group", "women"): ["mujeres"],
        ("group", "refugees-displaced"): ["refugiados", "desplazados"],
        ("group", "minorities"): ["minorías"],
        ("group", "indigenous-peoples"): ["indígenas"],
        ("country", "GB"): ["Reino Unido", "Inglaterra"],
        ("country", "US"): ["EE. UU.", "EEUU"],
    },
    "pt": {
        ("service", "voice-support"): [
            "call center",
            "central de atendimento",
            "central de relacionamento",
            "centro de contacto",
            "atendimento telefônico",
            "telemarketing",
        ],
        ("service", "chat-email-support"): ["atendimento por chat", "suporte por chat"],
        ("service", "data-annotation"): ["rotulagem de dados", "anotação de imagens"],
        ("service", "data-entry"): ["digitação", "digitação de dados"],
        ("service", "digitisation-scanning"): ["digitalização", "escaneamento"],
        ("service", "data-verification-cleaning"): ["limpeza de dados"],
        ("service", "finance-accounting"): ["contabilidade"],
        ("service", "hr-payroll"): ["folha de pagamento", "recursos humanos"],
        ("service", "content-moderation"): ["moderação"],
        ("service", "software-testing"): ["testes de software", "garantia de qualidade"],
        ("service", "web-app-development"): ["desenvolvimento web", "desenvolvimento de apps"],
        ("service", "it-support"): ["suporte de TI", "help desk"],
        ("group", "persons-with-disabilities"): ["deficiência", "pessoas com deficiência", "PcD"],
        ("group", "people-in-poverty"): ["pobreza"],
        ("group", "long-term-unemployed"): ["desempregados", "desemprego"],
        ("group", "youth-without-experience"): ["jovens"],
        ("group", "women"): ["mulheres"],
        ("group", "refugees-displaced"): ["refugiados", "deslocados"],
        ("group", "minorities"): ["minorias"],
        ("group", "indigenous-peoples"): ["indígenas"],
        ("country", "GB"): ["Reino Unido", "Inglaterra"],
        ("country", "US"): ["EUA"],
    },
    "ar": {
        ("service", "voice-support"): [
            "مركز اتصال",
            "مراكز الاتصال",
            "مركز اتصالات",
            "خدمة العملاء الهاتفية",
            "الدعم الهاتفي",
        ],
        ("service", "chat-email-support"): ["الدعم عبر الدردشة", "الدعم عبر البريد الإلكتروني"],
        ("service", "data-annotation"): ["تصنيف البيانات", "وسم البيانات", "توسيم البيانات"],
        ("service", "data-entry"): ["إدخال البيانات"],
        ("service", "digitisation-scanning"): ["رقمنة", "المسح الضوئي"],
        ("service", "data-verification-cleaning"): ["تنظيف البيانات"],
        ("service", "finance-accounting"): ["محاسبة"],
        ("service", "hr-payroll"): ["الرواتب", "كشوف الرواتب", "الموارد البشرية"],
        ("service", "content-moderation"): ["إشراف على المحتوى", "مراجعة المحتوى"],
        ("service", "software-testing"): ["اختبار البرمجيات", "ضمان الجودة"],
        ("service", "web-app-development"): ["تطوير المواقع", "تطوير التطبيقات"],
        ("service", "it-support"): ["الدعم الفني", "مكتب المساعدة"],
        ("group", "persons-with-disabilities"): ["ذوي الإعاقة", "الإعاقة", "ذوو الاحتياجات الخاصة"],
        ("group", "people-in-poverty"): ["الفقر", "الفقراء"],
        ("group", "long-term-unemployed"): ["العاطلين عن العمل", "البطالة"],
        ("group", "youth-without-experience"): ["الشباب"],
        ("group", "women"): ["النساء", "المرأة"],
        ("group", "refugees-displaced"): ["اللاجئين", "اللاجئون", "النازحين"],
        ("group", "minorities"): ["الأقليات"],
        ("group", "indigenous-peoples"): ["الشعوب الأصلية"],
        ("country", "GB"): ["المملكة المتحدة", "بريطانيا"],
        ("country", "US"): ["أمريكا", "الولايات المتحدة"],
    },
}
