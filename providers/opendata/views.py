"""/data/: the open data page, its field documentation, and the files themselves.

Files are served from the current snapshot with a strong ETag (the SHA-256 of the
bytes sent) and Last-Modified, answer conditional requests with 304, send the
gzip twin to clients that accept it, and allow any origin to read them (CORS),
since they are public.
"""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from providers.disclosure import THRESHOLD

from . import hsds
from .catalogue import DATAPACKAGE_FILE_NAME, HSDS_FILE_NAME, LICENSE, published_files
from .snapshot import current_snapshot
from .tables import TABLES

#: Public files: any site may fetch them, and read the validators we send.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Encoding",
}
#: Browsers and proxies may reuse a file for an hour, then revalidate it.
CACHE_CONTROL = "public, max-age=3600"


@require_safe
def data_index(request):
    """What the open data holds, its licence, the current snapshot and its files."""
    snapshot = current_snapshot()
    files = []
    if snapshot is not None:
        for published in published_files():
            stored = snapshot.file(published.name)
            if stored is not None:
                files.append((published, stored))
    return render(
        request,
        "providers/opendata/index.html",
        {
            "snapshot": snapshot,
            "files": files,
            "license": LICENSE,
            "hsds_file": HSDS_FILE_NAME,
            "datapackage_file": DATAPACKAGE_FILE_NAME,
            "schema_file": hsds.SCHEMA_FILE_NAME,
            "schema_url": reverse("opendata:file", args=[hsds.SCHEMA_FILE_NAME]),
            "threshold": THRESHOLD,
        },
    )


@require_safe
def data_fields(request):
    """Every field of every table and every extra HSDS property: meaning, unit, IRIS+, source."""
    return render(
        request,
        "providers/opendata/fields.html",
        {
            "tables": TABLES,
            "extra_properties": hsds.EXTRA_PROPERTIES,
            "figures": hsds.figure_definitions(),
            "threshold": THRESHOLD,
            "hsds_file": HSDS_FILE_NAME,
        },
    )


def _accepts_gzip(request) -> bool:
    codings = request.headers.get("Accept-Encoding", "")
    for coding in codings.split(","):
        name, _sep, params = coding.strip().partition(";")
        if name.strip().lower() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def data_file(request, name):
    """One file of the current snapshot; only the names the snapshot lists are served."""
    if request.method == "OPTIONS":
        # A cross-origin fetch that sends If-None-Match asks first.
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
        response["Access-Control-Max-Age"] = "86400"
        for header, value in CORS_HEADERS.items():
            response[header] = value
        return response
    snapshot = current_snapshot()
    stored = snapshot.file(name) if snapshot is not None else None
    if stored is None:
        raise Http404(_("There is no open data file with this name."))
    gzipped = _accepts_gzip(request)
    etag = f'"{stored.gzip_sha256 if gzipped else stored.sha256}"'
    last_modified = http_date(stored.last_modified.timestamp())

    response = get_conditional_response(
        request, etag=etag, last_modified=stored.last_modified.timestamp()
    )
    if response is None:
        path = snapshot.path / (f"{name}.gz" if gzipped else name)
        if request.method == "HEAD":
            response = HttpResponse(content_type=stored.content_type)
        else:
            try:
                # FileResponse closes the file once it has been sent.
                stream = open(path, "rb")  # noqa: SIM115
                response = FileResponse(stream, content_type=stored.content_type, filename=name)
            except FileNotFoundError:
                # The snapshot was pruned between resolving it and opening the file.
                raise Http404(_("There is no open data file with this name.")) from None
        response["Content-Length"] = str(stored.gzip_bytes if gzipped else stored.bytes)
        if gzipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ["Accept-Encoding"])
    for header, value in CORS_HEADERS.items():
        response[header] = value
    return response
