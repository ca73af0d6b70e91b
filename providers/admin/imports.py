"""Operators' bulk import of providers (a coalition's member list) from CSV or XLSX.

django-import-export runs the two steps: the upload is read and imported inside a
transaction that is always rolled back (the preview, with every row's errors), and
only a file without a single error gets a confirm button; the confirm step imports
the same file again for real, and rolls everything back if any row fails then.

- A row is identified by its name (case-insensitive) and headquarters country: a
  row matching no listing creates a new unclaimed draft; a row matching an
  unclaimed draft updates it, or leaves it alone when nothing changed, so
  importing the same file twice changes nothing the second time; a row matching a
  listing that is claimed or past the draft stage leaves that listing alone
  (shown as such in the preview, not an error).
- Listings are written by `providers.services.onboarding.provider_import_save`,
  one by one so each gets its history row with the file's name as the reason;
  derived search data is refreshed once at the end.
- Files are refused whole, before any row is read, when they are too big, not
  what their name says, not UTF-8 (CSV), hold macros or formulas (XLSX), or lack
  the required columns; a cell that starts like a spreadsheet formula is a row
  error.
"""

import io
import zipfile

import tablib
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_countries import countries
from import_export import resources
from import_export.admin import ImportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import ImportForm
from import_export.results import RowResult
from import_export.widgets import Widget

from impactdir import l10n
from providers import models as m
from providers.services.catalogue import providers_refresh_derived
from providers.services.onboarding import provider_import_save, provider_is_importable

from .import_previews import PreviewStorage

#: Upload cap; a member list of a few hundred providers is a few hundred kilobytes.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Rows per file. A row costs about 30 queries to preview and 45 to import (history
#: included), and both steps must finish well inside the 30 s worker timeout.
MAX_ROWS = 250
#: What an XLSX may unpack to (a zip bomb unpacks to far more).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
#: Separator of several values in one cell (names may contain commas).
LIST_SEPARATOR = ";"


class ImportFileRefused(ValueError):
    """The file as a whole cannot be imported; the message says why, for the operator."""


# --------------------------------------------------------------------------
# Cell values


def _refuse_formula(value: str) -> str:
    """Refuse text a spreadsheet would run as a formula when the data is opened again.

    `=`, `@`, tab and carriage return always start one; `+` and `-` only when what
    follows is more than a number (phone numbers such as +254 700 000 000 are fine).
    """
    if not value:
        return value
    first, rest = value[0], value[1:]
    numeric = all(ch.isdigit() or ch in " .()/-" for ch in rest)
    if first in "=@\t\r" or (first in "+-" and not numeric):
        raise ValueError(
            gettext(
                "“%(value)s” starts with “%(first)s”, which a spreadsheet would run as a "
                "formula. Remove that first character."
            )
            % {
                "value": value[:40],
                "first": first.strip() or first.encode("unicode_escape").decode(),
            }
        )
    return value


def _text(value) -> str:
    """A cell as text: XLSX cells can hold numbers (2012.0 means 2012)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TextWidget(Widget):
    """Text with surrounding space removed; a formula-like start is an error."""

    def clean(self, value, row=None, **kwargs):
        return _refuse_formula(_text(value))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class WebsiteWidget(TextWidget):
    """A website; `www.example.org` means `https://www.example.org`."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        if value and "://" not in value:
            value = f"https://{value}"
        return value


class WholeNumberWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(
                gettext("Give a whole number, not “%(value)s”.") % {"value": text[:40]}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CountryWidget(Widget):
    """A country by its two-letter ISO code (KE) or its English name (Kenya)."""

    def clean(self, value, row=None, **kwargs):
        text = _refuse_formula(_text(value))
        if not text:
            return ""
        if text.upper() in dict(countries):
            return text.upper()
        code = countries.by_name(text)
        if code:
            return code
        raise ValueError(
            gettext(
                "Unknown country “%(value)s”: give its two-letter ISO code (such as KE) "
                "or its English name (such as Kenya)."
            )
            % {"value": text[:60]}
        )

    def render(self, value, obj=None, **kwargs):
        return str(value or "")


class LegalFormWidget(Widget):
    """A legal form by its value (non-profit) or its label (Non-profit organisation)."""

    def clean(self, value, row=None, **kwargs):
        text = _refuse_formula(_text(value))
        if not text:
            return ""
        for choice in m.LegalForm:
            if text.casefold() in (choice.value, str(choice.label).casefold()):
                return choice.value
        raise ValueError(
            gettext("Unknown legal form “%(value)s”: use one of %(choices)s.")
            % {"value": text[:60], "choices": ", ".join(m.LegalForm.values)}
        )

    def render(self, value, obj=None, **kwargs):
        return str(value or "")


class TaxonomyWidget(Widget):
    """Several taxonomy entries in one cell, separated by `;`, each by slug (or code) or name.

    An unknown entry is an error naming it and where the known ones are listed.
    """

    def __init__(self, queryset, *, key="slug", noun, list_url_name):
        self.queryset = queryset
        self.key = key
        self.noun = noun
        self.list_url_name = list_url_name
        self.reset()

    def reset(self):
        self._by_key = None

    def _lookup(self):
        if self._by_key is None:
            by_key, by_name = {}, {}
            for obj in self.queryset():
                by_key[getattr(obj, self.key).casefold()] = obj
                by_name.setdefault(obj.name.casefold(), []).append(obj)
            self._by_key, self._by_name = by_key, by_name
        return self._by_key, self._by_name

    def find(self, token):
        by_key, by_name = self._lookup()
        folded = token.casefold()
        if folded in by_key:
            return by_key[folded]
        named = by_name.get(folded, [])
        if len(named) == 1:
            return named[0]
        if named:
            raise ValueError(
                gettext("More than one %(noun)s is called “%(value)s”: use its %(key)s.")
                % {"noun": self.noun, "value": token, "key": self.key}
            )
        raise ValueError(
            gettext(
                "Unknown %(noun)s “%(value)s”: use a %(key)s or name from the admin's list "
                "of %(list)s."
            )
            % {"noun": self.noun, "value": token[:60], "key": self.key, "list": self.list_url_name}
        )

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        found, errors = [], []
        for token in (part.strip() for part in text.split(LIST_SEPARATOR)):
            if not token:
                continue
            try:
                obj = self.find(_refuse_formula(token))
            except ValueError as error:
                errors.append(str(error))
                continue
            if obj not in found:
                found.append(obj)
        if errors:
            raise ValueError(" ".join(errors))
        return found

    def render(self, value, obj=None, **kwargs):
        return f"{LIST_SEPARATOR} ".join(getattr(item, self.key) for item in value or [])


class ServicesWidget(TaxonomyWidget):
    """Services offered; a category is refused (its services are what a listing offers)."""

    def find(self, token):
        service = super().find(token)
        if service.parent_id is None:
            raise ValueError(
                gettext(
                    "“%(value)s” is a category, not a service: name the services of it "
                    "this provider offers."
                )
                % {"value": token}
            )
        return service


class ListField(Field):
    """A column holding several taxonomy entries (many-to-many, or the services offered).

    The cleaned entries wait on the instance until the listing is saved; the
    resource writes them afterwards (`ProviderImportResource.save_m2m`).
    """

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance.__dict__.setdefault("_import_lists", {})[self.attribute] = self.clean(row)

    def get_value(self, instance):
        pending = instance.__dict__.get("_import_lists", {})
        if self.attribute in pending:
            return pending[self.attribute]
        if instance.pk is None:
            return []
        if self.attribute == "services":
            return [
                offering.service
                for offering in m.ProviderService.objects.filter(provider=instance).select_related(
                    "service"
                )
            ]
        return list(getattr(instance, self.attribute).all())


# --------------------------------------------------------------------------
# The columns


def _column(attribute, widget, column=None):
    return Field(attribute=attribute, column_name=column or attribute, widget=widget)


def _list(attribute, queryset, *, key="slug", noun, list_name, widget_class=TaxonomyWidget):
    widget = widget_class(queryset, key=key, noun=noun, list_url_name=list_name)
    return ListField(attribute=attribute, column_name=attribute, widget=widget)


#: (column, required, what it holds): the reference shown on the import page and the README.
COLUMNS = [
    ("name", True, _("Organisation name.")),
    ("country", True, _("Headquarters country: ISO code (KE) or English name (Kenya).")),
    ("website", False, _("Web address; “https://” is added when missing.")),
    ("tagline", False, _("Short description, up to 200 characters.")),
    ("description", False, _("Longer description.")),
    ("contact_name", False, _("Contact person.")),
    ("contact_email", False, _("Contact e-mail address.")),
    ("contact_phone", False, _("Contact phone number.")),
    ("founded_year", False, _("Year founded, such as 2012.")),
    ("legal_form", False, _("for-profit, non-profit, social-enterprise or cooperative.")),
    ("org_registry", False, _("Registry the organisation is registered in.")),
    ("org_number", False, _("Registration number in that registry.")),
    ("workforce", False, _("Total number of people working there.")),
    ("services", False, _("Services offered, by slug or name, separated by “;”.")),
    ("industries", False, _("Industries served, by slug or name, separated by “;”.")),
    ("languages", False, _("Languages of service, by ISO 639-1 code (sw) or name.")),
    ("delivery_modes", False, _("onsite, remote or hybrid, separated by “;”.")),
    ("pricing_models", False, _("Pricing models, by slug or name, separated by “;”.")),
    ("markets", False, _("Buyer markets served: regions by slug or name.")),
]
COLUMN_NAMES = [name for name, _required, _help in COLUMNS]
REQUIRED_COLUMNS = [name for name, required, _help in COLUMNS if required]


def _header(value) -> str:
    """`Contact e-mail` and `contact_email` are the same column; so are `HQ country`…"""
    text = "_".join(_text(value).casefold().replace("-", " ").split())
    return {"contact_e_mail": "contact_email", "hq_country": "country"}.get(text, text)


class ProviderImportResource(resources.ModelResource):
    """One row per provider; see the module docstring for how rows find their listing."""

    name = _column("name", TextWidget())
    country = _column("hq_country", CountryWidget(), column="country")
    website = _column("website", WebsiteWidget())
    tagline = _column("tagline", TextWidget())
    description = _column("description", TextWidget())
    contact_name = _column("contact_name", TextWidget())
    contact_email = _column("contact_email", TextWidget())
    contact_phone = _column("contact_phone", TextWidget())
    founded_year = _column("founded_year", WholeNumberWidget())
    legal_form = _column("legal_form", LegalFormWidget())
    org_registry = _column("org_registry", TextWidget())
    org_number = _column("org_number", TextWidget())
    workforce = _column("workforce", WholeNumberWidget())
    services = _list(
        "services",
        lambda: m.Service.objects.select_related("parent"),
        noun=_("service"),
        list_name=_("services"),
        widget_class=ServicesWidget,
    )
    industries = _list(
        "industries", m.Industry.objects.all, noun=_("industry"), list_name=_("industries")
    )
    languages = _list(
        "languages",
        m.Language.objects.all,
        key="code",
        noun=_("language"),
        list_name=_("languages"),
    )
    delivery_modes = _list(
        "delivery_modes",
        m.DeliveryMode.objects.all,
        noun=_("delivery mode"),
        list_name=_("delivery modes"),
    )
    pricing_models = _list(
        "pricing_models",
        m.PricingModel.objects.all,
        noun=_("pricing model"),
        list_name=_("pricing models"),
    )
    markets = _list("markets", m.Region.objects.all, noun=_("region"), list_name=_("regions"))

    class Meta:
        model = m.Provider
        fields = COLUMN_NAMES
        import_order = COLUMN_NAMES
        import_id_fields = ["name", "country"]
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        # The library's HTML diff has inline styles, which the CSP refuses; the
        # preview lists the changed columns instead.
        skip_html_diff = True
        store_instance = True

    def get_diff_class(self):
        return _NoDiff

    @classmethod
    def get_display_name(cls):
        return gettext("Providers")

    # -- the file as a whole ------------------------------------------------

    def before_import(self, dataset, **kwargs):
        for field in self.fields.values():
            if isinstance(field.widget, TaxonomyWidget):
                field.widget.reset()
        self._seen = {}
        self._reason = gettext("Imported from “%(file)s”.") % {
            "file": kwargs.get("file_name") or gettext("a file")
        }
        headers = [_header(h) for h in dataset.headers or []]
        problems = []
        unknown = [h for h in headers if h and h not in COLUMN_NAMES]
        if unknown:
            hint = ""
            if any(";" in h or "\t" in h for h in unknown):
                hint = " " + gettext(
                    "The file seems to use “;” or tabs between columns: "
                    "save it as comma-separated CSV."
                )
            problems.append(
                gettext("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)} + hint
            )
        missing = [c for c in REQUIRED_COLUMNS if c not in headers]
        if missing:
            problems.append(
                gettext("Required columns missing: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        repeated = sorted({h for h in headers if h and headers.count(h) > 1})
        if repeated:
            problems.append(
                gettext("Columns given twice: %(columns)s.") % {"columns": ", ".join(repeated)}
            )
        if len(dataset) > MAX_ROWS:
            problems.append(
                gettext(
                    "The file has more than %(max)s rows; import at most %(max)s at a "
                    "time (split it into several files)."
                )
                % {"max": MAX_ROWS}
            )
        if problems:
            # No row is worth reading when the columns are wrong.
            dataset.wipe()
            raise ImportFileRefused(" ".join(problems))
        dataset.headers = headers

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self._is_dry_run(kwargs) or result.has_errors() or result.has_validation_errors():
            return
        written = [
            row.object_id
            for row in result.rows
            if row.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE)
        ]
        if written:
            providers_refresh_derived(provider_ids=written)

    # -- one row --------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        try:
            country = self.fields["country"].clean(row)
        except (ValueError, KeyError):
            country = _text(row.get("country")).casefold()
        # KE and Kenya are the same country; the row's own errors come later.
        key = (_text(row.get("name")).casefold(), country)
        number = kwargs.get("row_number")
        if key[0] and key in self._seen:
            raise ValidationError(
                gettext("Same name and country as line %(line)s: give each provider once.")
                % {"line": self._seen[key] + 1}
            )
        self._seen.setdefault(key, number)

    def get_instance(self, instance_loader, row):
        try:
            name = self.fields["name"].clean(row)
            country = self.fields["country"].clean(row)
        except (ValueError, KeyError):
            return None  # the row's own errors are reported when its fields are read
        if not name or not country:
            return None
        matches = list(m.Provider.objects.filter(name__iexact=name, hq_country=country)[:2])
        if len(matches) > 1:
            raise ValidationError(
                gettext(
                    "More than one listing is called “%(name)s” in %(country)s: edit them "
                    "in the admin instead."
                )
                % {"name": name, "country": country}
            )
        return matches[0] if matches else None

    def import_instance(self, instance, row, **kwargs):
        if not any(_text(value) for value in row.values()):
            instance._import_note = gettext("Empty line: skipped.")
            return
        if not provider_is_importable(instance):
            instance._import_note = gettext(
                "Already listed, and claimed by its team or past the draft stage: left as it is."
            )
            return
        super().import_instance(instance, row, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if not instance.name:
            errors.setdefault("name", ValidationError(gettext("Give the provider's name.")))
        if not instance.hq_country:
            errors.setdefault(
                "hq_country", ValidationError(gettext("Give the headquarters country."))
            )
        try:
            # The slug is given, and constraints checked, when the listing is saved
            # (provider_import_save).
            instance.full_clean(
                exclude=[*errors, "slug", "status"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            columns = {field.attribute: field.column_name for field in self.fields.values()}
            raise ValidationError({columns.get(key, key): value for key, value in errors.items()})

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        if getattr(instance, "_import_note", ""):
            return True
        if original is None or original.pk is None:
            return False
        changed = [
            field.column_name
            for field in self.get_import_fields()
            if field.column_name in row and self._differs(field, instance, original)
        ]
        instance._import_changed = changed
        if not changed:
            instance._import_note = gettext("Unchanged.")
        return not changed

    @staticmethod
    def _differs(field, instance, original):
        if isinstance(field, ListField):
            return sorted(o.pk for o in field.get_value(instance)) != sorted(
                o.pk for o in field.get_value(original)
            )
        before, after = field.get_value(original), field.get_value(instance)
        return (str(before) if before is not None else "") != (
            str(after) if after is not None else ""
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        lists = dict(instance.__dict__.get("_import_lists", {}))
        provider_import_save(
            provider=instance,
            services=lists.pop("services", None),
            related=lists,
            reason=self._reason,
            preview=self._is_dry_run(kwargs),
        )

    def save_m2m(self, instance, row, **kwargs):
        pass  # provider_import_save sets them, before the history row is written

    def after_import_row(self, row, row_result, **kwargs):
        instance = row_result.instance
        row_result.number = kwargs.get("row_number")
        row_result.note = getattr(instance, "_import_note", "")
        row_result.changed = getattr(instance, "_import_changed", [])
        row_result.name = _text(row.get("name"))
        row_result.country = _text(row.get("country"))


class _NoDiff:
    """The library's per-row diff exports every column twice; the preview shows the
    changed columns that `skip_row` found instead."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


# --------------------------------------------------------------------------
# Formats


class CSVImport(base_formats.CSV):
    """Comma-separated UTF-8 text (Excel: “CSV UTF-8”)."""


class XLSXImport(base_formats.XLSX):
    """The first sheet of an Excel workbook, refused when it holds macros or formulas."""

    def create_dataset(self, in_stream):

        try:
            archive = zipfile.ZipFile(io.BytesIO(in_stream))
        except zipfile.BadZipFile:
            raise ImportFileRefused(
                gettext("This is not an Excel workbook (.xlsx): save it again as one.")
            ) from None
        with archive:
            names = [info.filename.casefold() for info in archive.infolist()]
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ImportFileRefused(gettext("This workbook unpacks to too much data."))
            if any(name.endswith("vbaproject.bin") for name in names):
                raise ImportFileRefused(
                    gettext("This workbook holds macros: save it as a plain .xlsx workbook.")
                )
        import openpyxl  # reading a workbook only: ~14 MB no web worker needs before that

        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=False)
        except Exception:
            raise ImportFileRefused(
                gettext("This Excel workbook could not be read: save it again as .xlsx.")
            ) from None
        try:
            rows = []
            for line in book.worksheets[0].iter_rows():
                values = []
                for cell in line:
                    if cell.data_type == "f":
                        raise ImportFileRefused(
                            gettext(
                                "Cell %(cell)s holds a formula: replace the formulas by their "
                                "values (copy, then paste values only)."
                            )
                            % {"cell": cell.coordinate}
                        )
                    values.append(cell.value)
                rows.append(values)
                if len(rows) > MAX_ROWS + 1:
                    break
        finally:
            book.close()
        while rows and not any(v not in (None, "") for v in rows[-1]):
            rows.pop()
        dataset = tablib.Dataset()
        if rows:
            width = max(len(r) for r in rows)
            rows = [r + [None] * (width - len(r)) for r in rows]
            dataset.headers = rows[0]
            for values in rows[1:]:
                dataset.append(values)
        return dataset


# --------------------------------------------------------------------------
# The admin pages


class ProviderImportForm(ImportForm):
    """The library's upload form, with a size cap and a file name that must fit the format."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        self.fields["format"].required = False
        self.fields["format"].help_text = _("Left empty, the file's name tells.")
        self.fields["import_file"].help_text = _(
            "A .csv (UTF-8, comma-separated) or .xlsx file, at most 2 MB and %(rows)s rows."
        ) % {"rows": MAX_ROWS}

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                gettext("The file is %(size)s MB; import at most 2 MB at a time.")
                % {"size": l10n.number(round(upload.size / (1024 * 1024), 1), 1)}
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload, index = cleaned.get("import_file"), cleaned.get("format")
        if not upload:
            return cleaned
        extensions = [f().get_extension() for f in self.import_formats]
        if index in (None, ""):
            # Left at "---": the file's name tells.
            name = upload.name.casefold()
            matching = [i for i, ext in enumerate(extensions) if name.endswith(f".{ext}")]
            if matching:
                cleaned["format"] = str(matching[0])
            else:
                self.add_error("import_file", gettext("Upload a .csv or an .xlsx file."))
        elif not upload.name.casefold().endswith(f".{extensions[int(index)]}"):
            self.add_error(
                "import_file",
                gettext("This file's name does not end in .%(ext)s: choose the format it has.")
                % {"ext": extensions[int(index)]},
            )
        return cleaned


class ProviderImportMixin(ImportMixin):
    """Bulk import on the providers' list (ProviderAdmin); only for who may add and change."""

    resource_classes = [ProviderImportResource]
    tmp_storage_class = PreviewStorage
    import_formats = [CSVImport, XLSXImport]
    import_form_class = ProviderImportForm
    import_template_name = "admin/providers/provider_import.html"

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_import_context_data(self, **kwargs):
        return {"columns": COLUMNS, "separator": LIST_SEPARATOR, "max_rows": MAX_ROWS}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", _read_failure_message(e))

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request,
            gettext(
                "Import finished: %(new)s new draft listings, %(updated)s updated, "
                "%(skipped)s left as they were."
            )
            % {
                "new": totals[RowResult.IMPORT_TYPE_NEW],
                "updated": totals[RowResult.IMPORT_TYPE_UPDATE],
                "skipped": totals[RowResult.IMPORT_TYPE_SKIP],
            },
        )

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirm step: import the previewed file again, for real, or nothing at all."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return self._refused(
                request, gettext("Upload the file again: the confirmation was incomplete.")
            )
        try:
            input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](
                encoding=self.from_encoding
            )
        except (ValueError, IndexError):
            return self._refused(request, gettext("Upload the file again: its format is unknown."))
        storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        try:
            dataset = input_format.create_dataset(storage.read())
        except OSError:
            return self._refused(
                request, gettext("Upload the file again: the previewed copy is no longer here.")
            )
        except Exception as error:
            storage.remove()
            return self._refused(request, _read_failure_message(error))
        try:
            result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        finally:
            # Confirmed once, imported or refused: the preview is of no further use.
            storage.remove()
        if result.has_errors() or result.has_validation_errors():
            return self._refused(
                request,
                gettext(
                    "The directory changed since the preview and some rows are no longer "
                    "valid; nothing was imported. Correct the rows below and upload again."
                ),
                result=result,
            )
        return self.process_result(result, request)

    def _refused(self, request, message, result=None):
        form_class = self.get_import_form_class(request)
        context = {
            **self.admin_site.each_context(request),
            **self.get_import_context_data(),
            "title": gettext("Import providers"),
            "form": form_class(
                self.get_import_formats(), self.get_import_resource_classes(request)
            ),
            "opts": self.model._meta,
            "refused": message,
            "result": result,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context, status=400)


def _read_failure_message(error) -> str:
    if isinstance(error, ImportFileRefused):
        return str(error)
    if isinstance(error, UnicodeError):
        return gettext(
            "This file is not UTF-8 text. In Excel choose “CSV UTF-8 (comma delimited)” "
            "when saving, or upload the .xlsx workbook."
        )
    return gettext("This file could not be read as the format chosen: check the format.")
