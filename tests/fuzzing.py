"""What the fuzz tests share: malformed values, query strings, form bodies, counts.

The values are the ones a probe of a site sends: Unicode digits that
`str.isdigit()` accepts and `int()` or a database refuses (², ①, Arabic-Indic
٣), NUL, very long text, full-text operators, quotes, percent-encoding gone
wrong, ids just past a 64-bit integer. Every fuzz test records each answer in
`TALLY`; tests/conftest.py prints the totals at the end of the run, and each
test prints its own line, so the counts are in CI's output.

Limits: each test sets its own `max_examples` from `FUZZ`; the database of
hypothesis is off and each test is seeded from its own name (`seeded`), so a
run is the same run every time (a failure seen in CI is seen again locally)
while different pages still get different examples.
"""

import zlib
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def seeded(label: str):
    """A fixed seed for one test, from its label: the same examples on every run."""
    return seed(zlib.crc32(label.encode()))


#: Characters str.isdigit() accepts and int() or a database may not.
UNICODE_DIGITS = ["²", "①", "٣", "١٢", "۳", "𝟡", "1²", "²1", "0²"]

#: Numbers at and past the edges of the database's integers.
HUGE_NUMBERS = [
    "0",
    "-1",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "1" + "0" * 40,
    "1e400",
    "NaN",
    "inf",
]

TRICKY = [
    "",
    " ",
    "0",
    "1",
    "2",
    "-1",
    "007",
    "1.5",
    "1e3",
    "²",
    "①",
    "٣",
    "١٢",
    "۳",
    "𝟡",
    "Ⅻ",
    "\x00",
    "1\x00",
    "\u202e1",
    "\ufeff",
    "%",
    "'",
    '"',
    '""',
    '-""',
    '"""',
    "-" * 33,
    "-" * 300,
    "- " * 60,
    "-!" * 40,
    "or",
    "data -annotation",
    '"content moderation" -voice',
    "<script>alert(1)</script>",
    "\\",
    "data\nannotation",
    "KE",
    "ke",
    "ZZ",
    "data-annotation",
    "kenya",
    "east-africa",
    "1-49",
    "1000-plus",
    "relevance",
    "impact",
    "on",
    "true",
    "2025-13-45",
    "0000-00-00",
    "9999-12-31",
    "99999999999999999999999",
    "x" * 3000,
    "é" * 600,
    "/providers/",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
]

values = st.one_of(
    st.sampled_from(UNICODE_DIGITS),
    st.sampled_from(TRICKY),
    st.sampled_from(HUGE_NUMBERS),
    st.text(max_size=40),
    st.text(alphabet="-\"' !&|()<>:*0123456789²①٣۳𝟡", max_size=80),
)

#: Raw fragments appended to an encoded query string: encoding gone wrong.
RAW = ["", "", "", "&", "&&", "=", "%", "%ZZ", "%C3%28", "%ED%A0%80", "q", "a=b=c", "%00=%00"]

#: Names of parameters no page reads, sent next to the real ones.
unknown_names = st.one_of(
    st.sampled_from(["unknown", "page", "next", "id", "pk", "format", "__proto__", "²", ""]),
    st.text(max_size=12),
)


def query_strings(params, value_strategy=values):
    """Query strings of `params` (each maybe repeated, maybe missing, next to unknown ones)."""
    names = (
        st.one_of(st.sampled_from([*params, "unknown"]), unknown_names)
        if params
        else (unknown_names)
    )
    pairs = st.lists(st.tuples(names, value_strategy), max_size=8)
    return st.builds(
        lambda items, raw: urlencode(items) + ("&" + raw if raw else ""),
        pairs,
        st.sampled_from(RAW),
    )


#: What goes in a path segment in place of an id, a slug or a token.
path_values = st.one_of(
    st.sampled_from(
        [
            "0",
            "9223372036854775807",
            "9223372036854775808",
            "99999999999999999999",
            "1" * 60,
            "²",
            "①",
            "٣",
            "%00",
            "x" * 300,
            "-",
            "..",
            "a.b",
            "é",
        ]
    ),
    st.text(alphabet="abc-_.019²٣é", min_size=1, max_size=20),
)


def quote_segment(value: str) -> str:
    return value if value == "%00" else quote(value, safe="")


# ----------------------------------------------------------------- form bodies

