"""Reading public pages the way a reader sees them: the links each list shows, in order."""

from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Links(HTMLParser):
    """Every <a href> with the classes of the link itself and of its open ancestors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, set[str]]] = []
        self.links: list[tuple[str, set[str], set[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "a" and "href" in attrs:
            around = set().union(*(c for _t, c in self.open)) if self.open else set()
            self.links.append((attrs["href"], classes, around))
        if tag not in _VOID:
            self.open.append((tag, classes))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                del self.open[depth:]
                return


def links(html: str, *, link_class: str | None = None, inside: str | None = None) -> list[str]:
    """The hrefs of links with class `link_class` inside an element with class `inside`."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    return [
        href
        for href, classes, around in parser.links
        if (link_class is None or link_class in classes) and (inside is None or inside in around)
    ]


def episode_links(html: str) -> list[str]:
    """The episodes a list page shows (includes/episode_list.html), in page order."""
    return links(html, link_class="episode-card-title", inside="episode-list")


def series_links(html: str) -> list[str]:
    """The series the series list shows, in page order."""
    return links(html, inside="series-list")


def search_result_links(html: str) -> list[str]:
    """The episodes a search found, in page order."""
    return links(html, link_class="search-result-title", inside="search-results")


class _FormFields(HTMLParser):
    """What a browser would send for one <form>: its fields' current values."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: dict[str, list[str]] = {}
        self.textarea: str | None = None
        self.text: list[str] = []
        self.select: str | None = None

    def _add(self, name: str, value: str) -> None:
        if "__prefix__" not in name:  # an inline's template for new rows, not a row
            self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
            return
        if not self.in_form or not attrs.get("name"):
            if tag == "option" and self.select and "selected" in attrs:
                self._add(self.select, attrs.get("value") or "")
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._add(name, attrs.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self.textarea, self.text = name, []
        elif tag == "select":
            self.select = name

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            # Browsers drop the newline right after <textarea> (Django writes one).
            self._add(self.textarea, "".join(self.text).removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_fields(html: str, form_id: str) -> dict[str, str | list[str]]:
    """The fields of the form with this id as a browser would submit them (no buttons)."""
    parser = _FormFields(form_id)
    parser.feed(html)
    parser.close()
    return {
        name: values[0] if len(values) == 1 else values for name, values in parser.fields.items()
    }
