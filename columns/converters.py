class UnicodeSlugConverter:
    """Like Django's `slug` converter, but Korean slugs (allow_unicode=True) match too."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
