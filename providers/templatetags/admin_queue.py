"""The admin index's vetting queue (`providers.admin.queue`), for templates/admin/index.html."""

from django import template

from providers.admin.queue import vetting_queue

register = template.Library()


@register.simple_tag(takes_context=True)
def vetting_queue_for(context):
    """The queue entries the signed-in operator may see."""
    return vetting_queue(context["request"].user)
