import functools
import time

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from . import glossary_index, reports, reviews, share, workflow
from . import search as searching
from .models import Article, GlossaryTerm, OldSlug, PendingChange
from .page_cache import public_page


def safe_methods_only(view):
    """GET and HEAD only (405 otherwise, CSRF cookie or not): the view changes nothing."""
    return csrf_exempt(require_safe(view))


def guide_pages() -> tuple[list[Article], list[Article]]:
    """The published parts of the guide, in order, and the checklists that stand beside them (one query)."""
    pages = list(Article.objects.published().only("title", "slug", "summary", "order", "word_count", "kind"))
    return [p for p in pages if not p.is_checklist], [p for p in pages if p.is_checklist]


@public_page
def article_list(request):
    parts, checklists = guide_pages()
    return render(request, "articles/article_list.html", {"articles": parts, "checklists": checklists})


@public_page
def article_detail(request, slug):
    article = Article.objects.published().filter(slug=slug).first()
    if article is None:
        return redirect_old_slug(slug, "article")
    return article_page(request, article)


def previewed_change(request):
    """The pending change named by ?change=N (open ones only), for the staff previews."""
    number = request.GET.get("change", "")
    if not number.isdigit():
        return None
    return PendingChange.objects.filter(pk=number, state__in=PendingChange.OPEN_STATES).first()


def staff_only(view):
    """A staff page that answers 404 to anyone else: a redirect to sign in would show where the admin lives.
    The CSRF check runs after that test, so a stranger's POST gets the same 404, not a telling 403."""
    protected = csrf_protect(view)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise Http404
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapped)


@staff_only
@permission_required("articles.change_article", raise_exception=True)
@never_cache
def article_preview(request, slug):
    """Any article, draft or scheduled, exactly as patients will see it, or as they will once a
    pending change (?change=N, of this article or of a term it uses) is approved: for staff only."""
    change = previewed_change(request)
    article, replaced_terms = workflow.article_with_change(get_object_or_404(Article, slug=slug), change)
    return article_page(request, article, preview=True, change=change, replaced_terms=replaced_terms)


@staff_only
@permission_required("articles.change_glossaryterm", raise_exception=True)
@never_cache
def term_preview(request, slug):
    """A term, draft or live, as patients will see it (with ?change=N: once the change is approved)."""
    term = get_object_or_404(GlossaryTerm, slug=slug)
    change = previewed_change(request)
    if change is not None and change.term_id == term.pk:
        term = workflow.proposed_item(change)
    return term_page(request, term, preview=True, change=change)


def article_page(request, article, preview=False, change=None, replaced_terms=None):
    parts, checklists = guide_pages()
    index = next((i for i, part in enumerate(parts) if part.pk == article.pk), None)
    share_url = settings.SITE_URL + article.get_absolute_url()
    terms_used = GlossaryTerm.objects.published().filter(slug__in=article.term_anchors)
    terms_used = terms_used.only("term", "slug", "aliases", "definition")
    if replaced_terms:
        terms_used = {
            t.slug: t for t in [*terms_used, *replaced_terms.values()] if t.slug in article.term_anchors
        }.values()
    context = {
        "article": article,
        "preview": preview,
        "change": change,
        "review": reviews.public_review(article),
        "page_title": article.title,
        "page_description": article.summary,
        "share_url": share_url,
        "qr_code": share.qr_svg(share_url),
        "words_used": glossary_index.words_used(article.body_html, terms_used),
        "report_token": reports.token_for(article.get_absolute_url()),
        "checklists": [page for page in checklists if page.pk != article.pk],
    }
    if index is not None:
        context.update(
            part_number=index + 1,
            part_count=len(parts),
            previous=parts[index - 1] if index > 0 else None,
            next=parts[index + 1] if index + 1 < len(parts) else None,
        )
    template = "articles/checklist_detail.html" if article.is_checklist else "articles/article_detail.html"
    return render(request, template, context)


