from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Article, GlossaryTerm


def guide_parts():
    return list(Article.objects.published().only("title", "slug", "summary", "order", "word_count"))


def article_list(request):
    return render(request, "articles/article_list.html", {"articles": guide_parts()})


def article_detail(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    parts = guide_parts()
    index = next(i for i, part in enumerate(parts) if part.pk == article.pk)
    context = {
        "article": article,
        "part_number": index + 1,
        "part_count": len(parts),
        "previous": parts[index - 1] if index > 0 else None,
        "next": parts[index + 1] if index + 1 < len(parts) else None,
        "terms_used": GlossaryTerm.objects.filter(slug__in=article.term_anchors).only("term", "slug", "definition"),
    }
    return render(request, "articles/article_detail.html", context)


def term_list(request):
    terms = GlossaryTerm.objects.only("term", "slug", "definition")
    letters: dict[str, list] = {}
    for term in terms:
        letter = term.term[:1].upper()
        letters.setdefault(letter if letter.isalpha() else "#", []).append(term)
    return render(request, "glossary/term_list.html", {"letters": sorted(letters.items())})


def term_detail(request, slug):
    term = get_object_or_404(GlossaryTerm, slug=slug)
    appearances = [
        (article, article.term_anchors[term.slug])
        for article in Article.objects.published().filter(term_anchors__has_key=term.slug).only(
            "title", "slug", "term_anchors"
        )
    ]
    return render(request, "glossary/term_detail.html", {"term": term, "appearances": appearances})


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request):
    # No database access here: the error may be the database itself.
    return render(request, "500.html", status=500)
