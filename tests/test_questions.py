"""Questions for your next appointment: a checklist page (Article.kind = "checklist") that is
content like any article (imported, reviewed, restored) but never counted as a part of the guide,
and whose questions are tick boxes made at save time from the sanitized HTML (articles/checklist.py)."""

import html
import io
import re
from html.parser import HTMLParser

import pytest
from admin_forms import decide, edit, reviewed
from django.core.management import call_command
from django.test import Client
from payloads import PAYLOADS, inert_problems
from reversion.models import Version
from test_views import page_text

from articles import attention, content_version
from articles.checklist import add_checkboxes
from articles.importing import ContentError, export_directory, import_directory
from articles.models import Article, PendingChange
from articles.rendering import ALLOWED_TAGS, GlossaryMatcher, Term, render_article, sanitize

QUESTIONS = "/guide/questions-for-your-appointment/"
CHECKBOX = re.compile(r'<input type="checkbox" id="(question-\d+)" autocomplete="off"> <label for="\1">')


def questions_page(guide) -> Article:
    return Article.objects.get(slug="questions-for-your-appointment")


def get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def admin_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


@pytest.fixture
def checklist(make_article):
    """A small live checklist beside two live parts."""
    make_article(title="First part", slug="first", order=1)
    make_article(title="Second part", slug="second", order=2)
    return make_article(
        title="Questions to ask",
        slug="questions",
        order=3,
        kind=Article.Kind.CHECKLIST,
        body="Tick what matters.\n\n## About medicines\n\n- Could augmentation help me?\n- What side effects matter?",
    )


# Importing


def test_the_import_creates_the_questions_page_as_a_checklist(guide):
    assert questions_page(guide).kind == Article.Kind.CHECKLIST


def test_the_shipped_questions_page_claims_no_review(client, guide):
    page = questions_page(guide)
    assert page.reviewed_by is None
    assert "Not yet reviewed by a clinician at this clinic." in get(client, QUESTIONS)


def test_a_part_without_an_order_is_refused_naming_the_file(content_dir, db):
    (content_dir / "articles" / "05-extra.md").write_text("---\ntitle: Extra\nslug: extra\nsummary: S.\n---\nBody.\n")
    with pytest.raises(ContentError) as refused:
        import_directory(content_dir)
    assert refused.value.problems == ["articles/05-extra.md: missing order"]
    assert not Article.objects.exists()


def test_an_unknown_kind_of_page_is_refused_naming_the_file(content_dir, db):
    (content_dir / "articles" / "extra.md").write_text(
        "---\ntitle: Extra\nslug: extra\nsummary: S.\nkind: handout\n---\nBody.\n"
    )
    with pytest.raises(ContentError) as refused:
        import_directory(content_dir)
    assert [p for p in refused.value.problems if p.startswith("articles/extra.md: kind:")] != []
    assert not Article.objects.exists()


def test_export_writes_the_checklist_under_its_slug_and_it_imports_back_unchanged(content_dir, tmp_path, db):
    import_directory(content_dir)
    export_directory(tmp_path / "backup")
    exported = (tmp_path / "backup" / "articles" / "questions-for-your-appointment.md").read_text()
    assert "kind: checklist" in exported
    report = import_directory(tmp_path / "backup")
    assert (report.created, report.updated, report.conflicts) == ([], [], [])


# Never counted as a part


def test_the_home_page_numbers_the_four_parts_and_lists_the_questions_apart(client, guide):
    text = page_text(client.get("/"))
    assert "Part 4" in text and "Part 5" not in text
    assert "To take with you Questions for your next appointment" in text


def test_the_last_part_is_part_4_of_4(client, guide):
    text = page_text(client.get("/guide/the-emotional-weight-of-trd/"))
    assert "Part 4 of 4" in text


def test_the_last_parts_pager_does_not_lead_to_the_questions_page(client, guide):
    content = get(client, "/guide/the-emotional-weight-of-trd/")
    assert 'rel="next"' not in content


def test_the_questions_page_has_no_part_number_and_no_pager(client, guide):
    content = get(client, QUESTIONS)
    assert "Part " not in page_text(client.get(QUESTIONS))
    assert 'class="pager' not in content


def test_a_checklist_between_parts_does_not_break_their_numbering(client, make_article):
    make_article(title="One", slug="one", order=1)
    make_article(title="List", slug="list", order=2, kind=Article.Kind.CHECKLIST, body="- A question?")
    make_article(title="Two", slug="two", order=3)
    text = page_text(client.get("/guide/two/"))
    assert "Part 2 of 2" in text and "Previous One" in text


def test_search_numbers_parts_only(client, guide):
    text = page_text(client.get("/search/?q=insurance"))
    assert "Questions for your next appointment" in text
    assert "Part 5" not in text


