from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from columns.media import serve_media
from columns.seo import robots_txt
from columns.sitemaps import sitemap_view
from columns.views import favicon

admin.site.site_header = "연재 관리"
admin.site.site_title = "연재 관리"
admin.site.index_title = "편집실"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap_view, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("columns.urls")),
    path("", include("newsletter.urls")),
]

if settings.MEDIA_SERVE:
    # The embedded setup serves uploads itself (columns.media); production may
    # leave this to a reverse proxy or an S3 store.
    urlpatterns.insert(
        0, path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media, name="media")
    )
