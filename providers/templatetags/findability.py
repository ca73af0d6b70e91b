"""The public addresses pages name in their <head> (see providers.findability).

- `{% canonical_url %}`: the address the page is known by, with the view's
  `canonical_query` (a search's text, a comparison's providers) if it names one.
- `{% language_alternates %}`: its addresses in every language (hreflang), public pages only.
- `{% absolute_url url %}`: a path (a logo's URL) on the public address.
- `{% absolute_static "img/share.png" %}`: a static file on the public address.
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from providers import findability

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context):
    request = context.get("request")
    if request is None:
        return ""
    return findability.canonical_url(request, context.get("canonical_query", ""))


@register.simple_tag(takes_context=True)
def language_alternates(context):
    request = context.get("request")
    if request is None:
        return ""
    return format_html_join(
        "\n  ",
        '<link rel="alternate" hreflang="{}" href="{}">',
        findability.page_alternates(request, context.get("canonical_query", "")),
    )


@register.simple_tag
def absolute_url(url):
    return findability.absolute_url(str(url or ""))


@register.simple_tag
def absolute_static(path):
    return findability.absolute_url(static(path))


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # The rendered text is already escaped (a SafeString); blocks inside are
        # still overridden by child templates, since this node exposes `nodelist`.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """`{% capture as name %}…{% endcapture %}`: render once, use as `{{ name }}` often.

    base.html renders the title and description blocks once and repeats them in
    the <title>, the description and the link-preview tags.
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])