def test_nothing_found_lists_the_four_parts_not_the_checklist(client, guide):
    text = page_text(client.get("/search/?q=xylophone"))
    assert "The guide, in 4 parts" in text
    assert "Questions for your next appointment" not in text


def test_the_questions_page_is_in_the_sitemap(client, guide):
    assert QUESTIONS in get(client, "/sitemap.xml")


def test_the_admin_says_a_checklist_is_not_a_part(clinician_client, guide):
    content = get(clinician_client, admin_url(questions_page(guide)))
    assert "A checklist: listed after the guide’s parts, never numbered as a part." in content


def test_a_new_article_will_be_part_5_of_5_not_6(clinician_client, guide):
    assert "Will be Part 5 of 5 when published." in get(clinician_client, "/admin/articles/article/add/")


def test_reordering_moves_parts_past_each_other_never_past_the_checklist(clinician_client, guide):
    last = Article.objects.get(slug="the-emotional-weight-of-trd")
    response = clinician_client.post("/admin/articles/article/", {"_move": f"down:{last.pk}"}, follow=True)
    assert "That article cannot move further." in response.content.decode()
    assert Article.objects.get(pk=last.pk).order == 4


def test_reordering_does_not_renumber_the_checklist(clinician_client, guide):
    first = Article.objects.get(slug="what-is-treatment-resistant-depression")
    before = questions_page(guide).order
    clinician_client.post("/admin/articles/article/", {"_move": f"down:{first.pk}"})
    assert questions_page(guide).order == before
    assert list(Article.objects.parts().values_list("order", flat=True)) == [1, 2, 3, 4]


def test_the_article_list_in_the_admin_offers_no_reorder_buttons_for_the_checklist(clinician_client, guide):
    content = get(clinician_client, "/admin/articles/article/")
    assert f'value="up:{questions_page(guide).pk}"' not in content


# Stored HTML: tick boxes made at save time


def test_every_question_of_the_shipped_page_is_a_tick_box_with_its_label(guide):
    page = questions_page(guide)
    items = [line for line in page.body.splitlines() if line.startswith("- ")]
    boxes = CHECKBOX.findall(page.body_html)
    assert len(boxes) == len(items) >= 20
    assert len(set(boxes)) == len(boxes)


def test_the_questions_come_from_the_content_file(guide):
    html_ = questions_page(guide).body_html
    for question in ["Could augmentation help me?", "Has my diagnosis been checked for bipolar disorder?"]:
        assert f">{question}" in html_.replace("</label>", "")


def test_each_section_of_questions_is_a_group_the_printout_can_leave_out(guide):
    page = questions_page(guide)
    headings = [line for line in page.body.splitlines() if line.startswith("## ")]
    assert page.body_html.count('<div class="question-group">') == len(headings) == 5


def test_the_page_view_does_not_parse_markdown(client, guide, monkeypatch):
    import markdown

    def fail(*args, **kwargs):
        raise AssertionError("markdown parsed on a page view")

    monkeypatch.setattr(markdown.Markdown, "convert", fail)
    assert client.get(QUESTIONS).status_code == 200


def test_a_list_item_in_an_ordinary_article_is_no_tick_box(make_article):
    article = make_article(body="- Could augmentation help me?")
    assert "<input" not in article.body_html and "<li>Could augmentation help me?</li>" in article.body_html


@pytest.mark.parametrize(
    "markup",
    [
        '<input type="checkbox" id="question-1" checked>',
        '<label for="question-1">x</label>',
        '<form action="https://example.com/"><button>Send</button></form>',
        '<input type="text" onfocus="alert(1)" autofocus>',
    ],
)
def test_staff_markdown_cannot_put_a_form_control_in_an_ordinary_article(make_article, markup):
    article = make_article(body=f"Text.\n\n{markup}\n\n- {markup}")
    assert not re.search(r"<(input|label|form|button)\b", article.body_html)


def test_staff_markdown_in_a_checklist_adds_no_control_of_its_own(make_article):
    article = make_article(
        kind=Article.Kind.CHECKLIST,
        body='<input type="text" onfocus="alert(1)">\n\n- Ask <input type="checkbox" checked> this?\n- <form>x</form>',
    )
    assert re.findall(r"<(?:input|label|form|button|textarea|select)\b[^>]*>", article.body_html) == [
        '<input type="checkbox" id="question-1" autocomplete="off">',
        '<label for="question-1">',
        '<input type="checkbox" id="question-2" autocomplete="off">',
        '<label for="question-2">',
    ]


