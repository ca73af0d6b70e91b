"""Every public page and the main private pages in the site's other languages, in Chromium.

Arabic (right to left, so the layout changes too) is checked on every page; French,
Spanish and Portuguese in turn, each on a third of the pages, so every page is seen in
two languages and every language on a share of the pages (the English pages are the
other browser tests'). For each language one browser context visits its pages in a loop
(anonymous, then as the demo buyer, then as the demo ISSP user) and checks on each:

- `<html lang>` is the language and `dir` is rtl for a right-to-left language (Arabic),
  ltr otherwise;
- axe finds no violations (right to left included);
- nothing in English is left: no visible text (nor placeholder, label, alt or title) equals
  the English msgid of a catalogue entry whose translation differs. Providers' and users'
  own texts stay as they were written: they sit in `dir="auto"` or `<bdi>` containers
  (or `[data-user-text]`), which are not checked; nor is text marked with another `lang`
  (a language switcher names each language in that language).

Failures are gathered for every language and page and reported together, so one run
shows everything that is left. One test: the demo directory is seeded once.
"""

import importlib
import io
import os
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from accounts.models import User
from buyers.models import Inquiry, Shortlist
from providers import demo
from providers.models import CaseStudy, ListingStatus, Membership, Provider
from tests.e2e.conftest import _axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [code for code, _name in settings.LANGUAGES]
#: Checked on every page: the right-to-left languages.
EVERY_PAGE = [code for code in LANGUAGES if translation.get_language_info(code)["bidi"]]
#: Checked in turn, page by page: the others but English.
IN_TURN = [code for code in LANGUAGES if code not in EVERY_PAGE and code != settings.LANGUAGE_CODE]
DESKTOP = {"width": 1280, "height": 900}
#: A folder to keep a screenshot of every page in every language in, to look at (unset: none).
SCREENSHOTS = os.environ.get("LANGUAGE_SCREENSHOTS")

#: axe's rules whose outcome depends on the words of a page (names, labels, titles, the
#: language): run on every page in every language. A right-to-left language changes the
#: layout as well, so its pages get every rule; the English pages get every rule in the
#: other browser tests. (All rules on every page in five languages took minutes.)
AXE_WORDING_RULES = [
    "area-alt",
    "aria-command-name",
    "aria-input-field-name",
    "aria-meter-name",
    "aria-progressbar-name",
    "aria-toggle-field-name",
    "aria-tooltip-name",
    "button-name",
    "document-title",
    "empty-heading",
    "empty-table-header",
    "frame-title",
    "html-has-lang",
    "html-lang-valid",
    "html-xml-lang-mismatch",
    "image-alt",
    "input-button-name",
    "input-image-alt",
    "label",
    "link-name",
    "object-alt",
    "role-img-alt",
    "select-name",
    "summary-name",
    "svg-img-alt",
    "valid-lang",
]


def axe_options(lang):
    if translation.get_language_info(lang)["bidi"]:
        return {"resultTypes": ["violations"]}
    return {"resultTypes": ["violations"], "runOnly": {"type": "rule", "values": AXE_WORDING_RULES}}


def page_url(path, lang):
    """The address of `path` in `lang`: under its prefix, English unprefixed
    (impactdir.languages). The context's language cookie matches, as after using the
    switcher, so no page sends the browser to another language."""
    return path if lang == settings.LANGUAGE_CODE else f"/{lang}{path}"


def language_context(browser, live_server, lang):
    context = browser.new_context(viewport=DESKTOP, locale=lang)
    context.add_cookies([language_cookie(live_server, lang)])
    context.set_default_timeout(10_000)
    return context


def language_cookie(live_server, lang):
    return {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}


def sign_in(context, live_server, lang, user):
    """The context signed in as `user` (a session made by Django's test client: no
    log-in form, so no throttling), still in `lang`."""
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [
            language_cookie(live_server, lang),
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
        ]
    )


# ---------------------------------------------------------------- English left on the page

PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\{[a-z_]*\}")


def english_msgids(lang):
    """The English messages the catalogues of `lang` translate to something else: exact
    texts, and patterns for the messages with placeholders (whose literal part is long
    enough not to match a provider's name or a number)."""
    catalog = trans_real.translation(lang)._catalog
    exact, patterns = set(), []
    for key, _text in catalog.items():
        # The translation the page shows: items() also yields what a catalogue of lower
        # priority says (django-countries' pt_PT "Benim" under our Brazilian "Benin").
        text = catalog[key]
        msgid = key[0] if isinstance(key, tuple) else key  # plural forms: (msgid, n)
        if not isinstance(msgid, str) or not isinstance(text, str):
            continue
        msgid = msgid.split("\x04", 1)[-1]  # context\x04msgid
        if text == msgid or not re.search("[A-Za-z]{2}", msgid) or "<" in msgid:
            continue
        normal = " ".join(msgid.split())
        if PLACEHOLDER.search(normal):
            literal = PLACEHOLDER.sub("", normal)
            if len(re.findall("[A-Za-z]", literal)) >= 8:
                parts = PLACEHOLDER.split(normal)
                patterns.append(".+?".join(map(re.escape, parts)))
        else:
            exact.add(normal)
    return exact, re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


