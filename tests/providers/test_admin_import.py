"""Bulk import of providers in admin (providers.admin.imports), through the real admin views:
upload and preview, then confirm, as an operator does it."""

import io
import os
import time
import zipfile

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from providers import models as m
from providers.admin.imports import MAX_ROWS
from tests.factories import MembershipFactory, ProviderFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:providers_provider_import")
PROCESS = reverse("admin:providers_provider_process_import")
CHANGELIST = reverse("admin:providers_provider_changelist")
CSV, XLSX = "0", "1"  # the format choices, in ProviderImportMixin.import_formats order

HEADER = "name,country,website,contact_email,tagline,services,industries,languages"
ROWS = [
    "Nairobi Data Co-op,KE,www.nairobi-data.example,hello@nairobi-data.example,"
    "Annotation by young people,data-annotation; Transcription,agriculture,sw;English",
    "Cusco Back Office,Peru,https://cusco.example,,Back office in Quechua and Spanish,"
    "data-entry,,es",
]


def csv_bytes(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode()


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(email="operator@impactdir.example"))
    return client


def upload(client, content, name="members.csv", fmt=CSV):
    return client.post(
        IMPORT,
        {"resource": "0", "format": fmt, "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, preview):
    """Post the preview's confirm form back, as its hidden fields would."""
    form = preview.context["confirm_form"]
    assert form is not None, preview.content.decode()
    return client.post(PROCESS, {name: form.initial.get(name, "") for name in form.fields})


def import_file(client, content, name="members.csv", fmt=CSV):
    preview = upload(client, content, name, fmt)
    assert preview.status_code == 200
    return preview, confirm(client, preview)


def text(response):
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in response.wsgi_request._messages]


# --------------------------------------------------------------------------
# End to end


def test_csv_import_previews_then_creates_unclaimed_drafts_with_history(staff_client):
    preview = upload(staff_client, csv_bytes(*ROWS))

    assert preview.status_code == 200
    assert "2 new draft listings, 0 updated, 0 left as they are." in text(preview)
    assert "Nairobi Data Co-op (KE)" in text(preview)
    assert m.Provider.objects.count() == 0  # the preview wrote nothing

    done = confirm(staff_client, preview)

    assert done.status_code == 302
    assert done["Location"] == CHANGELIST
    assert messages_of(done) == [
        "Import finished: 2 new draft listings, 0 updated, 0 left as they were."
    ]
    nairobi = m.Provider.objects.get(name="Nairobi Data Co-op")
    assert nairobi.slug == "nairobi-data-co-op"
    assert nairobi.status == m.ListingStatus.DRAFT
    assert nairobi.hq_country == "KE"
    assert nairobi.website == "https://www.nairobi-data.example"
    assert nairobi.contact_email == "hello@nairobi-data.example"
    assert sorted(nairobi.services.values_list("service__slug", flat=True)) == [
        "data-annotation",
        "transcription",
    ]
    assert list(nairobi.industries.values_list("slug", flat=True)) == ["agriculture"]
    assert sorted(nairobi.languages.values_list("code", flat=True)) == ["en", "sw"]
    assert "Data annotation" in nairobi.service_text  # derived search data refreshed
    cusco = m.Provider.objects.get(name="Cusco Back Office")
    assert cusco.hq_country == "PE"
    assert not m.Membership.objects.exists()  # nobody has claimed them

    reason = "Imported from “members.csv”."
    history = list(m.Provider.history.all())
    assert sorted(h.name for h in history) == ["Cusco Back Office", "Nairobi Data Co-op"]
    assert {h.history_change_reason for h in history} == {reason}
    assert {h.history_user.email for h in history} == {"operator@impactdir.example"}
    assert {h.history_change_reason for h in m.ProviderService.history.all()} == {reason}
    assert m.ProviderService.history.count() == 3


def test_imported_drafts_are_not_public(staff_client, client):
    import_file(staff_client, csv_bytes(*ROWS))
    provider = m.Provider.objects.get(name="Nairobi Data Co-op")
    staff_client.logout()

    profile = client.get(reverse("providers:detail", kwargs={"slug": provider.slug}))
    search = client.get(reverse("search"), {"q": "Nairobi"})

    assert profile.status_code == 404
    assert search.status_code == 200
    assert "Nairobi Data Co-op" not in text(search)


def test_xlsx_import_end_to_end(staff_client):
    content = xlsx_bytes(
        [
            ["Name", "Country", "Founded year", "Workforce", "Legal form", "Delivery modes"],
            ["Kigali Voice Ltd", "Rwanda", 2012, 85.0, "Social enterprise", "remote; Onsite"],
        ]
    )

    preview, done = import_file(staff_client, content, name="coalition.xlsx", fmt=XLSX)

    assert "1 new draft listings" in text(preview)
    assert done.status_code == 302
    provider = m.Provider.objects.get()
    assert (provider.name, provider.hq_country, provider.founded_year, provider.workforce) == (
        "Kigali Voice Ltd",
        "RW",
        2012,
        85,
    )
    assert provider.legal_form == m.LegalForm.SOCIAL_ENTERPRISE
    assert sorted(provider.delivery_modes.values_list("slug", flat=True)) == ["onsite", "remote"]
    assert provider.status == m.ListingStatus.DRAFT
    # One history row, holding the delivery modes too.
    history = provider.history.get()
    assert (history.history_type, history.history_change_reason) == (
        "+",
        "Imported from “coalition.xlsx”.",
    )
    assert sorted(history.delivery_modes.values_list("deliverymode__slug", flat=True)) == [
        "onsite",
        "remote",
    ]


def test_importing_the_same_file_again_changes_nothing(staff_client):
    import_file(staff_client, csv_bytes(*ROWS))
    before = {p.pk: p.updated_at for p in m.Provider.objects.all()}
    history = (m.Provider.history.count(), m.ProviderService.history.count())

    preview, done = import_file(staff_client, csv_bytes(*ROWS))

    assert "0 new draft listings, 0 updated, 2 left as they are." in text(preview)
    assert "Unchanged." in text(preview)
    assert messages_of(done) == [
        "Import finished: 0 new draft listings, 0 updated, 2 left as they were."
    ]
    assert {p.pk: p.updated_at for p in m.Provider.objects.all()} == before
    assert (m.Provider.history.count(), m.ProviderService.history.count()) == history


def test_a_changed_row_updates_its_unclaimed_draft(staff_client):
    import_file(staff_client, csv_bytes(*ROWS))
    changed = (
        ROWS[1]
        .replace("https://cusco.example", "https://cusco-bo.example")
        .replace("data-entry", "data-entry;transcription")
    )

    # Names match whatever their case; the file's spelling then wins.
    preview, done = import_file(
        staff_client, csv_bytes(ROWS[0], changed.replace("Cusco Back Office", "CUSCO back office"))
    )

    assert "Update: name, website, services" in text(preview)
    assert messages_of(done) == [
        "Import finished: 0 new draft listings, 1 updated, 1 left as they were."
    ]
    cusco = m.Provider.objects.get(hq_country="PE")
    assert (cusco.name, cusco.slug) == ("CUSCO back office", "cusco-back-office")
    assert cusco.website == "https://cusco-bo.example"
    assert sorted(cusco.services.values_list("service__slug", flat=True)) == [
        "data-entry",
        "transcription",
    ]
    assert cusco.history.count() == 2
    assert cusco.history.first().history_change_reason == "Imported from “members.csv”."


def test_claimed_and_published_listings_are_left_as_they_are(staff_client):
    claimed = ProviderFactory(
        name="Nairobi Data Co-op", hq_country="KE", status=m.ListingStatus.DRAFT, website=""
    )
    MembershipFactory(provider=claimed)
    published = ProviderFactory(name="Cusco Back Office", hq_country="PE", website="")
    history = m.Provider.history.count()

    preview, done = import_file(staff_client, csv_bytes(*ROWS))

    assert text(preview).count("claimed by its team or past the draft stage") == 2
    assert messages_of(done) == [
        "Import finished: 0 new draft listings, 0 updated, 2 left as they were."
    ]
    for provider in (claimed, published):
        provider.refresh_from_db()
        assert provider.website == ""
        assert not provider.services.exists()
    assert published.status == m.ListingStatus.PUBLISHED
    assert m.Provider.history.count() == history


# --------------------------------------------------------------------------
# Row errors: shown with their line, nothing written


def test_row_errors_are_listed_by_line_and_nothing_is_written(staff_client):
    rows = [
        ROWS[0],
        "Bad Services Ltd,KE,,,,underwater-basket-weaving,,",
        "Bad Mail Ltd,KE,,not-an-email,,,,",
        '=HYPERLINK("http://evil.example"),KE,,,,,,',
        "Nowhere Ltd,Atlantis,,,,,,",
        "Category Ltd,KE,,,,data-services,,",
        "Nairobi Data Co-op,Kenya,,,,,,",
    ]

    preview = upload(staff_client, csv_bytes(*rows))

    page = text(preview)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None
    assert "Confirm import" not in page
    assert "Nothing has been imported." in page
    assert "Unknown service “underwater-basket-weaving”" in page
    assert '<th scope="row">3</th>' in page  # the header is line 1
    assert "Enter a valid email address." in page
    assert "which a spreadsheet would run as a formula" in page
    assert "Unknown country “Atlantis”" in page
    assert "“data-services” is a category, not a service" in page
    assert "Same name and country as line 2" in page
    assert m.Provider.objects.count() == 0
    assert m.Provider.history.count() == 0


def test_phone_numbers_are_not_taken_for_formulas(staff_client):
    _preview, done = import_file(
        staff_client,
        csv_bytes("Lagos Desk,NG,+234 (0) 800-000", header="name,country,contact_phone"),
    )

    assert done.status_code == 302
    assert m.Provider.objects.get().contact_phone == "+234 (0) 800-000"


def test_confirm_revalidates_and_writes_nothing_when_a_row_became_invalid(staff_client):
    preview = upload(staff_client, csv_bytes(*ROWS))
    assert preview.context["confirm_form"] is not None
    # Between preview and confirm, an operator retires the industry the first row names.
    m.Industry.objects.filter(slug="agriculture").delete()

    done = confirm(staff_client, preview)

    assert done.status_code == 400
    assert "nothing was imported" in text(done)
    assert "Unknown industry “agriculture”" in text(done)
    assert m.Provider.objects.count() == 0
    assert m.ProviderService.objects.count() == 0


def test_confirm_without_the_previewed_file_writes_nothing(staff_client):
    preview = upload(staff_client, csv_bytes(*ROWS))
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["import_file_name"] = "../../etc/not-there"

    done = staff_client.post(PROCESS, data)

    assert done.status_code == 400
    assert "the previewed copy is no longer here" in text(done)
    assert m.Provider.objects.count() == 0


# --------------------------------------------------------------------------
# Bad files: refused whole with a clear message


def _file_error(response):
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    errors = response.context["form"].errors.get("import_file") or []
    base = [str(e.error) for e in getattr(response.context.get("result"), "base_errors", [])]
    return " ".join([*errors, *base])


def test_csv_that_is_not_utf8_is_refused(staff_client):
    response = upload(staff_client, "name,country\nCôte Services,CI\n".encode("latin-1"))

    assert "not UTF-8 text" in _file_error(response)
    assert m.Provider.objects.count() == 0


def test_missing_and_unknown_columns_are_refused(staff_client):
    response = upload(staff_client, csv_bytes("Acme,KE", header="name,contry"))

    message = _file_error(response)
    assert "Unknown columns: contry." in message
    assert "Required columns missing: country." in message
    assert m.Provider.objects.count() == 0


def test_semicolon_separated_csv_gets_a_hint(staff_client):
    response = upload(staff_client, b"name;country\nAcme;KE\n")

    assert "save it as comma-separated CSV" in _file_error(response)


def test_file_name_must_fit_the_format_chosen(staff_client):
    response = upload(staff_client, xlsx_bytes([["name", "country"]]), name="list.xlsx", fmt=CSV)

    assert "does not end in .csv" in _file_error(response)


def test_a_file_that_is_not_a_workbook_is_refused(staff_client):
    response = upload(staff_client, b"name,country\nAcme,KE\n", name="list.xlsx", fmt=XLSX)

    assert "not an Excel workbook" in _file_error(response)


def test_workbook_with_formulas_is_refused(staff_client):
    content = xlsx_bytes([["name", "country"], ["Acme", "KE"], ['=CONCAT(A2, "!")', "KE"]])

    response = upload(staff_client, content, name="list.xlsx", fmt=XLSX)

    assert "Cell A3 holds a formula" in _file_error(response)
    assert m.Provider.objects.count() == 0


def test_workbook_with_macros_is_refused(staff_client):
    plain = io.BytesIO(xlsx_bytes([["name", "country"], ["Acme", "KE"]]))
    with zipfile.ZipFile(plain, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 64)

    response = upload(staff_client, plain.getvalue(), name="list.xlsx", fmt=XLSX)

    assert "holds macros" in _file_error(response)


def test_too_many_rows_are_refused(staff_client):
    rows = [f"Provider {n},KE" for n in range(MAX_ROWS + 1)]

    response = upload(staff_client, csv_bytes(*rows, header="name,country"))

    assert f"import at most {MAX_ROWS} at a time" in _file_error(response)
    assert m.Provider.objects.count() == 0


def test_a_file_over_the_cap_is_refused_by_the_form(staff_client):
    content = csv_bytes("Acme,KE," + "x" * (3 * 1024 * 1024), header="name,country,description")

    assert "import at most 2 MB at a time" in _file_error(upload(staff_client, content))


def test_a_request_over_the_site_limit_is_refused_before_it_is_read(staff_client, settings):
    content = b"x" * (settings.MAX_REQUEST_BODY_BYTES + 1)

    response = upload(staff_client, content)

    assert response.status_code == 413
    assert m.Provider.objects.count() == 0


def test_an_empty_file_is_refused(staff_client):
    response = upload(staff_client, b"")

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert m.Provider.objects.count() == 0


# --------------------------------------------------------------------------
# Who may import


def test_anonymous_and_non_staff_users_are_sent_to_the_login(client):
    for user in (None, UserFactory()):
        if user:
            client.force_login(user)
        for url in (IMPORT, PROCESS):
            response = client.post(url) if url == PROCESS else client.get(url)
            assert response.status_code == 302
            assert "/admin/login/" in response["Location"]


def _staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="providers", codename__in=codenames)
    )
    return user


