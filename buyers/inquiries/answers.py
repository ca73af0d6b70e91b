"""Structured answers to an inquiry's standard questions, and comparing them across providers.

A provider's reply may carry answers to the standard questions the buyer
asked (`InquiryAnswer`): capacity as a number and a unit, the impact-worker
share of the account's team as a whole percentage, certifications chosen
from the listing's own valid ones, a pricing model from the taxonomy and a
note. When one inquiry went to several providers (`InquiryBatch`), its buyer
sees the latest answers of each side by side.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from providers.models import Certification, Provider

from ..models import (
    CapacityUnit,
    Inquiry,
    InquiryAnswer,
    InquiryBatch,
    InquiryMessage,
    StandardQuestion,
)
from ..selectors import with_names_then

ANSWER_FIELDS = {
    StandardQuestion.CAPACITY: ("capacity_amount", "capacity_unit"),
    StandardQuestion.IMPACT_SHARE: ("impact_share",),
    StandardQuestion.CERTIFICATIONS: ("certifications",),
    StandardQuestion.PRICING: ("pricing_model", "pricing_note"),
}
CAPACITY_MAX = 1_000_000


def answerable_certifications(provider: Provider) -> QuerySet[Certification]:
    """The certifications a provider may name in an answer: those its listing holds, valid today."""
    return Certification.objects.filter(
        pk__in=provider.certifications.valid().values("certification_id")
    ).order_by("name")


def _given(value) -> bool:
    if value is None or value == "":
        return False
    # A form gives an empty queryset for no certifications chosen.
    return not (hasattr(value, "__len__") and not isinstance(value, str) and len(value) == 0)


def _has_any(answers: dict) -> bool:
    return any(_given(value) for value in answers.values())


def answer_clean(*, inquiry: Inquiry, answers: dict) -> dict:
    """The answers to the questions the inquiry asks, checked; {} when none is given.

    Raises ValidationError (by field) for a capacity without a number or unit,
    a share outside 0–100, or a certification the listing does not hold.
    """
    asked = {name for code in inquiry.questions for name in ANSWER_FIELDS.get(code, ())}
    answers = {name: value for name, value in (answers or {}).items() if name in asked}
    if not _has_any(answers):
        return {}
    errors = {}
    amount, unit = answers.get("capacity_amount"), answers.get("capacity_unit") or ""
    if (amount is None) != (not unit):
        errors["capacity_amount"] = _("Give the capacity as a number and choose its unit.")
    elif amount is not None and not (1 <= amount <= CAPACITY_MAX):
        errors["capacity_amount"] = _("Give a capacity from 1 to 1,000,000.")
    elif unit and unit not in CapacityUnit.values:
        errors["capacity_unit"] = _("Choose a unit from the list.")
    share = answers.get("impact_share")
    if share is not None and not (0 <= share <= 100):
        errors["impact_share"] = _("Give the impact-worker share as a whole percentage, 0 to 100.")
    certifications = list(answers.get("certifications") or [])
    if certifications:
        held = set(answerable_certifications(inquiry.provider).values_list("pk", flat=True))
        if any(c.pk not in held for c in certifications):
            errors["certifications"] = _("Choose certifications your listing holds.")
    note = (answers.get("pricing_note") or "").strip()
    if len(note) > 500:
        errors["pricing_note"] = _("Keep the pricing note under 500 characters.")
    if errors:
        raise ValidationError(errors)
    return {**answers, "certifications": certifications, "pricing_note": note}


def answer_record(*, message: InquiryMessage, answers: dict) -> InquiryAnswer | None:
    """Store checked answers (from `answer_clean`) with the reply that carries them."""
    if not answers:
        return None
    certifications = answers.pop("certifications", [])
    answer = InquiryAnswer.objects.create(
        message=message,
        inquiry=message.inquiry,
        capacity_amount=answers.get("capacity_amount"),
        capacity_unit=answers.get("capacity_unit") or "",
        impact_share=answers.get("impact_share"),
        pricing_model=answers.get("pricing_model"),
        pricing_note=answers.get("pricing_note", ""),
    )
    if certifications:
        answer.certifications.set(certifications)
    return answer


def answer_prefetch() -> Prefetch:
    """Messages with their author and answer (its pricing model and certifications)."""
    return Prefetch(
        "messages",
        queryset=InquiryMessage.objects.select_related(
            "author", "answer", "answer__pricing_model"
        ).prefetch_related("answer__certifications"),
    )


# --------------------------------------------------------------------------
# Side by side
# --------------------------------------------------------------------------


@dataclass
class ProviderAnswers:
    inquiry: Inquiry
    answer: InquiryAnswer | None


@dataclass
class AnswerComparison:
    batch: InquiryBatch
    columns: list[ProviderAnswers] = field(default_factory=list)
    questions: list[tuple[str, str]] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for column in self.columns if column.answer is not None)


def batch_comparison(*, user, pk: int) -> AnswerComparison:
    """The buyer's inquiry sent to several providers with each one's latest answers (3 queries).

    Only the buyer who sent it finds it; anyone else gets a 404.
    """
    batch = get_object_or_404(InquiryBatch.objects.filter(buyer=user), pk=pk)
    inquiries = list(
        with_names_then(batch.inquiries.select_related("provider"))
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=InquiryAnswer.objects.select_related("pricing_model")
                .prefetch_related("certifications")
                .order_by("-created_at", "-id"),
            )
        )
        .order_by("id")
    )
    labels = dict(StandardQuestion.choices)
    return AnswerComparison(
        batch=batch,
        columns=[ProviderAnswers(i, next(iter(i.answers.all()), None)) for i in inquiries],
        questions=[(code, labels[code]) for code in batch.questions if code in labels],
    )