#: The visible texts of the page outside providers' and users' own texts, with where
#: they are (tag#id.class of the element), and the texts of attributes people read.
VISIBLE_TEXTS = """() => {
  const pageLang = document.documentElement.lang;
  // .tile__code: a tile map's country codes (SVG text takes no translate attribute).
  const skip = "script, style, noscript, template, code, pre, kbd, samp, .tile__code, "
    + "bdi, [dir=auto], [translate=no], [data-user-text]";
  const where = (el) => {
    const holder = el.parentElement && el.parentElement.closest("[id]");
    return (holder ? "#" + holder.id + " " : "") + el.tagName.toLowerCase()
      + (el.classList.length ? "." + [...el.classList].join(".") : "");
  };
  const checked = (el) => {
    if (el.closest(skip)) return false;
    const marked = el.closest("[lang]");
    return !marked || marked.lang === pageLang;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    const el = node.parentElement;
    if (!text || !el || !checked(el)) continue;
    // Shown, or read out (visually hidden text for screen readers counts too).
    const style = getComputedStyle(el);
    if (el.closest("[hidden]") || style.display === "none") continue;
    found.push([text, where(el)]);
  }
  for (const el of document.querySelectorAll(
      "[placeholder], [aria-label], img[alt], [title], input[type=submit][value], title")) {
    if (el.tagName === "TITLE") { found.push([el.textContent.trim(), "title"]); continue; }
    if (!checked(el)) continue;
    for (const name of ["placeholder", "aria-label", "alt", "title", "value"]) {
      if (name === "value" && el.type !== "submit") continue;
      const value = (el.getAttribute(name) || "").replace(/\\s+/g, " ").trim();
      if (value) found.push([value, where(el) + "[" + name + "]"]);
    }
  }
  return found;
}"""


IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")

#: Names spelled the same in a language as in English, where a catalogue of lower priority
#: words them otherwise (Réunion is Réunion in French).
SAME_AS_ENGLISH = {"fr": {"Réunion"}}

#: A facet option's or chip's count after its name: "Data annotation (35)".
COUNT = re.compile(r"\s*\(\d[\d\s.,\u00a0\u202f]*\)$")


def candidates(text):
    """The text, and the names it is made of: the parts of a list ("Data annotation,
    Content moderation") or of a title ("Page · ImpactDir"), without a count after them."""
    parts = {text}
    for separator in (" · ", ", ", "; ", "، "):
        parts.update(part.strip() for piece in list(parts) for part in piece.split(separator))
    # A part of a list that is a lower-case identifier is a column or field name a translated
    # sentence lists ("Études de cas : title, year, …"), not an English word left.
    parts = {part for part in parts if part == text or not IDENTIFIER.fullmatch(part)}
    return {COUNT.sub("", part) for part in parts} | parts


def english_left(page, exact, patterns):
    left = []
    for text, where in page.evaluate(VISIBLE_TEXTS):
        for part in sorted(candidates(text)):
            if part in exact or (patterns and patterns.fullmatch(part)):
                left.append(f"{part!r} at {where}")
    return left


# ---------------------------------------------------------------- the pages


def demo_directory():
    # The taxonomies, as `migrate` leaves them (a transactional test's flush removes them).
    importlib.import_module("providers.migrations.0002_seed_taxonomies").seed(apps, None)
    call_command("seed_demo", "--providers", "30", stdout=io.StringIO(), stderr=io.StringIO())
    published = Provider.objects.filter(status=ListingStatus.PUBLISHED).order_by("pk")
    studied = published.filter(pk__in=CaseStudy.objects.values("provider")).first()
    profile = studied or published.first()
    other = published.exclude(pk=profile.pk).first()
    buyer = User.objects.get(email=demo.DEMO_BUYER.email)
    issp = User.objects.get(email=demo.DEMO_ISSP.email)
    listing = Membership.objects.filter(user=issp).order_by("provider_id").first().provider_id
    shortlist = Shortlist.objects.filter(owner=buyer).first()
    inquiry = Inquiry.objects.filter(buyer=buyer).first()
    service = profile.services.select_related("service").first().service
    public = [
        "/",
        "/providers/",
        f"/providers/?service={service.slug}&sort=name",
        f"/providers/{profile.slug}/",
        f"/compare/?p={profile.slug}&p={other.slug}",
        "/case-studies/",
        "/how-results-are-ordered/",
        "/how-figures-are-protected/",
        "/stats/",
        "/stats/methodology/",
        "/data/",
        "/data/fields/",
        "/api/v1/docs/",
        "/about/",
        "/privacy/",
        "/terms/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/providers/no-such-provider/",  # 404
    ]
    buyer_pages = [
        "/workspace/",
        "/shortlists/",
        f"/shortlists/{shortlist.pk}/",
        "/searches/",
        "/inquiries/",
        f"/inquiries/{inquiry.pk}/",
        "/accounts/profile/",
    ]
    issp_pages = [
        "/dashboard/",
        f"/dashboard/listings/{listing}/",
        f"/dashboard/listings/{listing}/profile/",
        f"/dashboard/listings/{listing}/services/",
        f"/dashboard/listings/{listing}/centres/",
        f"/dashboard/listings/{listing}/certifications/",
        f"/dashboard/listings/{listing}/reports/",
        f"/dashboard/listings/{listing}/case-studies/",
        f"/dashboard/listings/{listing}/team/",
        "/dashboard/inquiries/",
        f"/dashboard/inquiries/{inquiry.pk}/",
    ]
    return [(None, public), (buyer, buyer_pages), (issp, issp_pages)]


