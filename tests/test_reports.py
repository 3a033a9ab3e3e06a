"""Readers report a problem with a page: no cookies, a signed form token, a cap, a rate limit."""

import re

import pytest
from django.test import Client

from articles import reports
from articles.models import ProblemReport


def form_token(html):
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


@pytest.fixture
def article_page(client, make_article):
    article = make_article(title="Options")
    return article, client.get(article.get_absolute_url()).content.decode()


def test_every_article_page_has_the_report_form_with_the_crisis_line(article_page):
    _, html = article_page
    assert "Report a problem with this page" in html
    assert "Please do not include your name or any personal or medical details" in html
    assert "This form is not for emergencies.</strong> If you are in crisis" in html


def test_a_term_page_has_the_report_form(client, make_term):
    term = make_term("Ketamine")
    assert "Report a problem with this page" in client.get(term.get_absolute_url()).content.decode()


def test_a_report_is_saved_with_its_page(article_page):
    article, html = article_page
    response = Client().post("/report/", {"token": form_token(html), "message": "The TMS part is out of date."})
    assert response.status_code == 302
    assert ProblemReport.objects.get().path == article.get_absolute_url()


def test_reporting_sets_no_cookie(article_page):
    _, html = article_page
    client = Client()
    response = client.post("/report/", {"token": form_token(html), "message": "A typo."}, follow=True)
    assert response.cookies == {} and client.cookies == {}


def test_a_report_without_a_token_from_our_pages_is_refused(db):
    response = Client().post("/report/", {"token": "forged", "message": "Spam."})
    assert response.status_code == 400
    assert "did not come from a page of this site" in response.content.decode()
    assert not ProblemReport.objects.exists()


def test_an_over_long_report_is_refused_and_its_text_kept(article_page):
    _, html = article_page
    text = "x" * (ProblemReport.MAX_LENGTH + 1)
    response = Client().post("/report/", {"token": form_token(html), "message": text})
    assert response.status_code == 400 and text in response.content.decode()
    assert not ProblemReport.objects.exists()


def test_a_flood_from_one_address_is_refused_politely_after_the_limit(article_page):
    _, html = article_page
    token = form_token(html)
    statuses = [
        Client().post("/report/", {"token": token, "message": f"Report {n}."}).status_code
        for n in range(reports.PER_ADDRESS_PER_HOUR + 2)
    ]
    assert statuses == [302] * reports.PER_ADDRESS_PER_HOUR + [429, 429]
    assert ProblemReport.objects.count() == reports.PER_ADDRESS_PER_HOUR


def test_another_address_can_still_report_during_a_flood(article_page):
    _, html = article_page
    token = form_token(html)
    for n in range(reports.PER_ADDRESS_PER_HOUR + 1):
        Client().post("/report/", {"token": token, "message": f"Flood {n}."}, REMOTE_ADDR="10.0.0.9")
    assert Client().post("/report/", {"token": token, "message": "Real."}, REMOTE_ADDR="10.0.0.7").status_code == 302


def test_reports_are_listed_for_publishers(publisher_client, article_page):
    _, html = article_page
    Client().post("/report/", {"token": form_token(html), "message": "The TMS part is out of date."})
    assert "The TMS part is out of date." in publisher_client.get("/admin/articles/problemreport/").content.decode()
    assert "Reports from readers (1 new)" in publisher_client.get("/admin/").content.decode()


def test_editors_do_not_see_reports(editor_client, db):
    assert editor_client.get("/admin/articles/problemreport/").status_code == 403


def test_behind_a_proxy_another_reader_can_still_report_during_a_flood(article_page, settings):
    settings.PROXY_COUNT = 1  # every request comes from nginx at 127.0.0.1
    _, html = article_page
    token = form_token(html)
    for n in range(reports.PER_ADDRESS_PER_HOUR + 1):
        Client().post(
            "/report/",
            {"token": token, "message": f"Flood {n}."},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.9",
        )
    response = Client().post(
        "/report/", {"token": token, "message": "Real."}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert response.status_code == 302
