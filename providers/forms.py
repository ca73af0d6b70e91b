"""Forms of the ISSP dashboard.

Each form offers only the fields an ISSP may set; status, verification, version
counters and foreign ids are never taken from the request except through the
hidden `version` field, which only selects the optimistic-locking check.
Uploaded files are checked here by content (see `providers.uploads`) and stored
by the views only once the service accepted the change.
"""

from django import forms
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from impactdir.ids import IdField, IdModelMultipleChoiceField, parse_id
from providers import uploads
from providers.collation import sort_choices_by_label
from providers.models import (
    REPORT_FIGURE_FIELDS,
    CaseStudy,
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    MembershipRole,
    Provider,
    ProviderService,
    ProviderType,
    Service,
    TargetGroup,
)
from providers.services.parts import (
    PROFILE_FIELDS,
    PROFILE_M2M_FIELDS,
    centre_validate,
    report_validate,
)


class DateInput(forms.DateInput):
    input_type = "date"


class VersionMixin(forms.Form):
    """The listing version the page was loaded at, checked when saving."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VersionForm(VersionMixin):
    """For actions without other fields (deletes, logo removal).

    Pages render one per row beside the page's own form: build it with
    `auto_id=False` so its hidden input has no id to repeat.
    """


class ProviderCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Organisation name"),
        max_length=200,
        help_text=_("The name buyers know you by. You can fill in everything else next."),
    )


class ClaimSearchForm(forms.Form):
    q = forms.CharField(label=_("Organisation name"), max_length=200, required=False)


class ClaimForm(forms.Form):
    message = forms.CharField(
        label=_("How are you connected to this organisation?"),
        help_text=_("Your role, and how we can check it (for example, your work e-mail domain)."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class ProfileForm(VersionMixin, forms.ModelForm):
    class Meta:
        model = Provider
        fields = [*PROFILE_FIELDS, *PROFILE_M2M_FIELDS]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "pricing_models": forms.CheckboxSelectMultiple,
            "delivery_modes": forms.CheckboxSelectMultiple,
            "industries": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
            "markets": forms.CheckboxSelectMultiple,
            "listing_languages": forms.CheckboxSelectMultiple,
            "provider_type": forms.RadioSelect,
            "partnerships_offered": forms.CheckboxSelectMultiple,
            "partnerships_sought": forms.CheckboxSelectMultiple,
        }
        field_classes = dict.fromkeys(PROFILE_M2M_FIELDS, IdModelMultipleChoiceField)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_type"].choices = [("", _("Not stated")), *ProviderType.choices]
        sort_choices_by_label(self, "industries", "languages", "markets")
        self.fields["contact_email"].help_text = _("Where buyers' inquiries go.")
        self.fields["org_registry"].help_text = _("For example, the company registry's name.")

    def validate_unique(self):
        """The slug is not edited here, nothing else is unique."""


def _row_id(value):
    """A posted row id, read by `parse_id` like every other id of the site.

    Django's own reading is `int()`, which takes "٣" (an Arabic-Indic three), " 3 "
    and "03" for row 3.
    """
    parsed = parse_id(value)
    if parsed is None:
        raise forms.ValidationError(IdField.default_error_messages["invalid"], code="invalid")
    return parsed


class RowIdField(forms.ModelChoiceField):
    """The hidden id of a formset row, read by `parse_id` before it is looked up."""

    default_error_messages = {"invalid_choice": _("This row does not belong to this listing.")}

    def to_python(self, value):
        posted = value not in self.empty_values and not isinstance(value, self.queryset.model)
        if posted and parse_id(str(value)) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class SharedChoicesFormSet(BaseModelFormSet):
    """The dashboard's model formsets.

    Row ids are read by `parse_id`: a posted row id that is not an id selects no row
    and the row says it does not belong to the listing. Each choice list is read
    once for all rows instead of once per row (no N+1).
    """

    shared_choice_fields: tuple[str, ...] = ()

    def _get_to_python(self, field):
        # How the formset reads a posted row id to find the row it edits.
        if field == self.model._meta.pk:
            return _row_id
        return super()._get_to_python(field)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self.model._meta.pk.name
        plain = form.fields[name]
        form.fields[name] = RowIdField(
            plain.queryset, initial=plain.initial, required=plain.required, widget=plain.widget
        )

    def _share_choices(self, form):
        shared = self.__dict__.setdefault("_shared_choices", {})
        for name in self.shared_choice_fields:
            field = form.fields[name]
            if name not in shared:
                shared[name] = list(field.choices)
            field.choices = shared[name]
        return form

    def _construct_form(self, i, **kwargs):
        return self._share_choices(super()._construct_form(i, **kwargs))

    @property
    def empty_form(self):
        """The row "Add another" copies: the same choice lists, read no second time."""
        return self._share_choices(super().empty_form)


class ServiceOfferedFormSetBase(SharedChoicesFormSet):
    shared_choice_fields = ("service",)

    def row_label(self, form, number: int) -> str:
        """How the error summary names a row: its service, or its number like its legend."""
        service = getattr(form.instance, "service", None)  # None once a row's choice is cleared
        if form.instance.pk and service is not None:
            return service.translated_name
        return _("Service row %(n)d") % {"n": number}


class ServiceOfferedForm(forms.ModelForm):
    class Meta:
        model = ProviderService
        fields = ["service", "voice", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.leaves().select_related("parent")
        self.fields["service"].required = False


ServiceFormSet = modelformset_factory(
    ProviderService,
    form=ServiceOfferedForm,
    formset=ServiceOfferedFormSetBase,
    extra=3,
    can_delete=True,
    max_num=60,
    absolute_max=60,
    validate_max=True,
)


class CentreForm(VersionMixin, forms.ModelForm):
    class Meta:
        model = DeliveryCentre
        fields = ["country", "city", "seats", "headcount", "impact_workers", "languages"]
        widgets = {"languages": forms.CheckboxSelectMultiple}
        field_classes = {"languages": IdModelMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sort_choices_by_label(self, "languages")

    def clean(self):
        data = super().clean()
        try:
            centre_validate(
                headcount=data.get("headcount"), impact_workers=data.get("impact_workers")
            )
        except forms.ValidationError as exc:
            for name, errors in exc.error_dict.items():
                for error in errors:
                    self.add_error(name, error)
        return data


def _clean_evidence(upload):
    if not upload:
        return None
    return uploads.evidence_clean(upload)


class CertificationForm(VersionMixin, forms.ModelForm):
    evidence_file = forms.FileField(
        label=_("Evidence (certificate)"),
        required=False,
        help_text=_("A PDF or a PNG, JPEG or WebP image, at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/png,image/jpeg,image/webp"}
        ),
    )

    class Meta:
        model = CertificationHolding
        fields = ["certification", "scope", "certificate_number", "issued_on", "expires_on"]
        widgets = {"issued_on": DateInput, "expires_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sort_choices_by_label(self, "certification")

    def clean_evidence_file(self):
        return _clean_evidence(self.cleaned_data.get("evidence_file"))

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires <= issued:
            self.add_error("expires_on", _("The expiry date must come after the issue date."))
        return data

    def validate_unique(self):
        """Checked by the service, which knows the provider."""


class ImpactReportForm(VersionMixin, forms.ModelForm):
    evidence_file = forms.FileField(
        label=_("Supporting document"),
        required=False,
        help_text=_(
            "Needed when the figures are backed by a document: a PDF or an image, at most 5 MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/png,image/jpeg,image/webp"}
        ),
    )

    class Meta:
        model = ImpactReport
        fields = [
            "period_start",
            "period_end",
            "impact_worker_definition",
            *REPORT_FIGURE_FIELDS,
            "provenance",
            "verifier",
            "verified_on",
        ]
        widgets = {
            "period_start": DateInput,
            "period_end": DateInput,
            "verified_on": DateInput,
            "impact_worker_definition": forms.Textarea(attrs={"rows": 3}),
            "provenance": forms.RadioSelect,
        }
        # On the provider's own form these are simply its answers (the models call
        # them the provider's claim, apart from the directory's verification).
        labels = {
            "verifier": _("Verified by (third party)"),
            "verified_on": _("Verified on"),
        }
        help_texts = {
            "provenance": _("Where these figures come from. Buyers see it beside them."),
            "verifier": _(
                "Needed when the figures are third-party verified: the organisation that "
                "checked them."
            ),
            "verified_on": _("When the figures are third-party verified: the date of the check."),
        }

    #: Units shown after the short number inputs (each label names its unit too).
    UNITS = {
        "min_wage_multiple": "×",
        "training_hours_per_employee": _("hours"),
        "average_tenure_months": _("months"),
        "voluntary_turnover_pct": "%",
        "placement_rate_pct": "%",
    }

    def __init__(self, *args, report=None, pending_groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        for name in REPORT_FIGURE_FIELDS:
            field = self.fields[name]
            field.widget.attrs["class"] = "input--short"
            field.template_name = "forms/field_with_unit.html"
            field.unit = self.UNITS.get(name, "")
        self.target_groups = list(TargetGroup.objects.all())
        current = {}
        if pending_groups is not None:
            current = {int(k): v for k, v in pending_groups.items()}
        elif report is not None:
            current = {g.target_group_id: g.workers for g in report.groups.all()}
        for group in self.target_groups:
            self.fields[f"group_{group.pk}"] = forms.BooleanField(
                label=group.name, required=False, initial=group.pk in current
            )
            self.fields[f"group_{group.pk}_workers"] = forms.IntegerField(
                label=_("Impact workers from “%(group)s” (optional)") % {"group": group.name},
                required=False,
                min_value=0,
                initial=current.get(group.pk),
                widget=forms.NumberInput(attrs={"class": "input--short"}),
            )

    def group_rows(self):
        """(checkbox, count field) per target group, for the template."""
        return [(self[f"group_{g.pk}"], self[f"group_{g.pk}_workers"]) for g in self.target_groups]

    def chosen_groups(self) -> dict[int, int | None]:
        chosen = {}
        for group in self.target_groups:
            workers = self.cleaned_data.get(f"group_{group.pk}_workers")
            if self.cleaned_data.get(f"group_{group.pk}") or workers is not None:
                chosen[group.pk] = workers
        return chosen

    def clean_evidence_file(self):
        return _clean_evidence(self.cleaned_data.get("evidence_file"))

    def clean(self):
        data = super().clean()
        try:
            report_validate(data, self.chosen_groups())
        except forms.ValidationError as exc:
            for name, errors in exc.error_dict.items():
                target = None if name == "groups" else name
                for error in errors:
                    if target and target not in self.fields:
                        target = None
                    if target is None or target not in self.errors:
                        self.add_error(target, error)
        has_evidence = data.get("evidence_file") or (self.report and self.report.evidence)
        if data.get("provenance") == "documented" and not has_evidence:
            self.add_error("evidence_file", _("Attach the document that backs these figures."))
        return data

    def validate_unique(self):
        """Checked by the service, which knows the provider."""


class CaseStudyForm(VersionMixin, forms.ModelForm):
    class Meta:
        model = CaseStudy
        fields = [
            "title",
            "client_industry",
            "service",
            "challenge",
            "approach",
            "results",
            "year",
            "client_quote",
            "quote_attribution",
        ]
        widgets = {
            "challenge": forms.Textarea(attrs={"rows": 3}),
            "approach": forms.Textarea(attrs={"rows": 3}),
            "results": forms.Textarea(attrs={"rows": 3}),
            "client_quote": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.leaves().select_related("parent")
        sort_choices_by_label(self, "client_industry")

    def clean(self):
        data = super().clean()
        if data.get("client_quote") and not data.get("quote_attribution"):
            self.add_error("quote_attribution", _("Say who said this quote."))
        return data


class LogoForm(VersionMixin):
    logo = forms.FileField(
        label=_("Logo"),
        help_text=_("A PNG, JPEG or WebP image, at most 2 MB and 25 megapixels."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def clean_logo(self):
        return uploads.logo_clean(self.cleaned_data["logo"])


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole, initial=MembershipRole.EDITOR)
