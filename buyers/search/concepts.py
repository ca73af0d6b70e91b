"""Query understanding: a search text that names taxonomy terms also finds their providers.

"call centre" is what many buyers type for the service "Voice support", "Kenya"
for providers delivering there, "ISO 27001" for that certification, "disability"
for the impact target group "Persons with disabilities". Their listings need not
hold those words; the taxonomy says who they are. So an alternative of the query
(the text between `or`s) made only of names of services, regions, delivery
countries, certifications or target groups (or their synonyms,
providers.taxonomy_data.SYNONYMS), with no exclusion, also matches every
published provider listed under all the terms it names ("call centre in Kenya":
the voice-support providers delivering in Kenya). A few filler words ("in",
"with", "and", ...) may stand between names.

The providers are taken from the facet index's own bits (counts stay exact: a
facet count is still the number a buyer gets by following it), and on the
database path (exports, alerts) from the same facets' QuerySet verbs, which
tests hold to the same answers. They are ranked with everyone else: by their
points for the query's words (often none), then name.

The names are read when the index is built (`build_concepts`), so a renamed
service is understood from the next index on. They are read in every language of
the directory (the catalogues' translations of the taxonomy's English names,
django-countries' country names, and SYNONYMS_BY_LANGUAGE), whatever the language
of the request that built the index or of the buyer asking: "modération de
contenu" finds the content-moderation providers on the English page too. A name
is read without accents, case or a final "s", and in Arabic without the article
"ال" and with its letters' written variants made one (`concept_words`).
"""

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django_countries import countries

from buyers.search.query import query_groups, words
from buyers.search.sqlite_text import Vocabulary
from providers.models import translated
from providers.taxonomy_data import SYNONYMS, SYNONYMS_BY_LANGUAGE

#: Words that may stand between two names ("call centre in Kenya"), in the directory's
#: languages (as `concept_words` reads them: without accents, Arabic without its article).
FILLER = frozenset(
    {
        # en
        *("a", "an", "and", "for", "from", "in", "of", "the", "with"),
        # fr ("centres d'appels au Kenya": d' and l' are words of their own)
        *("au", "aux", "avec", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les"),
        *("pour", "un", "une"),
        # es
        *("con", "del", "e", "el", "los", "las", "para", "una", "y"),
        # pt
        *("com", "da", "das", "do", "dos", "em", "na", "nas", "no", "nos", "um", "uma"),
        # ar (in, with, and, from, for)
        *("في", "مع", "و", "من", "ل"),
    }
)

#: Arabic letters written in several ways that a query may use for one another.
_ARABIC_VARIANTS = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None})

_ARABIC_ARTICLE = "ال"


def concept_words(text: str) -> list:
    """The words of a name or query as names are compared (`words` is lower case without
    accents, so "Modération" = "moderation"): Arabic without the article ("الإشراف" =
    "إشراف") and with alef maqsura, ta marbuta and tatweel as their plain forms."""
    found = []
    for word in words(text):
        word = word.translate(_ARABIC_VARIANTS)
        if word.startswith(_ARABIC_ARTICLE) and len(word) > len(_ARABIC_ARTICLE) + 1:
            word = word[len(_ARABIC_ARTICLE) :]
        if word:
            found.append(word)
    return found


#: Facets whose option names a query may name, and the longest name kept (in words).
PARAMS = ("service", "region", "country", "certification", "group")
LONGEST = 8


def _key(text: str) -> tuple:
    """A name as the query must say it: its words, a final "s" aside ("centres" = "centre")."""
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in concept_words(text))


@dataclass(frozen=True)
class Concepts:
    #: name (as `_key`) -> frozenset of (facet param, option key)
    names: dict
    #: the words of every name and synonym, for "did you mean" (selector.py)
    vocabulary: Vocabulary | None = None

    def recognise(self, q: str) -> list:
        """The alternatives of `q` that name only taxonomy terms: for each, a list of
        frozensets of (param, key), one per name (any term of a set; all the sets)."""
        found = []
        for group in query_groups(q):
            if any(term.negated for term in group):
                continue
            said = _key(" ".join(term.text for term in group))
            named = self._segment(said)
            if named:
                found.append(named)
        return found

    def _segment(self, said: tuple) -> list | None:
        """`said` cut into names (longest first) and filler words; None if something is neither."""
        named = []
        at = 0
        while at < len(said):
            for end in range(min(len(said), at + LONGEST), at, -1):
                terms = self.names.get(said[at:end])
                if terms:
                    named.append(terms)
                    at = end
                    break
            else:
                if said[at] not in FILLER:
                    return None
                at += 1
        return named or None


def build_concepts(options: dict) -> Concepts:
    """Names of the taxonomy terms: the index's options (facet param -> FacetOption list),
    their names in every language of `settings.LANGUAGES`, and synonyms."""
    names: dict = {}
    said_words: Counter = Counter()

    def add(text, param, key):
        said_words.update(words(text))
        said = _key(text)
        if said and len(said) <= LONGEST:
            names.setdefault(said, set()).add((param, key))

    known = set()
    country_codes = [option.key for option in options.get("country", ())]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for param in PARAMS:
                if param == "country":
                    continue
                for option in options.get(param, ()):
                    add(translated(option.label), param, option.key)
                    known.add((param, option.key))
            for code in country_codes:
                add(str(countries.name(code)), "country", code)
                known.add(("country", code))
    synonyms_by_term: dict = {}
    for table in (SYNONYMS, *SYNONYMS_BY_LANGUAGE.values()):
        for term, synonyms in table.items():
            synonyms_by_term.setdefault(term, []).extend(synonyms)
    for (param, key), synonyms in synonyms_by_term.items():
        if (param, key) in known:
            for synonym in synonyms:
                add(synonym, param, key)
    return Concepts(
        {said: frozenset(terms) for said, terms in names.items()},
        vocabulary=Vocabulary(dict(said_words)),
    )


def concept_bits(index, named_groups: list) -> int:
    """Bits of the providers the recognised alternatives find (the facet index's own)."""
    found = 0
    for named in named_groups:
        bits = index.all_bits
        for terms in named:
            either = 0
            for param, key in terms:
                either |= index.bits.get(param, {}).get(key, 0)
            bits &= either
        found |= bits
    return found


def concept_condition(index, named_groups: list) -> Q | None:
    """The same providers as `concept_bits`, as a condition for the database path."""
    from buyers.search.facets import FILTERS_BY_PARAM

    condition = None
    for named in named_groups:
        group_q = Q()
        for terms in named:
            either = Q()
            for param, key in sorted(terms):
                if param != "country" and key not in index.ids_by_slug.get(param, {}):
                    continue
                either |= FILTERS_BY_PARAM[param].q([key], index.day)
            group_q &= either if either else Q(pk__in=[])
        condition = group_q if condition is None else condition | group_q
    return condition
