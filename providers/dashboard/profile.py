"""A listing's own facts, one form each: the profile, the services it offers, its logo.

The services in `providers.services.parts` check membership again, take the
version the page was loaded at and do the writing. On a listing held for
review, a change to a vetted fact (the name, the organisation identifier) is
saved as a proposal, and the page says so.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from providers import uploads
from providers.dashboard import selectors
from providers.forms import LogoForm, ProfileForm, ServiceFormSet, VersionForm
from providers.models import PendingChangeKind, Provider
from providers.services import parts as services

from .shared import EDIT, listing_context, membership_or_404, run_service


@login_required
@EDIT
def profile_edit(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    pending = selectors.pending_change_for_target(provider, PendingChangeKind.PROFILE, None)
    initial = {"version": provider.version}
    if pending is not None:
        initial.update(pending.data)
    # The form gets its own copy: a bound ModelForm writes into its instance.
    form = ProfileForm(
        request.POST or None, instance=Provider.objects.get(pk=provider.pk), initial=initial
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        result = {}

        def call():
            result["held"] = services.provider_update_profile(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                data=data,
            )

        ok, extra = run_service(form, call, provider)
        if ok:
            if result["held"]:
                messages.success(
                    request,
                    _(
                        "Saved. Your change to %(fields)s waits for approval; the published "
                        "listing shows the current values until then. Send it for review from "
                        "the listing page."
                    )
                    % {
                        "fields": ", ".join(
                            str(Provider._meta.get_field(n).verbose_name) for n in result["held"]
                        )
                    },
                )
            else:
                messages.success(request, _("Profile saved."))
            return redirect("dashboard:profile", pk=pk)
        if extra.get("stale"):
            extra["differences"] = _differences(form, provider)
    context = listing_context(membership, form=form, **extra)
    return render(request, "providers/dashboard/profile.html", context)


def _differences(form, provider: Provider) -> list[tuple[str, str, str]]:
    """(field label, value you entered, value saved now) for each field that differs."""
    rows = []
    for name in services.PROFILE_FIELDS:
        mine = form.data.get(form.add_prefix(name), "")
        current = getattr(provider, name)
        current_text = "" if current in (None, "") else str(current)
        if str(mine).strip() != current_text:
            rows.append((form.fields[name].label, mine, current_text))
    return rows


@login_required
@EDIT
def services_edit(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    queryset = provider.services.select_related("service__parent")
    formset = ServiceFormSet(request.POST or None, queryset=queryset, prefix="services")
    version_form = VersionForm(request.POST or None, initial={"version": provider.version})
    extra = {}
    if (
        request.method == "POST"
        and formset.is_valid()
        and version_form.is_valid()
        and _rows_belong(formset)
    ):
        rows = [
            services.ServiceRow(
                service=f.cleaned_data.get("service"),
                voice=f.cleaned_data.get("voice", ""),
                note=f.cleaned_data.get("note", ""),
                instance=f.instance if f.instance.pk else None,
                delete=bool(f.cleaned_data.get("DELETE")),
            )
            for f in formset.forms
            if f.cleaned_data
        ]
        ok, extra = run_service(
            version_form,
            lambda: services.provider_update_services(
                provider=provider,
                user=request.user,
                version=version_form.cleaned_data["version"],
                rows=rows,
            ),
            provider,
        )
        if ok:
            messages.success(request, _("Services saved."))
            return redirect("dashboard:services", pk=pk)
    context = listing_context(
        membership,
        formset=formset,
        version_form=version_form,
        current_items=list(queryset) if extra.get("stale") else None,
        **extra,
    )
    return render(request, "providers/dashboard/services.html", context)


def _rows_belong(formset) -> bool:
    """False when a posted existing row is not one of this listing's rows (a forged id).

    Model formsets quietly treat such a row as new; we refuse the whole save instead.
    """
    for index, form in enumerate(formset.forms):
        if index < formset.initial_form_count() and form.instance.pk is None:
            form.add_error(None, _("This row does not belong to this listing."))
            return False
    return True


@login_required
@EDIT
def logo_edit(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    form = LogoForm(
        request.POST or None, request.FILES or None, initial={"version": provider.version}
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        name = uploads.logo_store(form.cleaned_data["logo"])
        ok, extra = run_service(
            form,
            lambda: services.provider_set_logo(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                logo_name=name,
            ),
            provider,
        )
        if ok:
            messages.success(request, _("Logo saved."))
            return redirect("dashboard:logo", pk=pk)
        uploads.logo_discard(name)
    context = listing_context(
        membership,
        form=form,
        remove_form=VersionForm(initial={"version": provider.version}, auto_id=False),
        thumbnail_url=_thumbnail_url(provider),
        **extra,
    )
    return render(request, "providers/dashboard/logo.html", context)


def _thumbnail_url(provider: Provider) -> str:
    if not provider.logo:
        return ""
    return default_storage.url(uploads.thumbnail_name(provider.logo.name))


@login_required
@require_POST
def logo_remove(request, pk: int):
    membership = membership_or_404(request, pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            services.provider_remove_logo(
                provider=membership.provider,
                user=request.user,
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Logo removed."))
    else:
        messages.error(request, _("The form was incomplete; nothing was changed."))
    return redirect("dashboard:logo", pk=pk)