#: Files a form may be sent instead of a real logo or evidence document.
BAD_FILES = [
    ("empty.png", b""),
    ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
    ("logo.png", b"GIF89a" + b"\x00" * 30),
    ("evidence.pdf", b"%PDF-1.4\n%%EOF"),
    ("evidence.pdf", b"%PDF-1.7\n1 0 obj << /JavaScript (app.alert(1)) >> endobj\n%%EOF"),
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("noextension", b"\x00\x01\x02"),
    ("x" * 300 + ".pdf", b"%PDF-1.4\n"),
    ("../../etc/passwd", b"root:x:0:0"),
    ("é²①.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 10),
]

files = st.sampled_from(BAD_FILES).map(
    lambda pair: SimpleUploadedFile(pair[0], pair[1], content_type="application/octet-stream")
)


#: Longer than any field takes, well under the request size limit.
OVERSIZE = "x" * 70_000

#: More fields than Django reads from one request (DATA_UPLOAD_MAX_NUMBER_FIELDS).
FLOOD = [(f"f{n}", "1") for n in range(1_100)]


@dataclass
class Field:
    """One field of a form as a page renders it."""

    kind: str
    #: What a browser would send as the page stands.
    values: list = field(default_factory=list)
    #: The values the page offers (options, radio buttons, checkboxes).
    choices: list = field(default_factory=list)
    multiple: bool = False


def field_values(form_field: Field, ids=()):
    """Values for one form field: malformed ones, its own choices, other users' ids."""
    options = [values, st.just(OVERSIZE)]
    if ids:
        options.append(st.sampled_from([str(i) for i in ids]))
    if form_field.choices:
        options.append(st.sampled_from(form_field.choices))
    if form_field.kind == "file":
        options.append(files)
    return st.one_of(*options)


def bodies(fields: dict[str, Field], ids=()):
    """POST bodies made from a real form's fields.

    The body starts as the page would send it; then a few fields (none, one, or
    many: hypothesis draws how many) are dropped or replaced by malformed values,
    maybe repeated, and unknown fields may join. So the form's own checks and the
    service behind it both get reached, and the management form of a formset, the
    version field of optimistic locking and every hidden id are fuzzed like any
    other field.
    """
    names = sorted(fields)
    extra = st.lists(st.tuples(unknown_names, values), max_size=2)
    if not names:
        return st.builds(lambda more: {name: [value] for name, value in more}, extra)

    def change(name):
        replacement = st.lists(field_values(fields[name], ids), min_size=1, max_size=3)
        return st.tuples(st.just(name), st.one_of(st.none(), replacement))

    def build(changes, more):
        body = {name: list(f.values) for name, f in fields.items() if f.values}
        for name, replacement in changes:
            if replacement is None:
                body.pop(name, None)
            else:
                body[name] = replacement
        for name, value in more:
            body.setdefault(name, [value])
        return body

    changes = st.lists(st.sampled_from(names).flatmap(change), max_size=len(names))
    return st.builds(build, changes, extra)


def body_for_client(body: dict) -> dict:
    """The test client's form: a single value alone, files rewound for each send."""
    sent = {}
    for name, items in body.items():
        for item in items:
            if isinstance(item, SimpleUploadedFile):
                item.seek(0)
        sent[name] = items[0] if len(items) == 1 else list(items)
    return sent


def urlencoded(body: dict, raw: str) -> str:
    """The body as an urlencoded string (a file is sent as its name), `raw` glued on."""
    pairs = [
        (name, item.name if isinstance(item, SimpleUploadedFile) else item)
        for name, items in body.items()
        for item in items
    ]
    encoded = urlencode(pairs)
    return f"{encoded}&{raw}" if encoded and raw else encoded or raw


class _FormParser(HTMLParser):
    """Every <form> of a page: its action, method and fields."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": {},
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.choices.append(value)
            if "selected" in a:
                self._select.values.append(value)
        if not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            found = fields.setdefault(name, Field(kind))
            if kind in ("checkbox", "radio"):
                found.choices.append(a.get("value") or "on")
                if "checked" in a:
                    found.values.append(a.get("value") or "on")
            elif kind not in ("file", "reset", "button"):
                found.values.append(a.get("value", ""))
        elif tag == "select":
            self._select = fields.setdefault(name, Field("select"))
            self._select.multiple = "multiple" in a
        elif tag == "textarea":
            self._textarea = fields.setdefault(name, Field("textarea"))
            self._textarea.values.append("")
        elif tag == "button" and a.get("type", "submit") == "submit":
            fields.setdefault(name, Field("submit")).values.append(a.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.values[-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            # A browser sends a single select's first option when none is selected.
            if not self._select.values and self._select.choices and not self._select.multiple:
                self._select.values.append(self._select.choices[0])
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str, page_path: str) -> list[dict]:
    """The page's POST forms, each with its action as a path and its fields."""
    parser = _FormParser()
    parser.feed(html)
    forms = []
    for form in parser.forms:
        if form["method"] != "post":
            continue
        action = urlsplit(form["action"]).path or page_path
        fields = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
        forms.append({"action": action, "fields": fields})
    return forms


# ----------------------------------------------------------------- counts

#: Every request the fuzz tests sent in this run, by status code.
TALLY = Counter()


class Tally:
    """Counts of one test's answers, added to the run's `TALLY`."""

    def __init__(self, label: str):
        self.label = label
        self.statuses = Counter()

    def add(self, status: int) -> None:
        self.statuses[status] += 1
        TALLY[status] += 1

    def send(self, call):
        """Run `call` (a request); an exception it raises is counted as a 500, then re-raised."""
        try:
            result = call()
        except Exception:
            self.add(500)
            raise
        return result

    def line(self) -> str:
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items()))
        return f"\n  fuzz {self.label}: {self.statuses.total()} requests ({codes})"

    def report(self, capsys) -> None:
        with capsys.disabled():
            print(self.line(), end="")


def tally_summary() -> str | None:
    if not TALLY:
        return None
    codes = ", ".join(f"{code}×{n}" for code, n in sorted(TALLY.items()))
    server_errors = sum(n for code, n in TALLY.items() if code >= 500)
    return f"fuzz: {TALLY.total()} requests sent, {server_errors} server errors ({codes})"
