"""`{% error_summary form … %}`: the box at the top of a form page in error.

GOV.UK's error summary pattern: titled "There is a problem", one entry per
error, each a link to the field it is about (plain `#id` links, so they work
without JavaScript), the box focused on load (`autofocus`, again no JavaScript).
Errors that belong to no field (a service's refusal, an out-of-date page) are
listed too, without a link. The fields keep their own messages.

Takes any number of forms and formsets; empty values are skipped, so a layout
can pass `form version_form formset` whatever the page holds.
"""

from django import template
from django.forms.widgets import ChoiceWidget
from django.utils.translation import gettext as _

register = template.Library()


def _hidden_message() -> str:
    # A hidden field in error: the version the page was loaded at, or a row id.
    return _("The page was out of date or incomplete; please reload it and try again.")


def field_anchor(bound_field) -> str:
    """The id a link to this field should point at: its first input for radios and checkboxes."""
    widget = bound_field.field.widget
    if isinstance(widget, ChoiceWidget) and widget.input_type in ("radio", "checkbox"):
        for subwidget in bound_field.subwidgets:
            return subwidget.id_for_label or bound_field.auto_id
    return bound_field.id_for_label or bound_field.auto_id


def _is_formset(obj) -> bool:
    return hasattr(obj, "management_form") and hasattr(obj, "forms")


def _form_entries(form, row: str = "") -> list[dict]:
    entries = []
    labels = getattr(form, "summary_labels", {})
    for error in form.non_field_errors():
        entries.append({"text": f"{row}: {error}" if row else str(error), "href": ""})
    hidden_in_error = False
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        bound = form[name]
        if bound.is_hidden:
            hidden_in_error = True
            continue
        label = str(labels.get(name) or bound.label or name)
        if row:
            label = f"{row}, {label}"
        # "Email: Enter a valid email address."; a question takes no colon after it.
        joined = f"{label} " if label.endswith(("?", "!", ":")) else f"{label}: "
        for error in errors:
            entries.append({"text": f"{joined}{error}", "href": f"#{field_anchor(bound)}"})
    if hidden_in_error:
        entries.append({"text": _hidden_message(), "href": ""})
    return entries


def summary_entries(*forms) -> list[dict]:
    """One entry per error of the given forms and formsets: {"text", "href"} (href may be "")."""
    entries = []
    for obj in forms:
        if not obj or not hasattr(obj, "errors"):
            continue
        if _is_formset(obj):
            if not obj.is_bound:
                continue
            for error in obj.non_form_errors():
                entries.append({"text": str(error), "href": ""})
            for index, form in enumerate(obj.forms, start=1):
                if form.errors:
                    row = getattr(obj, "row_label", None)
                    name = row(form, index) if row else _("Row %(n)d") % {"n": index}
                    entries.extend(_form_entries(form, str(name)))
        elif obj.is_bound:
            entries.extend(_form_entries(obj))
    seen, unique = set(), []
    for entry in entries:
        key = (entry["text"], entry["href"])
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms):
    # Marked, so that a form element drawn further down (allauth's fields element,
    # which also serves allauth's own pages) does not list the same errors again.
    for obj in forms:
        if obj and hasattr(obj, "errors"):
            obj.error_summary_shown = True
    return {"entries": summary_entries(*forms)}
