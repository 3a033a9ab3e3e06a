"""What needs attention: one test per finding of check_content; link checks against a local server only."""

import datetime
import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles import attention, linkcheck
from articles.models import Article, GlossaryTerm

SOURCE = {"title": "A source", "publisher": "NIMH", "url": "https://www.nimh.nih.gov/x", "accessed": "2026-11-01"}


class Handler(BaseHTTPRequestHandler):
    active = 0
    most = 0
    hits: list[str] = []
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):
        with type(self).lock:
            type(self).hits.append(self.path)
        self.answer()

    def busy(self):
        """Work for a while, counting how many requests are being worked on at once. The count drops
        before the answer is sent: the checker may send its next request as soon as it has one."""
        cls = type(self)
        with cls.lock:
            cls.active += 1
            cls.most = max(cls.most, cls.active)
        time.sleep(0.3)
        with cls.lock:
            cls.active -= 1

    def answer(self):
        port = self.server.server_address[1]
        if self.path == "/ok" or self.path.startswith("/busy"):
            if self.path.startswith("/busy"):
                self.busy()
            self.send(200, b"fine")
        elif self.path == "/missing":
            self.send(404, b"not here")
        elif self.path == "/error":
            self.send(500, b"broken")
        elif self.path == "/slow":
            time.sleep(3)
            self.send(200, b"late")
        elif self.path == "/loop":
            self.redirect("/loop")
        elif self.path == "/away":
            self.redirect(f"http://localhost:{port}/ok")
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(50 * 1024):
                    self.wfile.write(b"x" * 1024)
            except OSError:
                pass  # the checker stopped reading, as it should

    def send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server():
    Handler.hits, Handler.most, Handler.active = [], 0, 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def check(url, timeout=2.0):
    return linkcheck.check_urls([url], timeout=timeout, use_cache=False)[url]


# External links


def test_a_working_address_passes(server):
    assert check(server + "/ok").ok


def test_a_missing_page_is_reported(server):
    assert check(server + "/missing").detail == "answers 404"


def test_a_server_error_is_reported(server):
    assert check(server + "/error").detail == "answers 500"


def test_a_dead_host_is_reported(db):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = check(f"http://127.0.0.1:{port}/")
    assert not result.ok and result.detail.startswith("could not connect")


def test_a_slow_host_is_a_timeout_not_a_hang(server):
    started = time.monotonic()
    result = check(server + "/slow", timeout=0.5)
    assert result.detail == "no answer within 0.5 seconds"
    assert time.monotonic() - started < 2.5


def test_a_redirect_loop_is_reported(server):
    assert check(server + "/loop").detail == "redirects in a loop"


def test_a_redirect_to_another_host_is_reported(server):
    assert check(server + "/away").detail.startswith("redirects to another site: http://localhost:")


def test_a_huge_response_is_read_only_in_part(server):
    started = time.monotonic()
    assert check(server + "/huge").ok
    assert time.monotonic() - started < 2


def test_one_host_gets_at_most_two_requests_at_a_time(server):
    linkcheck.check_urls([f"{server}/busy{n}" for n in range(8)], use_cache=False)
    assert Handler.most == linkcheck.PER_HOST


def test_a_recent_result_is_not_fetched_again(server):
    linkcheck.check_urls([server + "/ok"])
    linkcheck.check_urls([server + "/ok"])
    assert Handler.hits == ["/ok"]


def test_a_failing_source_is_reported_with_its_page(server, make_article):
    make_article(title="Options", sources=[{**SOURCE, "url": server + "/missing"}])
    findings = attention.report(check_links=True)
    assert attention.Finding("Link fails", "Options", f"{server}/missing: answers 404") in findings


def test_a_failing_link_in_the_text_is_reported(server, make_article):
    make_article(title="Options", body=f"See [this]({server}/error).", sources=[SOURCE])
    assert any(f.kind == "Link fails" and "/error" in f.detail for f in attention.report(check_links=True))


