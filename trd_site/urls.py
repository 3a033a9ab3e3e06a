from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.urls import include, path
from markdownx.views import MarkdownifyView

from articles.views import healthz

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    # markdownx's own views have no permission check: the preview is for staff only,
    # and its image upload view is deliberately not routed (uploads are off).
    path(
        "markdownx/markdownify/",
        staff_member_required(MarkdownifyView.as_view()),
        name="markdownx_markdownify",
    ),
    path("healthz", healthz, name="healthz"),
    path("", include("articles.urls")),
]
handler500 = "articles.views.server_error"
