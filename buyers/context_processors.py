"""Template context every page needs from the buyers app."""

from .compare import compare_ids
from .selectors import MAX_COMPARE


def compare_selection(request):
    """`compare_selected` (ids) and `compare_count`: the providers the visitor chose to compare.

    Callables, so the session is read only when a template asks (the base
    template's "Compare (n)" bar), at no query beyond the session read the page
    makes anyway to know who is signed in.
    """
    session = getattr(request, "session", None)
    if session is None:
        return {"compare_selected": list, "compare_count": int, "compare_max": MAX_COMPARE}
    return {
        "compare_max": MAX_COMPARE,
        "compare_selected": lambda: compare_ids(session),
        "compare_count": lambda: len(compare_ids(session)),
    }
