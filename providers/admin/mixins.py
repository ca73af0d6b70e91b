"""What the providers' admin pages share: history pages, evidence links, choices, decisions.

Decisions (approve, reject, suspend, …) are admin actions that call a service of
`providers.services.vetting` for each selected object (`DecisionActionsMixin`),
asking for the reason or note on an intermediate page when the decision needs one.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from impactdir.ids import parse_id
from providers import models as m
from providers.evidence import item_evidence_url
from providers.services.access import listings_touch
from providers.services.catalogue import provider_refresh_derived
from providers.services.files import files_release
from providers.services.vetting import change_reason_text

#: Decisions are offered on the list (several at once) and on an object's own
#: page, where the operator has just reviewed it.
BOTH_LOCATIONS = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]
#: The name the action field has in a change form's action form.
CHANGE_FORM_ACTION = f"{admin.ActionLocation.CHANGE_FORM.value}-action"
#: What an empty value is shown as.
EMPTY = "—"


def admin_change_reason(text: str | None = None) -> str:
    """The reason an admin save records in the history: the operator's, or a default."""
    return change_reason_text(text or "") or gettext("Edited by an operator in admin")


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin with our history table, which has no inline style for the CSP."""

    object_history_list_template = "admin/history_list.html"

    def _ids_are_valid(self, object_id, version_id=None) -> bool:
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            if version_id is not None:
                self.model.history.model._meta.pk.to_python(version_id)
        except ValidationError:
            return False
        return True

    # simple-history filters the history by the raw URL values: /²/history/ and
    # /1/history/²/ were 500s. Answer as admin's change page does for an object
    # that does not exist.
    def history_view(self, request, object_id, extra_context=None):
        if not self._ids_are_valid(object_id):
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self._ids_are_valid(object_id, version_id):
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class EvidenceLinkMixin:
    """Evidence is shown as a download link (served by `providers.evidence`), never uploaded
    here: files reach storage only through the checks of `providers.uploads`. Deleting a
    row here deletes its evidence too, once nothing else needs it."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        files_release(evidence=[obj.evidence.name])

    def delete_queryset(self, request, queryset):
        names = list(queryset.values_list("evidence", flat=True))
        super().delete_queryset(request, queryset)
        files_release(evidence=names)

    @admin.display(description=_("evidence"))
    def evidence_link(self, obj):
        if obj is None or not obj.pk or not obj.evidence:
            return EMPTY
        # Naming the file lets a history page open the version it shows.
        url = item_evidence_url(obj, file=obj.evidence.name)
        return format_html('<a href="{}">{}</a>', url, gettext("download"))