def redirect_old_slug(slug, owner):
    """A slug an article or term used to have answers 301 to where it lives now."""
    old = OldSlug.objects.filter(**{f"{owner}__isnull": False}, slug=slug).select_related(owner).first()
    if old is None or not getattr(old, owner).is_visible:
        raise Http404
    return redirect(getattr(old, owner), permanent=True)


@public_page(query={"q": searching.clean_query})
def search(request):
    found = searching.search(request.GET.get("q", ""))
    title = f"Search: {found.query}" if found.query else "Search"
    context = {
        "found": found,
        "query": found.query,
        "results": found.results,
        "page_title": title,
        "did_you_mean_url": searching.search_url(found.did_you_mean) if found.did_you_mean else "",
    }
    return render(request, "search/results.html", context)


@csrf_exempt  # no cookie for readers: the form's signed token does the CSRF check's job (reports.py)
@require_POST
def report_problem(request):
    token = request.POST.get("token", "")
    try:
        reports.save(request, token, request.POST.get("message", ""))
    except reports.Refused as refused:
        context = {
            "refused": str(refused),
            "page_title": "Report not sent",
            "report_message": request.POST.get("message", ""),
        }
        if refused.can_retry:
            context["report_token"] = token
        return render(request, "reports/result.html", context, status=refused.status)
    return redirect(reverse("articles:report_thanks") + "?" + urlencode({"from": reports.path_from(token)}))


@safe_methods_only
def report_thanks(request):
    back = request.GET.get("from", "")
    back = back if back.startswith("/") and not back.startswith("//") else ""
    return render(request, "reports/result.html", {"back": back, "page_title": "Thank you"})


@safe_methods_only
def robots_txt(request):
    # The admin's address is not listed: a custom DJANGO_ADMIN_URL stays unpublished (its pages
    # carry their own noindex).
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('articles:search')}",
        "Disallow: /preview/",
        "Disallow: /markdownx/",
        f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@public_page
def term_list(request):
    terms = GlossaryTerm.objects.published().only("term", "slug", "aliases", "definition")
    context = {
        "letters": glossary_index.index_letters(terms),
        "page_title": "Glossary",
        "page_description": "Plain-language explanations of the words used in the guide to treatment-resistant depression.",
    }
    return render(request, "glossary/term_list.html", context)


@public_page
def term_detail(request, slug):
    term = GlossaryTerm.objects.published().filter(slug=slug).select_related("reviewed_by__staff_profile").first()
    if term is None:
        return redirect_old_slug(slug, "term")
    return term_page(request, term)


def term_page(request, term, preview=False, change=None):
    share_url = settings.SITE_URL + term.get_absolute_url()
    appearances = [
        (article, article.term_anchors[term.slug])
        for article in Article.objects.published()
        .filter(term_anchors__has_key=term.slug)
        .only("title", "slug", "term_anchors")
    ]
    context = {
        "term": term,
        "appearances": appearances,
        "preview": preview,
        "change": change,
        "review": reviews.public_review(term),
        "report_token": reports.token_for(term.get_absolute_url()),
        "share_url": share_url,
        "qr_code": share.qr_svg(share_url),
        "page_title": term.term,
        "page_description": term.definition,
    }
    return render(request, "glossary/term_detail.html", context)


@safe_methods_only
def favicon(request):
    # Resolved per request: the hashed name exists only after collectstatic.
    return redirect(static("img/favicon.svg"), permanent=True)


@safe_methods_only
def healthz(request):
    """For load balancers and monitoring, over plain HTTP too: 200 while the database answers
    (pages are served without the cache if it is down), 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "unavailable"
    token = str(time.monotonic_ns())
    cache.set("healthz", token, timeout=10)
    page_cache = "ok" if cache.get("healthz") == token else "unavailable"
    body = f"database: {database}\ncache: {page_cache}\n"
    return HttpResponse(body, status=200 if database == "ok" else 503, content_type="text/plain")


def server_error(request):
    # No database access of its own: the error may be the database itself. (The crisis help's settings
    # fall back to the last known values or the defaults when the database cannot be read.)
    return render(request, "500.html", status=500)
