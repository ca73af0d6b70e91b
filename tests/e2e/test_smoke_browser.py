import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_opens_in_chromium(live_server, page, axe, csp_errors):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    axe(page)
    assert csp_errors == []