class LabelledRowsMixin:
    """Each widget of a tabular inline's rows gets an accessible name.

    Django's tabular inlines show a field's label only as a column header, which
    labels no widget, so a screen reader announces bare inputs and selects (axe:
    `label`, `select-name`). Every visible widget, the delete box included, is
    named "<field>, <row>" (for example "Country, delivery centre 2"). The
    script mends the two pieces of admin markup a widget attribute cannot reach
    (an empty column header, the filter widget's icon).
    """

    class Media:
        js = ["js/admin-accessibility.js"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        noun = self.model._meta.verbose_name

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if index is None:  # the template row "Add another" copies
                    row = gettext("new %(item)s") % {"item": noun}
                else:
                    row = f"{noun} {index + 1}"
                for name, field in form.fields.items():
                    if field.widget.is_hidden:
                        continue
                    label = field.label or name
                    if name == DELETION_FIELD_NAME:
                        label = gettext("Delete")
                    # A related field's wrapper renders its inner widget with that one's attrs.
                    widget = getattr(field.widget, "widget", field.widget)
                    widget.attrs["aria-label"] = f"{capfirst(label)}, {row}"

        return LabelledFormSet


class CachedChoicesMixin:
    """Build each related field's choices once per request, not once per inline row.

    A change page with 20 inline rows would otherwise run the same choices
    query 20 times. Validation still goes through the field's queryset.
    """

    def _cached_choices(self, request, db_field, formfield):
        # The model form applies `limit_choices_to` only after this hook, and
        # only to validation once choices are fixed; apply it to the list too.
        limit = db_field.get_limit_choices_to()
        if limit:
            formfield.queryset = formfield.queryset.complex_filter(limit)
        cache = request.__dict__.setdefault("_admin_choices_cache", {})
        key = (type(self).__name__, db_field.name)
        if key not in cache:
            cache[key] = list(formfield.choices)
        formfield.choices = cache[key]
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is m.Service and "queryset" not in kwargs:
            # A service's label names its category.
            kwargs["queryset"] = m.Service.objects.select_related("parent")
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and db_field.name not in getattr(self, "raw_id_fields", ()):
            formfield = self._cached_choices(request, db_field, formfield)
        return formfield

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None:
            formfield = self._cached_choices(request, db_field, formfield)
        return formfield


class DecisionForm(forms.Form):
    """The text an operator gives with a decision (a reason or what was checked)."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 60}), strip=True)

    def __init__(self, *args, label, help_text, required, required_message="", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.label = label
        field.help_text = help_text
        field.required = required
        if required_message:
            field.error_messages["required"] = required_message


class DecisionActionsMixin:
    """Run a vetting service on each selected object and report each outcome."""

    decision_template = "admin/providers/decision_form.html"

    def response_action(self, request, queryset, **kwargs):
        # Django's admin would fail with a server error on a selection that is
        # not a primary key (a hand-made or damaged POST); refuse it instead.
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            if parse_id(value) is None:
                self.message_user(
                    request,
                    gettext("The selection was not understood, so nothing was changed."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, **kwargs)

    def _apply(self, request, queryset, *, service, kwargs, done, failed):
        """Decide each object on its own: one refusal does not stop the others."""
        for obj in queryset:
            try:
                service(by=request.user, **{self._service_arg: obj}, **kwargs)
            except ValidationError as error:
                self.message_user(
                    request,
                    failed % {"object": obj, "error": " ".join(error.messages)},
                    messages.ERROR,
                )
            else:
                self.message_user(request, done % {"object": obj}, messages.SUCCESS)

    def _decide_with_text(
        self,
        request,
        queryset,
        *,
        service,
        argument,
        title,
        label,
        help_text,
        required,
        done,
        failed,
        required_message="",
    ):
        """Ask for the decision's text on an intermediate page, then apply it.

        The first POST (from the changelist) shows the form; the form posts back
        the same action and selection with `apply`. Without the required text
        the form is shown again with the error and nothing changes.
        """
        form_kwargs = {
            "label": label,
            "help_text": help_text,
            "required": required,
            "required_message": required_message,
        }
        if "apply" in request.POST:
            form = DecisionForm(request.POST, **form_kwargs)
            if form.is_valid():
                self._apply(
                    request,
                    queryset,
                    service=service,
                    kwargs={argument: form.cleaned_data["text"]},
                    done=done,
                    failed=failed,
                )
                return None
        else:
            form = DecisionForm(**form_kwargs)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": opts,
            "form": form,
            "objects": list(queryset),
            # Post back to the same page (list or object) under the field name
            # its action form uses.
            "action_field": CHANGE_FORM_ACTION if CHANGE_FORM_ACTION in request.POST else "action",
            "action_name": request.POST.get(CHANGE_FORM_ACTION) or request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "submit_label": title,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.decision_template, context)


class PartWriteMixin:
    """A part saved or deleted on its own admin page is an edit of its listing.

    It records a reason in the part's history and claims the listing's next
    version, so a member's dashboard form opened before it is refused as stale
    (as after any other edit) instead of overwriting the operator's change.
    """

    @staticmethod
    def _touch_listing(provider_ids):
        listings_touch(provider_ids)

    def save_model(self, request, obj, form, change):
        obj._change_reason = admin_change_reason()
        super().save_model(request, obj, form, change)
        self._touch_listing([obj.provider_id])

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            inline_form.instance._change_reason = admin_change_reason()
        super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        obj._change_reason = admin_change_reason()
        provider_id = obj.provider_id
        super().delete_model(request, obj)
        self._touch_listing([provider_id])

    def delete_queryset(self, request, queryset):
        provider_ids = set(queryset.values_list("provider_id", flat=True))
        # One delete per row, so each history records it and its reason.
        for obj in queryset:
            obj._change_reason = admin_change_reason()
            obj.delete()
        self._touch_listing(provider_ids)


class RefreshDerivedMixin:
    """After a provider's part is saved or deleted here, refresh the provider's derived data."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        provider_refresh_derived(provider=form.instance.provider)

    def delete_model(self, request, obj):
        provider = obj.provider
        super().delete_model(request, obj)
        provider_refresh_derived(provider=provider)

    def delete_queryset(self, request, queryset):
        providers = {obj.provider for obj in queryset.select_related("provider")}
        super().delete_queryset(request, queryset)
        for provider in providers:
            provider_refresh_derived(provider=provider)