def test_no_payload_of_the_xss_corpus_survives_a_checklist():
    # Once our own tick boxes and labels are taken out, nothing but the sanitizer's allowlist is left.
    ours = re.compile(
        r'<input type="checkbox" id="question-\d+" autocomplete="off">|<label for="question-\d+">|</label>'
    )
    found = {}
    for payload in PAYLOADS:
        rendered = render_article(f"{payload}\n\n- {payload}", checklist=True).html
        problems = inert_problems(ours.sub("", rendered), ALLOWED_TAGS | {"a", "div"})
        if problems:
            found[payload] = problems
    assert found == {}


def test_a_glossary_term_in_a_question_is_not_a_link_but_counts_as_used():
    matcher = GlossaryMatcher([Term("augmentation", ("Augmentation",), "/glossary/augmentation/")])
    rendered = render_article("- Could augmentation help me?", matcher, checklist=True)
    assert "<a " not in rendered.html
    assert rendered.terms_used == {"augmentation": ""}


def test_a_term_used_in_a_question_is_still_linked_where_it_comes_up_in_the_text():
    matcher = GlossaryMatcher([Term("augmentation", ("Augmentation",), "/glossary/augmentation/")])
    rendered = render_article("- Could augmentation help me?\n\nRead about augmentation.", matcher, checklist=True)
    assert rendered.html.count('class="term"') == 1 and "about <a class=" in rendered.html


def test_the_questions_page_explains_the_words_its_questions_use(client, guide):
    text = page_text(client.get(QUESTIONS))
    assert "Words used on this page" in text and "Bipolar disorder" in text.split("Words used on this page")[1]


def test_check_content_asks_for_no_link_in_a_checklist(guide):
    findings = [
        f for f in attention.report() if f.item == "Questions for your next appointment" or "Questions" in f.detail
    ]
    assert findings == []


def test_a_nested_list_stays_a_plain_list_under_its_question():
    out = add_checkboxes(sanitize("<ul><li>Parent?<ul><li>note</li></ul></li></ul>"))
    assert '<label for="question-1">Parent?</label><ul>\n<li>note</li>' in out.replace("<ul><li>", "<ul>\n<li>")
    assert out.count("<input") == 1


def test_an_item_without_words_gets_no_tick_box():
    assert "<input" not in add_checkboxes("<ul>\n<li><hr></li>\n</ul>")


def test_a_loose_lists_paragraphs_go_inside_the_label():
    out = render_article("- One?\n\n- Two?", checklist=True).html
    assert '<label for="question-1">One?</label>' in out and "<p>" not in out


def test_markup_in_a_question_is_kept_inside_its_label():
    out = render_article("- Is *this* & that **ok**?", checklist=True).html
    assert '<label for="question-1">Is <em>this</em> &amp; that <strong>ok</strong>?</label>' in out


def test_a_heading_cannot_take_a_tick_boxs_id():
    out = render_article("## Question 1\n\n- A?", checklist=True).html
    assert out.count('id="question-1"') == 1 and 'id="section-question-1"' in out


# The page: private, no form, its own assets


class _Forms(HTMLParser):
    """The tick boxes and text fields, and whether each is inside a <form>."""

    def __init__(self):
        super().__init__()
        self.depth, self.controls = 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.depth += 1
        elif tag == "input" and dict(attrs).get("type") in ("checkbox", "text"):
            self.controls.append((dict(attrs).get("id"), self.depth > 0))

    def handle_endtag(self, tag):
        if tag == "form":
            self.depth -= 1


def test_no_question_or_own_question_field_is_inside_a_form(client, guide):
    reader = _Forms()
    reader.feed(get(client, QUESTIONS))
    inside = [control for control, in_form in reader.controls if in_form]
    assert len(reader.controls) > 20 and inside == []


def test_the_page_says_nothing_leaves_the_device(client, guide):
    assert "Nothing you tick or type leaves this device or is saved." in page_text(client.get(QUESTIONS))


def test_the_questions_page_sets_no_cookie(client, guide):
    response = client.get(QUESTIONS)
    assert response.cookies == {} and "Set-Cookie" not in response


def test_the_questions_page_loads_its_script_and_stylesheet_and_articles_do_not(client, guide):
    questions = get(client, QUESTIONS)
    article = get(client, "/guide/what-is-treatment-resistant-depression/")
    assert "js/questions.js" in questions and "css/questions.css" in questions
    assert "questions.js" not in article and "questions.css" not in article


def test_the_printout_names_the_site_and_the_pages_address(client, guide, settings):
    assert f"{settings.SITE_NAME} · {settings.SITE_URL}{QUESTIONS}" in html.unescape(get(client, QUESTIONS))