def test_the_report_without_network_uses_only_cached_results(server, make_article):
    make_article(title="Options", sources=[{**SOURCE, "url": server + "/missing"}])
    assert not any(f.kind == "Link fails" for f in attention.report(check_links=False))
    assert Handler.hits == []


# Reviews, sources, links inside the guide, terms, reading level


def test_an_overdue_review_is_reported(make_article):
    make_article(title="Stale", next_review_due=timezone.localdate() - datetime.timedelta(days=1))
    assert any(f.kind == "Review overdue" and f.item == "Stale" for f in attention.report())


def test_a_review_due_within_30_days_is_reported(make_article):
    make_article(title="Soon", next_review_due=timezone.localdate() + datetime.timedelta(days=20))
    assert any(f.kind == "Review due soon" and f.item == "Soon" for f in attention.report())


def test_an_item_without_sources_is_reported(make_article):
    make_article(title="Unsourced")
    assert (
        attention.Finding("No sources", "Unsourced", "add at least one source a reader can check") in attention.report()
    )


def test_an_internal_link_to_an_unpublished_article_is_reported(make_article):
    make_article(slug="draft-one", status=Article.Status.DRAFT, published_at=None)
    make_article(title="Linker", body="See [the draft](/guide/draft-one/).", sources=[SOURCE])
    assert any(f.kind == "Broken internal link" and f.item == "Linker" for f in attention.report())


def test_a_term_used_but_never_linked_is_reported(make_article, make_term):
    make_term("Ketamine", sources=[SOURCE])
    make_article(body="## Ketamine\n\nNothing else here.", sources=[SOURCE])
    assert any(f.kind == "Term used but not linked" and f.item == "Ketamine" for f in attention.report())


def test_a_term_used_nowhere_is_reported(make_article, make_term):
    make_term("Insomnia", sources=[SOURCE])
    make_article(body="Sleep matters.", sources=[SOURCE])
    assert attention.Finding("Term used nowhere", "Insomnia", "no published article uses it") in attention.report()


def test_an_alias_two_terms_share_is_reported(make_term):
    make_term("Ketamine", sources=[SOURCE])
    other = make_term("Esketamine", sources=[SOURCE])
    GlossaryTerm.objects.filter(pk=other.pk).update(aliases=["ketamine"])  # as an old import could leave it
    assert any(f.kind == "Alias shared" and f.item == "Esketamine" for f in attention.report())


def test_an_everyday_word_as_alias_is_reported(make_term):
    make_term("Trauma-informed care", aliases=["care"], sources=[SOURCE])
    assert any(f.kind == "Alias is a common word" and "“care”" in f.detail for f in attention.report())


def test_hard_reading_is_reported(make_article):
    make_article(
        title="Dense",
        sources=[SOURCE],
        body="Pharmacological augmentation necessitates comprehensive "
        "multidisciplinary consideration of concomitant psychopathological comorbidities.",
    )
    assert any(f.kind == "Hard to read" and f.item == "Dense" for f in attention.report())


# The command and the staff home


def test_check_content_exits_1_listing_what_needs_attention(make_article):
    make_article(title="Unsourced")
    out = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("check_content", "--no-network", stdout=out, stderr=io.StringIO())
    assert stopped.value.code == 1
    assert "No sources: Unsourced: add at least one source a reader can check" in out.getvalue()


def test_check_content_exits_0_when_all_is_well(make_article):
    make_article(title="Fine", body="Short. Clear.", sources=[SOURCE])
    out = io.StringIO()
    call_command("check_content", "--no-network", stdout=out)
    assert "Nothing needs attention." in out.getvalue()


def test_the_staff_home_shows_what_needs_attention(publisher_client, make_article):
    make_article(title="Unsourced")
    html = publisher_client.get("/admin/").content.decode()
    assert "Needs attention (1)" in html and "add at least one source a reader can check" in html
