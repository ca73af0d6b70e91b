"""One stylesheet serves left-to-right and right-to-left (Arabic) pages.

Every horizontal length, border, alignment and position is written with logical
properties (margin-inline-start, border-inline-end, inset-inline-start, text-align:
start …), which the browser maps to left or right from the page's `dir`. A rule
written with margin-left, `float: right` or an asymmetric four-value margin would
not mirror on an Arabic page; this test fails on it, naming the file and line.

Top and bottom stay physical: they do not change with the writing direction.
A rule that really must be physical (a chevron turned with a transform, say) goes
with a `[dir="rtl"]` rule next to it, and its line ends with `/* rtl-checked */`.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

CSS_DIRS = [Path(settings.BASE_DIR) / "static" / "css"]

#: A property whose own name says left or right: margin-left, padding-right,
#: border-left(-color…), border-top-left-radius, left, right, scroll-margin-left …
PHYSICAL_PROPERTY = re.compile(r"(?:^|[\s;{])((?:[a-z-]+-)?(?:left|right)(?:-[a-z-]+)?)\s*:", re.I)
#: A value that names a side: text-align: left, float: right, clear: left,
#: background-position: right …, justify-items/self: left, gradients "to right".
PHYSICAL_VALUE = re.compile(
    r"(?:^|[\s;{])(text-align|float|clear|justify-(?:self|items|content)|background(?:-position(?:-x)?)?"
    r"|mask-position|object-position|transform-origin|caption-side)\s*:[^;}]*\b(left|right)\b",
    re.I,
)
GRADIENT_SIDE = re.compile(r"gradient\([^)]*\bto\s+(?:left|right)\b", re.I)
#: A move along x that is not zero: translateX(-100%), translate(1rem, 0), translate3d(…).
TRANSLATE_X = re.compile(r"translate(?:X|3d)?\(\s*-?(?!0[a-z%]*\s*[,)])[0-9.]", re.I)
#: Shorthands whose 2nd and 4th values are right and left (top right bottom left).
BOX_SHORTHAND = re.compile(
    r"(?:^|[\s;{])(margin|padding|inset|border-width|border-style|border-color|scroll-margin|scroll-padding)"
    r"\s*:\s*([^;}!]+)",
    re.I,
)
RADIUS_SHORTHAND = re.compile(r"(?:^|[\s;{])border-radius\s*:\s*([^;}!/]+)", re.I)
COMMENT = re.compile(r"/\*.*?\*/", re.S)
VALUE = re.compile(r"[a-z-]+\([^()]*(?:\([^()]*\)[^()]*)*\)|\S+", re.I)


def css_files():
    return sorted(path for folder in CSS_DIRS for path in folder.glob("*.css"))


def without_comments(text):
    """The text with comments blanked out, keeping line numbers (newlines stay)."""
    return COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def radius_is_asymmetric(values):
    """Whether corners given as top-left, top-right, bottom-right, bottom-left differ
    from left to right."""
    if len(values) == 3:
        values = [*values, values[1]]
    if len(values) == 2:
        return values[0] != values[1]
    if len(values) == 4:
        return values[0] != values[1] or values[2] != values[3]
    return False


def problems(text):
    """(line number, what is physical) of every rule that would not mirror in right-to-left."""
    found = []
    raw_lines = text.splitlines()
    for number, line in enumerate(without_comments(text).splitlines(), start=1):
        if "rtl-checked" in raw_lines[number - 1]:
            continue
        for match in PHYSICAL_PROPERTY.finditer(line):
            found.append((number, f"{match.group(1)}: use the logical property (inline-start/end)"))
        for match in PHYSICAL_VALUE.finditer(line):
            found.append((number, f"{match.group(1)}: {match.group(2)}: use start/end"))
        if GRADIENT_SIDE.search(line):
            found.append((number, "gradient to left/right: add a [dir=rtl] rule, mark rtl-checked"))
        for match in BOX_SHORTHAND.finditer(line):
            values = VALUE.findall(match.group(2))
            if len(values) == 4 and values[1] != values[3]:
                found.append(
                    (number, f"{match.group(1)}: {match.group(2).strip()}: right and left differ")
                )
        for match in RADIUS_SHORTHAND.finditer(line):
            if radius_is_asymmetric(VALUE.findall(match.group(1))):
                found.append(
                    (number, f"border-radius: {match.group(1).strip()}: use border-start-end-…")
                )
        if TRANSLATE_X.search(line):
            found.append((number, "translate along x: mirror it under [dir=rtl], mark rtl-checked"))
    return found


def test_there_are_stylesheets_to_check():
    assert len(css_files()) >= 5


@pytest.mark.parametrize("path", css_files(), ids=lambda path: path.name)
def test_stylesheet_uses_logical_properties(path):
    found = problems(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} has rules that do not mirror right to left:\n" + "\n".join(
        f"  line {number}: {what}" for number, what in found
    )


@pytest.mark.parametrize(
    "rule",
    [
        ".a { margin-left: 1rem; }",
        ".a { padding-right: 1rem }",
        ".a {\n  border-left: 4px solid red;\n}",
        ".a { border-right-color: red; }",
        ".a { border-top-left-radius: 2px; }",
        ".a { position: absolute; left: 0; }",
        ".a { right: 1rem; }",
        ".a { text-align: right; }",
        ".a { float: left; }",
        ".a { clear: right; }",
        ".a { background: url(x.svg) no-repeat right 0.5rem center; }",
        ".a { background-position: left top; }",
        ".a { margin: 0 1rem 0 0; }",
        ".a { padding: 0 var(--space-2) 0 var(--space-4); }",
        ".a { border-radius: 0 var(--radius) var(--radius) 0; }",
        ".a { background: linear-gradient(to right, red, blue); }",
        ".a { transform: translateX(-100%); }",
        ".a { transform: translate(1rem, 0); }",
    ],
)
def test_a_physical_rule_is_found(rule):
    assert problems(rule), rule


@pytest.mark.parametrize(
    "rule",
    [
        ".a { margin-inline-start: 1rem; padding-inline-end: 1rem; }",
        ".a { border-inline-start: 4px solid red; inset-inline-end: 0; }",
        ".a { text-align: start; float: inline-end; }",
        ".a { margin: 0 0 var(--space-4); padding: var(--space-2) var(--space-3); }",
        ".a { margin: 1rem 2rem 3rem 2rem; border-radius: var(--radius); }",
        ".a { border-radius: 50%; }",
        "/* Charts are laid out left to right */ .a { direction: ltr; }",
        ".a { transform: translateY(-0.15rem) rotate(45deg); }",
        ".a { transform: translateX(2px); } /* rtl-checked */",
        ".a { transform: translate(0, -50%); }",
        ".a { margin-top: 1rem; border-bottom: 1px solid; }",
        ".a { content: 'left'; }",
    ],
)
def test_a_logical_rule_passes(rule):
    assert not problems(rule), problems(rule)