def test_the_questions_page_runs_at_most_3_queries(client, guide, settings, django_assert_max_num_queries):
    settings.CONTENT_VERSION_CHECK_SECONDS = 60  # the once-a-second version check is not what is measured
    content_version.content_version()
    client.get("/search/?q=warm")  # as on a running site: the site settings are read once per content version
    with django_assert_max_num_queries(3):
        assert client.get(QUESTIONS).status_code == 200


def test_the_questions_page_is_light(client, guide):
    from pages import PAGE_BUDGET_BYTES, transferred_size

    total, requests = transferred_size(client, QUESTIONS)
    assert total <= PAGE_BUDGET_BYTES, total
    assert requests == 6  # HTML, site.css and questions.css, site.js and questions.js, the icon


# Linked from every article


def test_every_part_links_the_questions_page(client, guide):
    for part in Article.objects.published().parts():
        text = page_text(client.get(part.get_absolute_url()))
        assert "Questions for your next appointment: Tick the questions you want to ask" in text, part.slug


def test_the_questions_page_does_not_link_itself(client, guide):
    assert 'class="questions-link"' not in get(client, QUESTIONS)


def test_an_unpublished_checklist_is_linked_from_nowhere(client, checklist):
    checklist.status = Article.Status.DRAFT
    checklist.save()
    assert "Questions to ask" not in get(client, "/guide/first/") + get(client, "/")


# Reviewed like any article


@pytest.fixture
def publisher_client(clinician_client):
    """The Publisher is Dr. Rao, a clinician who can record reviews."""
    return clinician_client


def test_an_editors_new_question_waits_for_a_publishers_review(
    editor_client, publisher_client, clinician, checklist, django_capture_on_commit_callbacks
):
    body = checklist.body + "\n- Can I bring someone with me?"
    with django_capture_on_commit_callbacks(execute=True):  # as in production: a commit retires cached pages
        edit(editor_client, admin_url(checklist), button="_submit_review", body=body)
    assert "Can I bring someone with me?" not in get(Client(), checklist.get_absolute_url())

    change = PendingChange.objects.get(article=checklist, state="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        decide(publisher_client, change, **reviewed(clinician))
    live = get(Client(), checklist.get_absolute_url())
    assert '<label for="question-3">Can I bring someone with me?</label>' in live


def test_the_staff_preview_shows_an_editors_new_question_as_a_tick_box(editor_client, checklist):
    edit(editor_client, admin_url(checklist), body=checklist.body + "\n- Can I bring someone with me?")
    change = PendingChange.objects.get(article=checklist)
    preview = get(editor_client, f"/preview/{checklist.slug}/?change={change.pk}")
    assert '<label for="question-3">Can I bring someone with me?</label>' in preview
    assert "js/questions.js" in preview


def test_approval_without_a_review_leaves_the_questions_as_they_were(editor_client, publisher_client, checklist):
    edit(editor_client, admin_url(checklist), button="_submit_review", body=checklist.body + "\n- Unreviewed?")
    decide(publisher_client, PendingChange.objects.get(article=checklist))
    assert "Unreviewed?" not in get(Client(), checklist.get_absolute_url())


def test_an_editor_cannot_make_a_part_a_checklist(editor_client, checklist):
    part = Article.objects.get(slug="first")
    response = edit(editor_client, admin_url(part), kind="checklist")
    assert "Only a Publisher can change type of page" in response.content.decode()
    assert Article.objects.get(pk=part.pk).kind == Article.Kind.PART


def test_restoring_words_from_before_it_was_a_checklist_keeps_it_a_checklist(publisher_client, clinician, make_article):
    page = make_article(title="Questions", body="- One?\n- Two?")  # first a part of the guide
    first = Version.objects.get_for_object(page).last()
    edit(publisher_client, admin_url(page), **reviewed(clinician, kind="checklist", body="- Only one?"))
    edit(publisher_client, f"{admin_url(page)[: -len('change/')]}history/{first.pk}/", **reviewed(clinician))
    restored = Article.objects.get(pk=page.pk)
    assert (restored.kind, restored.body) == (Article.Kind.CHECKLIST, "- One?\n- Two?")
    assert CHECKBOX.findall(restored.body_html) == ["question-1", "question-2"]


def test_a_publisher_can_turn_a_checklist_back_into_a_part(publisher_client, clinician, checklist):
    edit(publisher_client, admin_url(checklist), **reviewed(clinician, kind="part"))
    page = Article.objects.get(pk=checklist.pk)
    assert page.kind == Article.Kind.PART and "<input" not in page.body_html
    assert "Part 3 of 3" in page_text(Client().get(page.get_absolute_url()))


def test_the_rerender_command_keeps_the_tick_boxes(guide):
    call_command("rerender", stdout=io.StringIO())
    assert CHECKBOX.search(questions_page(guide).body_html)
