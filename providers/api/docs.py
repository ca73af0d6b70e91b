"""/api/v1/docs/: the API's documentation, rendered on the server from its OpenAPI document.

No documentation UI from elsewhere: it would need scripts and styles our strict
Content-Security-Policy refuses, and a plain page reads well without JavaScript,
with a screen reader and at any width. Everything shown comes from the same
document /api/v1/openapi.json serves, so the two cannot disagree.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from providers.disclosure import THRESHOLD

from .views import api

_METHOD_ORDER = ("get", "head")


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass
class Operation:
    id: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter] = field(default_factory=list)
    responses: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Property:
    name: str
    type: str
    required: bool
    description: str


@dataclass
class Model:
    name: str
    description: str
    properties: list[Property]


def _type(schema: dict) -> str:
    """A short, readable type of a JSON Schema: `string`, `list of integer`, `one of: a, b`…"""
    if not schema:
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of: " + ", ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return f"“{schema['const']}”"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            kinds = [_type(part) for part in schema[key] if part.get("type") != "null"]
            nullable = any(part.get("type") == "null" for part in schema[key])
            text = " or ".join(kinds)
            return f"{text} (or null)" if nullable else text
    if "allOf" in schema:
        return " and ".join(_type(part) for part in schema["allOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    bounds = []
    if "minimum" in schema:
        bounds.append(f"≥ {schema['minimum']}")
    if "maximum" in schema:
        bounds.append(f"≤ {schema['maximum']}")
    if "maxLength" in schema:
        bounds.append(f"at most {schema['maxLength']} characters")
    return f"{kind} ({', '.join(bounds)})" if bounds else kind


def _human(text: str) -> str:
    """A text of the OpenAPI document in the page's language where the catalogue has it;
    else the document's English, marked as English (`lang`) for readers and screen readers."""
    if not text:
        return ""
    translated = gettext(text)
    if translated != text or get_language() == settings.LANGUAGE_CODE:
        return translated
    return format_html('<span lang="{}">{}</span>', settings.LANGUAGE_CODE, text)


def _operations(document: dict) -> list[Operation]:
    found = []
    for path, methods in document.get("paths", {}).items():
        for method in _METHOD_ORDER:
            spec = methods.get(method)
            if spec is None or method == "head":
                continue
            operation = Operation(
                id=spec.get("operationId", f"{method}-{path}"),
                method=" / ".join(m.upper() for m in _METHOD_ORDER if m in methods),
                path=path,
                summary=_human(spec.get("summary", "")),
                description=_human(spec.get("description", "")),
            )
            for parameter in spec.get("parameters", []):
                schema = parameter.get("schema", {})
                operation.parameters.append(
                    Parameter(
                        name=parameter["name"],
                        location=parameter.get("in", ""),
                        required=parameter.get("required", False),
                        type=_type(schema),
                        description=_human(
                            parameter.get("description", schema.get("description", ""))
                        ),
                    )
                )
            for status, answer in spec.get("responses", {}).items():
                content = answer.get("content", {}).get("application/json", {})
                operation.responses.append(
                    (
                        status,
                        _human(answer.get("description", "")),
                        _type(content.get("schema", {})),
                    )
                )
            found.append(operation)
    return found


def _models(document: dict) -> list[Model]:
    models = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", ()))
        models.append(
            Model(
                name=name,
                description=_human(schema.get("description", "")),
                properties=[
                    Property(
                        name=key,
                        type=_type(value),
                        required=key in required,
                        description=_human(value.get("description", "")),
                    )
                    for key, value in schema.get("properties", {}).items()
                ],
            )
        )
    return models


@require_safe
def api_docs(request):
    """The human-readable API documentation."""
    document = api.get_openapi_schema()
    return render(
        request,
        "providers/api/docs.html",
        {
            "document": document,
            "operations": _operations(document),
            "models": _models(document),
            "openapi_url": reverse("api-v1:openapi-json"),
            "rate_limit": settings.API_RATE_LIMIT,
            "rate_window": settings.API_RATE_WINDOW_SECONDS,
            "page_size": settings.API_PAGE_SIZE,
            "max_page_size": settings.API_MAX_PAGE_SIZE,
            "threshold": THRESHOLD,
        },
    )
