from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.models import Outlet, OutletDomain, SourceArticle


class OutletDomainInline(admin.TabularInline):
    model = OutletDomain
    extra = 1


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "domain_list"]
    search_fields = ["name", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OutletDomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description=_("도메인"))
    def domain_list(self, outlet: Outlet) -> str:
        return ", ".join(d.domain for d in outlet.domains.all())


@admin.register(SourceArticle)
class SourceArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "outlet", "episode", "position", "url"]
    list_filter = ["outlet"]
    list_select_related = ["outlet", "episode__series"]
    search_fields = ["headline", "url", "outlet__name", "episode__headline"]
    autocomplete_fields = ["episode", "outlet"]
