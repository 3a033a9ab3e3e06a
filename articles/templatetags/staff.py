"""How the admin names a member of staff: the same name everywhere (reviews.staff_name)."""

from django import template

from .. import reviews

register = template.Library()


@register.filter
def staff_name(user) -> str:
    return reviews.staff_name(user)
