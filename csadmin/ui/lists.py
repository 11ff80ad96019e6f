"""The one list page: a filter form, a selector's rows paged by keyset, the page or its partial.

A list page declares its template, its partial, its filter form and page size, and reads its
rows from a selector; paging, the next page's link, htmx partials and the answer to a cursor
it did not give out (400, see csadmin.ui.views.TenantPageMixin) are the same on every list.
"""

from __future__ import annotations

from django.views import View

from csadmin.pluginlib.errors import DomainError, ValidationFailed
from csadmin.pluginlib.paging import CursorRefused, Page, keyset_page
from csadmin.ui.views import TenantPageMixin, htmx_partial


class ListPageView(TenantPageMixin, View):
    """Declare `template_name`, `partial` (the rows' partial of that template) and `get_rows`;
    optionally `filter_form`, `page_size`, `ordering` (one unique field), `cursor_param` and
    `rows_name`, the context name of the rows besides `page`."""

    template_name: str = ""
    partial = "rows"
    filter_form = None
    page_size = 25
    ordering = "-id"
    cursor_param = "after"
    rows_name = "rows"

    def get(self, request, *args, **kwargs):
        filters, error = None, None
        try:
            filters = self.get_filters()
            page = keyset_page(
                request,
                self.get_rows(filters),
                ordering=self.get_ordering(),
                size=self.get_page_size(),
                param=self.cursor_param,
            )
        except CursorRefused:
            raise
        except DomainError as refused:  # the filters were refused: say why, show no rows
            error = refused.message
            page = Page([], self.cursor_param, request.GET)
        context = {
            "view": self,
            "page": page,
            self.rows_name: page.rows,
            "next_query": page.next_query,
            "list_error": error,
            **({"form": self.form} if self.filter_form else {}),
            **self.get_context(page, filters),
        }
        return htmx_partial(request, self.template_name, self.partial, context)

    def get_filters(self):
        """The filter form's clean values. An invalid form is refused, naming the field and
        the rule: a DomainError raised here (or by the selector) is shown instead of the rows,
        and get_context then receives None for the filters."""
        if self.filter_form is None:
            return {}
        self.form = self.filter_form(self.request.GET or None)
        if self.form.is_bound and not self.form.is_valid():
            raise ValidationFailed.from_errors(
                {name: list(problems) for name, problems in self.form.errors.items()}
            )
        return self.form.cleaned_data if self.form.is_bound else {}

    def get_rows(self, filters):
        """The selector's queryset for these filters, in this tenant."""
        raise NotImplementedError

    def get_ordering(self) -> str:
        return self.ordering

    def get_page_size(self) -> int:
        return self.page_size

    def get_context(self, page: Page, filters) -> dict:
        return {}
