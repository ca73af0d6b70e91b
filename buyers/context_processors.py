"""Template context every page needs from the buyers app."""

from django.utils.functional import SimpleLazyObject

from .compare import compare_ids


def compare_selection(request):
    """`compare_selected` (ids) and `compare_count`: the providers the visitor chose to compare.

    Read from the session only when a template asks (the base template's
    "Compare (n)" link), at no query beyond the session read the page makes
    anyway to know who is signed in.
    """
    session = getattr(request, "session", None)
    if session is None:
        return {"compare_selected": [], "compare_count": 0}
    selected = SimpleLazyObject(lambda: compare_ids(session))
    return {"compare_selected": selected, "compare_count": SimpleLazyObject(lambda: len(selected))}
