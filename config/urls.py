from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from columns.seo import robots_txt
from columns.sitemaps import SITEMAPS

admin.site.site_header = "연재 관리"
admin.site.site_title = "연재 관리"
admin.site.index_title = "편집실"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("", include("columns.urls")),
    path("", include("newsletter.urls")),
]
