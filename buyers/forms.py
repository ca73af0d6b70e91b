from django import forms
from django.utils.translation import gettext_lazy as _

from impactdir.ids import IdField

from .models import (
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    AlertFrequency,
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