def check_page(page, lang, exact, patterns):
    """What is wrong with the page in `lang`: lang, dir, axe violations, English left."""
    problems = []
    html_lang = page.evaluate("document.documentElement.lang")
    if html_lang != lang:
        problems.append(f"html lang is {html_lang!r}")
    html_dir = page.evaluate("document.documentElement.dir")
    expected_dir = "rtl" if translation.get_language_info(lang)["bidi"] else "ltr"
    if html_dir != expected_dir:
        problems.append(f"html dir is {html_dir!r}, not {expected_dir!r}")
    violations = _axe.run(page, options=axe_options(lang)).response["violations"]
    for violation in violations:
        targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:3])
        problems.append(f"axe {violation['id']} ({violation['impact']}) at {targets}")
    if lang != settings.LANGUAGE_CODE:
        problems.extend(f"English left: {text}" for text in english_left(page, exact, patterns))
    return problems


def too_many_requests(page, live_server, lang):
    """The 429 page, as allauth's sign-up rate limit shows it (lowered to one a minute)."""
    page.goto(live_server.url + page_url("/accounts/signup/", lang))
    for _attempt in range(2):
        with page.expect_navigation() as navigation:
            page.locator("main form[method=post]").first.evaluate("form => form.submit()")
    return navigation.value


#: Where the rate-limited sign-up's 429 page is met in the list of pages.
TOO_MANY = "429 page"


def languages_of(index):
    """The languages the page at `index` of the walk is checked in."""
    return [*EVERY_PAGE, IN_TURN[index % len(IN_TURN)]]


def test_every_page_in_the_other_languages(browser, live_server, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "", "login_failed": "", "signup": "1/m/ip"}
    pages = [(user, path) for user, paths in demo_directory() for path in paths]
    pages.append((None, TOO_MANY))
    seen = {index: languages_of(index) for index in range(len(pages))}
    report = []
    for lang in EVERY_PAGE + IN_TURN:
        exact, patterns = english_msgids(lang)
        exact -= SAME_AS_ENGLISH.get(lang, set())
        context = language_context(browser, live_server, lang)
        page = context.new_page()
        signed_in = None
        for index, (user, path) in enumerate(pages):
            if lang not in seen[index]:
                continue
            if path == TOO_MANY:
                report.extend(
                    check_too_many_requests(context, page, live_server, lang, exact, patterns)
                )
                signed_in = None
                continue
            if user != signed_in:
                if user is None:
                    context.clear_cookies()
                    context.add_cookies([language_cookie(live_server, lang)])
                else:
                    sign_in(context, live_server, lang, user)
                signed_in = user
            response = page.goto(live_server.url + page_url(path, lang))
            expected = 404 if "no-such" in path else 200
            if response.status != expected:
                report.append(f"[{lang}] {path}: status {response.status}")
                continue
            report.extend(
                f"[{lang}] {path}: {problem}" for problem in check_page(page, lang, exact, patterns)
            )
            if SCREENSHOTS:
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{SCREENSHOTS}/{lang}-{name}.png", full_page=True)
        context.close()
    assert not report, f"{len(report)} problem(s):\n" + "\n".join(report)
    # Every page in two languages, every language on a third of the pages at least.
    assert all(len(set(languages)) >= 2 for languages in seen.values())
    for lang in IN_TURN:
        assert sum(lang in languages for languages in seen.values()) >= len(pages) // 3, lang


def check_too_many_requests(context, page, live_server, lang, exact, patterns):
    """What is wrong with the 429 page in `lang`, met as an anonymous visitor."""
    context.clear_cookies()
    context.add_cookies([language_cookie(live_server, lang)])
    cache.clear()  # the rate limits count in the cache
    response = too_many_requests(page, live_server, lang)
    if response.status != 429:
        return [f"[{lang}] 429 page: status {response.status}"]
    return [f"[{lang}] 429 page: {problem}" for problem in check_page(page, lang, exact, patterns)]
