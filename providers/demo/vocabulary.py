"""The words the demo directory is made of: invented names, places, phrases and figures' ranges.

Names come from invented syllables and a bijection on the index, so they never
repeat (up to `NAME_SPACE` providers per seed) and slugs stay unique.
"""

import functools
import random
from dataclasses import dataclass

from providers.models import LegalForm, ListingStatus

# --------------------------------------------------------------------------
# Invented names
# --------------------------------------------------------------------------

SYLLABLES = (
    "ka", "zu", "vel", "mir", "to", "ren", "sa", "quo",
    "li", "dar", "ne", "bo", "xa", "tem", "ri", "fa",
    "lun", "ve", "ko", "sha", "mi", "ro", "tyn", "ga",
    "pe", "jor", "wi", "da", "nu", "sel", "ya", "hul",
)  # fmt: skip
NAME_SUFFIXES = (
    "Data Collective", "Works", "Impact Services", "Digital Works",
    "Data Works", "Impact Sourcing", "Services", "Digital",
    "Solutions Collective", "Data Labs", "Cooperative", "Social Enterprise",
    "Outsourcing", "Talent Works", "BPO", "Digital Services",
    "Data Partners", "Impact Labs", "Support Centre", "Knowledge Works",
    "Back Office Collective", "Annotation Studio", "Tech Collective", "People Services",
)  # fmt: skip
_WORDS = len(SYLLABLES) ** 3
#: How many distinct names one seed can give.
NAME_SPACE = _WORDS * len(NAME_SUFFIXES)


@functools.lru_cache(maxsize=64)
def _name_permutation(seed):
    """(multiplier, offset) of an affine bijection on range(NAME_SPACE) for this seed."""
    rng = random.Random(f"{seed}:names")
    multiplier = rng.randrange(NAME_SPACE) | 1  # NAME_SPACE = 2**18 * 3: odd and
    while multiplier % 3 == 0:  # not a multiple of 3 makes it invertible.
        multiplier += 2
    return multiplier, rng.randrange(NAME_SPACE)


def provider_name(index, *, seed):
    """The invented name of demo provider `index`; distinct indices give distinct names."""
    if not 0 <= index < NAME_SPACE:
        raise ValueError(f"demo provider index must be in 0..{NAME_SPACE - 1}")
    multiplier, offset = _name_permutation(seed)
    code = (multiplier * index + offset) % NAME_SPACE
    code, suffix = divmod(code, len(NAME_SUFFIXES))
    syllables = []
    for _ in range(3):
        code, syllable = divmod(code, len(SYLLABLES))
        syllables.append(SYLLABLES[syllable])
    return f"{''.join(syllables).capitalize()} {NAME_SUFFIXES[suffix]}"


# --------------------------------------------------------------------------
# Where the work is done: country → (weight, cities, language codes)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    weight: int
    cities: tuple
    languages: tuple  # ISO 639-1, most spoken at work first


def _country(code, name, weight, cities, languages):
    return Country(code, name, weight, tuple(cities.split(", ")), tuple(languages.split()))


COUNTRIES = (
    _country("KE", "Kenya", 9, "Nairobi, Mombasa, Kisumu, Nakuru, Eldoret", "en sw"),
    _country("UG", "Uganda", 5, "Kampala, Gulu, Entebbe, Mbarara, Jinja", "en sw"),
    _country("RW", "Rwanda", 4, "Kigali, Huye, Musanze, Rubavu", "rw en fr"),
    _country("ZA", "South Africa", 6, "Johannesburg, Cape Town, Durban, Gqeberha",
             "en af zu"),
    _country("NG", "Nigeria", 6, "Lagos, Abuja, Ibadan, Enugu, Kano, Port Harcourt", "en yo ha ig"),
    _country("GH", "Ghana", 5, "Accra, Kumasi, Tamale, Takoradi", "en"),
    _country("EG", "Egypt", 4, "Cairo, Alexandria, Giza, Mansoura, Assiut", "ar en"),
    _country("ET", "Ethiopia", 3, "Addis Ababa, Hawassa, Bahir Dar", "am om en"),
    _country("SN", "Senegal", 2, "Dakar, Thiès, Saint-Louis", "fr wo"),
    _country("MA", "Morocco", 2, "Casablanca, Rabat, Fès, Tangier", "ar fr"),
    _country("IN", "India", 11, "Bengaluru, Chennai, Hyderabad, Pune, Kolkata, Bhubaneswar, "
             "Coimbatore, Madurai, Jaipur, Lucknow", "en hi ta te mr bn"),
    _country("PH", "Philippines", 8, "Manila, Cebu City, Davao City, Iloilo City, Baguio",
             "en tl"),
    _country("BD", "Bangladesh", 4, "Dhaka, Chattogram, Khulna, Rajshahi, Sylhet", "bn en"),
    _country("LK", "Sri Lanka", 3, "Colombo, Kandy, Galle, Jaffna", "si ta en"),
    _country("VN", "Vietnam", 4, "Ho Chi Minh City, Hanoi, Da Nang, Hue, Can Tho", "vi en"),
    _country("KH", "Cambodia", 3, "Phnom Penh, Siem Reap, Battambang", "km en"),
    _country("NP", "Nepal", 3, "Kathmandu, Pokhara, Lalitpur, Biratnagar", "ne en"),
    _country("ID", "Indonesia", 2, "Jakarta, Yogyakarta, Bandung, Surabaya", "id en"),
    _country("PK", "Pakistan", 2, "Lahore, Karachi, Islamabad", "ur en"),
    _country("CO", "Colombia", 5, "Bogotá, Medellín, Cali, Barranquilla, Bucaramanga", "es en"),
    _country("PE", "Peru", 3, "Lima, Arequipa, Trujillo, Cusco", "es qu"),
    _country("MX", "Mexico", 4, "Mexico City, Guadalajara, Monterrey, Mérida, Oaxaca",
             "es en"),
    _country("BR", "Brazil", 4, "São Paulo, Recife, Salvador, Fortaleza, Belo Horizonte", "pt es"),
    _country("GT", "Guatemala", 2, "Guatemala City, Quetzaltenango, Antigua Guatemala", "es"),
    _country("HT", "Haiti", 2, "Port-au-Prince, Cap-Haïtien", "ht fr"),
    _country("JM", "Jamaica", 1, "Kingston, Montego Bay", "en"),
    _country("HN", "Honduras", 1, "Tegucigalpa, San Pedro Sula", "es"),
    _country("BO", "Bolivia", 1, "La Paz, Cochabamba, Santa Cruz de la Sierra", "es qu"),
    # A few providers deliver from where their buyers are.
    _country("US", "United States", 1, "Detroit, Baltimore, Fresno", "en es"),
    _country("GB", "United Kingdom", 1, "Glasgow, Manchester, Belfast", "en"),
    _country("RO", "Romania", 1, "Cluj-Napoca, Iași, Timișoara", "ro en fr"),
)  # fmt: skip
COUNTRY_WEIGHTS = tuple(country.weight for country in COUNTRIES)
#: Headquarters outside the delivery countries, for some providers.
FOREIGN_HQ = ("GB", "US", "NL", "DE", "FR", "CA")
EXTRA_LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl", "ar")

