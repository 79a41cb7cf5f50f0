"""GOV.UK pagination for a Django Page: govuk-frontend-django's component, with the links to show
(ellipses between) keeping the other query parameters. (The package's own gds_pagination tag links to
`?page=N` alone, which would drop a list's filters.)"""

from django.core.paginator import Page
from django.http import QueryDict
from govuk_frontend_django.components.pagination import (
    GovUKPagination,
    PaginationItems,
    PaginationNext,
    PaginationPrevious,
)


def _href(query: QueryDict, number: int) -> str:
    query = query.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


def pagination(page: Page, query: QueryDict) -> GovUKPagination | None:
    """None when everything fits on one page (the component is then left out)."""
    last = page.paginator.num_pages
    if last <= 1:
        return None
    # First, last, and the current page with one either side (GOV.UK pagination guidance).
    wanted = sorted({1, last, page.number - 1, page.number, page.number + 1} & set(range(1, last + 1)))
    items: list[PaginationItems] = []
    shown = None
    for number in wanted:
        if shown is not None and number - shown > 1:
            items.append(PaginationItems(ellipsis=True))
        items.append(
            PaginationItems(
                number=str(number),
                href=_href(query, number),
                current=number == page.number,
                visuallyHiddenText=f"Page {number}",
            )
        )
        shown = number
    return GovUKPagination(
        previous=PaginationPrevious(href=_href(query, page.number - 1)) if page.has_previous() else None,
        next=PaginationNext(href=_href(query, page.number + 1)) if page.has_next() else None,
        items=items,
        landmarkLabel="Results pages",
    )
