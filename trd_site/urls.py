from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from articles.editorial_admin import markdownify_preview
from articles.page_cache import public_page
from articles.sitemaps import SITEMAPS
from articles.views import favicon, healthz, robots_txt

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    # markdownx's own views have no permission check: ours is for staff who edit content, and
    # its image upload view is deliberately not routed (uploads are off).
    path("markdownx/markdownify/", markdownify_preview, name="markdownx_markdownify"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", public_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("articles.urls")),
]

handler403 = "articles.dashboard.permission_denied"
handler500 = "articles.views.server_error"