FIRST_NAMES = (
    "Amani", "Wanjiru", "Kofi", "Ama", "Chidi", "Ngozi", "Thandi", "Sipho", "Aisha", "Yusuf",
    "Priya", "Arjun", "Kavya", "Rahul", "Maricel", "Jomar", "Nusrat", "Tanvir", "Dilani",
    "Ruwan", "Linh", "Minh", "Sokha", "Dara", "Sunita", "Bikash", "Camila", "Andrés", "Lucía",
    "Mateo", "Rosa", "Diego", "Ana", "João", "Beatriz", "Mireille", "Jean", "Fatou", "Moussa",
)  # fmt: skip
LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVWYZ"

# --------------------------------------------------------------------------
# Shapes of a listing
# --------------------------------------------------------------------------

#: (band lower bound, upper bound, weight); bounds follow models.SIZE_BAND_BOUNDS.
SIZE_BANDS = ((3, 49, 36), (50, 249, 34), (250, 999, 20), (1000, 25000, 10))
STATUS_BLOCK = 20
#: In every block of 20 consecutive indices: 17 published, a draft, a submitted
#: listing and one of the three other states, so even small runs are varied.
RARE_STATUSES = (ListingStatus.REJECTED, ListingStatus.SUSPENDED, ListingStatus.INACTIVE)
REJECTION_REASONS = (
    "The impact figures could not be matched to the evidence provided. Please upload the "
    "signed report for the period.",
    "The organisation registration number does not match the registry entry.",
    "The listing describes a recruitment agency rather than a service provider.",
)
LEGAL_FORMS = (
    (LegalForm.SOCIAL_ENTERPRISE, 40),
    (LegalForm.FOR_PROFIT, 30),
    (LegalForm.NON_PROFIT, 20),
    (LegalForm.COOPERATIVE, 10),
)
LEGAL_FORM_PHRASES = {
    LegalForm.SOCIAL_ENTERPRISE: "social enterprise",
    LegalForm.FOR_PROFIT: "for-profit impact sourcing company",
    LegalForm.NON_PROFIT: "non-profit organisation",
    LegalForm.COOPERATIVE: "worker cooperative",
}
DATA_SENTENCES = (
    "Every project runs under a written data protection policy, with access controls and "
    "daily quality checks on the data.",
    "Teams are trained in secure data handling before they touch client data.",
    "Clients get weekly quality and data accuracy reports, and a named team lead.",
    "All data stays on encrypted, access-controlled workstations inside the centres.",
)
TAGLINES = (
    "{s1} and {s2} from {city}, by people the job market overlooked",
    "Impact sourcing for {s1l} and {s2l} in {country}",
    "{s1} teams built on inclusive hiring in {city}",
    "Reliable {s1l} and {s2l}, with a measurable social impact",
    "{s1} at scale, delivered from {country}",
)
DEFINITIONS = (
    "People hired from one of our target groups at the time they joined, counted at "
    "the end of the period.",
    "Employees who were unemployed for at least 12 months, or living below the national "
    "poverty line, when hired.",
    "Staff who had no formal employment before joining us, as recorded at onboarding.",
)
VERIFIERS = (
    "Northfield Impact Assurance (fictional)",
    "Clearwater Social Audit (fictional)",
    "Meridian Evidence Partners (fictional)",
)
SIZE_WORDS = ("small", "medium-sized", "large", "very large")
