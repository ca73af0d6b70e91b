from django import forms
from django.utils.translation import gettext_lazy as _

from impactdir.ids import IdField
from providers.models import PricingModel, Provider

from .inquiries.answers import CAPACITY_MAX, answerable_certifications
from .models import (
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    AlertFrequency,
    CapacityUnit,
    ShortlistRole,
    StandardQuestion,
)

SHORTLIST_SORTS = [
    ("name", _("Name")),
    ("impact", _("Impact-worker share, highest first")),
    ("size", _("Workforce, largest first")),
    ("added", _("Date added")),
]


class ShortlistNameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)


class EntryNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Your note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shared = forms.BooleanField(label=_("Visible to the group"), required=False)


class ShortlistInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Rights"),
        choices=ShortlistRole.choices,
        initial=ShortlistRole.READ,
        widget=forms.RadioSelect,
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rights"), choices=ShortlistRole.choices)


class ShortlistSortForm(forms.Form):
    by = forms.ChoiceField(label=_("Sort by"), choices=SHORTLIST_SORTS)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class ShortlistButtonForm(forms.Form):
    """Add a provider to a shortlist (an existing one, or a new one by name) or remove it."""

    provider = forms.SlugField(max_length=200)
    shortlist = IdField(required=False)
    new_name = forms.CharField(required=False, max_length=NAME_MAX_LENGTH)


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    frequency = forms.ChoiceField(
        label=_("E-mail me new providers"),
        choices=AlertFrequency.choices,
        initial=AlertFrequency.NONE,
        widget=forms.RadioSelect,
    )


class NewSavedSearchForm(SavedSearchForm):
    query = forms.CharField(max_length=QUERY_MAX_LENGTH, required=False, widget=forms.HiddenInput)


class InquiryForm(forms.Form):
    """The inquiry; ISSP staff with several listings also choose which one they write for."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Describe the work: volumes, languages, timing, where it may be done."),
    )
    questions = forms.MultipleChoiceField(
        label=_("Standard impact questions (optional)"),
        choices=StandardQuestion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, sender_listings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sender_listings = list(sender_listings)
        if len(self.sender_listings) > 1:
            self.fields["sender"] = forms.ModelChoiceField(
                label=_("Write for"),
                queryset=Provider.objects.filter(pk__in=[p.pk for p in self.sender_listings]),
                help_text=_("The provider receiving it sees this listing as your organisation."),
                error_messages={
                    "required": _("Choose which of your listings you write for."),
                    "invalid_choice": _("Choose one of your own listings."),
                },
            )
            self.order_fields(["sender"])

    def sender_provider(self):
        """The listing the ISSP writes for (None for a buyer)."""
        if len(self.sender_listings) == 1:
            return self.sender_listings[0]
        return self.cleaned_data.get("sender")


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Write your reply before sending it."),
            "max_length": _(
                "Shorten your reply to at most 5,000 characters (it has %(show_value)d)."
            ),
        },
    )


class ProviderReplyForm(ReplyForm):
    """A provider's reply, with structured answers to the standard questions the buyer asked.

    The message may be left empty when answers are given; the service checks
    the answers again (`buyers.inquiries.answers.answer_clean`).
    """

    def __init__(self, *args, inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].required = False
        self.fields["body"].help_text = _("Optional when you answer the questions below.")
        asked = set(inquiry.questions)
        self.answer_fields = []
        if StandardQuestion.CAPACITY in asked:
            self.fields["capacity_amount"] = forms.IntegerField(
                label=_("Capacity"),
                required=False,
                min_value=1,
                max_value=CAPACITY_MAX,
                help_text=_("A whole number, with its unit."),
                error_messages={
                    "invalid": _("Give the capacity as a whole number, for example 40."),
                    "min_value": _("Give a capacity from 1 to 1,000,000."),
                    "max_value": _("Give a capacity from 1 to 1,000,000."),
                },
            )
            self.fields["capacity_unit"] = forms.ChoiceField(
                label=_("Unit"),
                required=False,
                choices=[("", _("Choose a unit")), *CapacityUnit.choices],
                error_messages={"invalid_choice": _("Choose a unit from the list.")},
            )
        if StandardQuestion.IMPACT_SHARE in asked:
            self.fields["impact_share"] = forms.IntegerField(
                label=_("Impact-worker share of the team on this account (%)"),
                required=False,
                min_value=0,
                max_value=100,
                help_text=_("A whole percentage from 0 to 100."),
                error_messages={
                    "invalid": _("Give the share as a whole percentage, for example 60."),
                    "min_value": _("Give the impact-worker share as a whole percentage, 0 to 100."),
                    "max_value": _("Give the impact-worker share as a whole percentage, 0 to 100."),
                },
            )
        if StandardQuestion.CERTIFICATIONS in asked:
            self.fields["certifications"] = forms.ModelMultipleChoiceField(
                label=_("Certifications covering the centre that would serve them"),
                queryset=answerable_certifications(inquiry.provider),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("From the valid certifications your listing shows."),
                error_messages={"invalid_choice": _("Choose certifications your listing holds.")},
            )
        if StandardQuestion.PRICING in asked:
            self.fields["pricing_model"] = forms.ModelChoiceField(
                label=_("Pricing model"),
                queryset=PricingModel.objects.all(),
                required=False,
                empty_label=_("Choose a pricing model"),
                error_messages={"invalid_choice": _("Choose a pricing model from the list.")},
            )
            self.fields["pricing_note"] = forms.CharField(
                label=_("Pricing details"),
                required=False,
                max_length=500,
                help_text=_("For example a rate range, or what the price depends on."),
                error_messages={"max_length": _("Keep the pricing note under 500 characters.")},
            )
        self.answer_fields = [self[name] for name in self.fields if name != "body"]

    def clean(self):
        cleaned = super().clean()
        if "body" in cleaned and not cleaned["body"].strip() and not self._answered(cleaned):
            # Nothing to send: said on the message box, as for a buyer's reply.
            message = self.fields["body"].error_messages["required"]
            if self.answer_fields:
                message = _("Write your reply, or answer at least one of the questions.")
            self.add_error("body", message)
        return cleaned

    @staticmethod
    def _answered(cleaned) -> bool:
        for name, value in cleaned.items():
            if name == "body" or value in (None, ""):
                continue
            if hasattr(value, "exists") and not value.exists():
                continue
            return True
        return False

    def answers(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "body"}