def test_staff_without_add_permission_are_refused(client):
    client.force_login(_staff_with("view_provider", "change_provider"))

    assert client.get(IMPORT).status_code == 403
    assert client.post(PROCESS, {"import_file_name": "x"}).status_code == 403
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert IMPORT not in text(listing)


def test_staff_with_add_and_change_permission_can_import(client):
    client.force_login(_staff_with("view_provider", "add_provider", "change_provider"))

    assert IMPORT in text(client.get(CHANGELIST))
    _preview, done = import_file(client, csv_bytes(*ROWS))
    assert done.status_code == 302
    assert m.Provider.objects.count() == 2


# --------------------------------------------------------------------------
# Query counts


def test_import_page_query_count(staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = staff_client.get(IMPORT)
    assert response.status_code == 200
    assert "Columns the file may have" in text(response)


@pytest.mark.parametrize("rows", [1, 20])
def test_import_query_count_grows_by_row_not_by_taxonomy(
    staff_client, django_assert_max_num_queries, rows
):
    lines = [f"Provider {n},KE,,,,data-entry;transcription,agriculture,sw;en" for n in range(rows)]
    # Taxonomies are read once per import; a row costs its own few reads and writes,
    # and at the confirm step its history rows too (the preview went from 31 to 34 a row
    # when listings gained a type and partnerships offered and sought, and to 36 with the
    # languages a listing is written in).
    with django_assert_max_num_queries(20 + 36 * rows):
        preview = upload(staff_client, csv_bytes(*lines))
    assert f"{rows} new draft listings" in text(preview)
    with django_assert_max_num_queries(25 + 47 * rows):
        done = confirm(staff_client, preview)
    assert m.Provider.objects.count() == rows
    assert done.status_code == 302


def test_the_format_is_taken_from_the_file_name_when_not_chosen(staff_client):
    content = xlsx_bytes([["name", "country"], ["Kigali Voice Ltd", "RW"]])

    preview = upload(staff_client, content, name="list.XLSX", fmt="")

    assert "1 new draft listings" in text(preview)
    assert "Upload a .csv or an .xlsx file." in _file_error(
        upload(staff_client, b"name,country\n", name="list.txt", fmt="")
    )


def test_empty_lines_in_a_workbook_are_skipped_and_keep_the_line_numbers(staff_client):
    content = xlsx_bytes(
        [["name", "country"], ["Kigali Voice Ltd", "RW"], [None, None], ["Bad", "Narnia"]]
    )

    preview = upload(staff_client, content, name="list.xlsx", fmt=XLSX)

    assert "Unknown country “Narnia”" in text(preview)
    assert '<th scope="row">4</th>' in text(preview)


def test_a_row_matching_two_listings_is_an_error(staff_client):
    for slug in ("twin-a", "twin-b"):
        ProviderFactory(name="Twin Services", slug=slug, hq_country="KE")

    preview = upload(staff_client, csv_bytes("Twin Services,KE", header="name,country"))

    assert "More than one listing is called “Twin Services” in KE" in text(preview)
    assert preview.context.get("confirm_form") is None


def test_a_workbook_with_too_many_rows_is_refused(staff_client):
    rows = [["name", "country"], *([f"Provider {n}", "KE"] for n in range(MAX_ROWS + 5))]

    response = upload(staff_client, xlsx_bytes(rows), name="list.xlsx", fmt=XLSX)

    assert f"more than {MAX_ROWS} rows" in _file_error(response)


def test_an_update_claims_the_next_version_of_the_draft(staff_client):
    import_file(staff_client, csv_bytes(*ROWS))
    cusco = m.Provider.objects.get(hq_country="PE")
    assert cusco.version == 1

    import_file(staff_client, csv_bytes(ROWS[1].replace("data-entry", "transcription")))

    cusco.refresh_from_db()
    assert cusco.version == 2
    assert list(cusco.services.values_list("service__slug", flat=True)) == ["transcription"]


# --------------------------------------------------------------------------
# Previewed files: kept in a folder of their own, removed when confirmed or stale


@pytest.fixture
def preview_dir(settings, tmp_path):
    settings.IMPORT_PREVIEW_DIR = tmp_path / "previews"
    return settings.IMPORT_PREVIEW_DIR


def test_a_preview_waits_in_its_folder_and_goes_when_confirmed(staff_client, preview_dir):
    preview = upload(staff_client, csv_bytes(*ROWS))
    waiting = list(preview_dir.iterdir())
    assert len(waiting) == 1
    assert preview.context["confirm_form"].initial["import_file_name"] == waiting[0].name

    confirm(staff_client, preview)

    assert m.Provider.objects.count() == len(ROWS)
    assert list(preview_dir.iterdir()) == []


def test_a_refused_confirmation_removes_the_preview_too(staff_client, preview_dir):
    preview = upload(staff_client, csv_bytes(*ROWS))
    m.Industry.objects.filter(slug="agriculture").delete()

    assert confirm(staff_client, preview).status_code == 400
    assert list(preview_dir.iterdir()) == []


def test_the_confirm_step_reads_nothing_outside_the_preview_folder(
    staff_client, preview_dir, tmp_path
):
    outside = tmp_path / "import-elsewhere.csv"
    outside.write_bytes(csv_bytes(*ROWS))
    preview = upload(staff_client, csv_bytes(*ROWS))
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["import_file_name"] = "../import-elsewhere.csv"

    done = staff_client.post(PROCESS, data)

    assert done.status_code == 400
    assert m.Provider.objects.count() == 0
    assert outside.exists()


def test_the_nightly_sweep_removes_previews_never_confirmed(staff_client, preview_dir):
    upload(staff_client, csv_bytes(*ROWS))
    (waiting,) = preview_dir.iterdir()
    call_command("remove_orphan_files", verbosity=0)
    assert waiting.exists()  # younger than a day

    day_old = time.time() - 25 * 3600
    os.utime(waiting, (day_old, day_old))
    out = io.StringIO()
    call_command("remove_orphan_files", stdout=out)

    assert not waiting.exists()
    assert "1 unconfirmed import preview(s)" in out.getvalue()
