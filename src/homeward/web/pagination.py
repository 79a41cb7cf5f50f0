"""GOV.UK pagination for a Django Page: the links to show, with ellipses, keeping the other query parameters."""

from dataclasses import dataclass

from django.core.paginator import Page
from django.http import QueryDict


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: an ellipsis
    href: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    previous_href: str | None
    next_href: str | None
    items: list[PageLink]


def _href(query: QueryDict, number: int) -> str:
    query = query.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


def pagination(page: Page, query: QueryDict) -> Pagination | None:
    """None when everything fits on one page (the component is then left out)."""
    last = page.paginator.num_pages
    if last <= 1:
        return None
    # First, last, and the current page with one either side (GOV.UK pagination guidance).
    wanted = sorted({1, last, page.number - 1, page.number, page.number + 1} & set(range(1, last + 1)))
    items: list[PageLink] = []
    for number in wanted:
        if items and items[-1].number is not None and number - items[-1].number > 1:
            items.append(PageLink(number=None))
        items.append(PageLink(number=number, href=_href(query, number), current=number == page.number))
    return Pagination(
        previous_href=_href(query, page.number - 1) if page.has_previous() else None,
        next_href=_href(query, page.number + 1) if page.has_next() else None,
        items=items,
    )
