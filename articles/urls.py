from django.urls import path

from . import views

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("guide/<slug:slug>/", views.article_detail, name="article_detail"),
    path("preview/<slug:slug>/", views.article_preview, name="article_preview"),
    path("preview/glossary/<slug:slug>/", views.term_preview, name="term_preview"),
    path("search/", views.search, name="search"),
    path("report/", views.report_problem, name="report_problem"),
    path("report/thanks/", views.report_thanks, name="report_thanks"),
    path("glossary/", views.term_list, name="term_list"),
    path("glossary/<slug:slug>/", views.term_detail, name="term_detail"),
]
