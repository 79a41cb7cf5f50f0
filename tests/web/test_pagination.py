"""GOV.UK pagination (govuk-frontend-django's component) that keeps a list's filters."""

from django.core.paginator import Paginator
from django.http import QueryDict

from homeward.web.pagination import pagination


def test_one_page_has_no_pagination():
    assert pagination(Paginator(range(5), 10).page(1), QueryDict("")) is None


def test_links_keep_the_filters_with_first_last_neighbours_and_ellipses():
    page = Paginator(range(100), 10).page(5)
    html = str(pagination(page, QueryDict("status=open&page=5")))
    for number in (1, 4, 5, 6, 10):
        assert f'href="?status=open&amp;page={number}"' in html
    assert 'href="?status=open&amp;page=2"' not in html and 'href="?status=open&amp;page=9"' not in html
    assert html.count("govuk-pagination__item--ellipsis") == 2
    assert 'aria-label="Page 5" aria-current="page"' in html
    assert 'rel="prev"' in html and 'rel="next"' in html and 'aria-label="Results pages"' in html
