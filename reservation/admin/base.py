"""What every support page shares: read-only record pages, and the permission the actions ask for.

Reservations, slots and logins change only through the domain services (the actions and the forms of this
package), never by editing a row, so their pages are Django's view-only pages: no Save buttons, no inline add or
delete. An action needs the model's "change" permission (support staff have it; a "view" only login sees).
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest


class SupportAdmin(admin.ModelAdmin[Any]):
    """A model admin whose record pages are read-only and whose actions need the "change" permission."""

    show_full_result_count = False  # spares a second COUNT(*) over the whole table on every filtered page
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice would scan 10⁵ slots on every page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A record page (obj given) is view-only; the list (obj None) keeps the actions.
        return obj is None and super().has_change_permission(request)

    def has_act_permission(self, request: HttpRequest) -> bool:
        """Whether the staff member may act (confirm, cancel, withdraw, revoke): the model's change permission."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
