"""Links that land on the quoted sentence: `#:~:text=` fragments, encoded as the spec asks."""

from urllib.parse import unquote

import pytest

from articles.textfragments import RANGE_WORDS, text_directive, text_fragment_url

URL = "https://news.example.com/a/1?id=7"


def terms(url: str) -> list[str]:
    """The decoded textStart[, textEnd] of a fragment URL."""
    directive = url.split("#:~:text=", 1)[1]
    return [unquote(term) for term in directive.split(",")]


def test_a_short_quote_is_matched_whole_after_the_url():
    url = text_fragment_url(URL, "전력 사용량을 30% 줄인다")
    assert url == (
        "https://news.example.com/a/1?id=7#:~:text="
        "%EC%A0%84%EB%A0%A5%20%EC%82%AC%EC%9A%A9%EB%9F%89%EC%9D%84%2030%25%20"
        "%EC%A4%84%EC%9D%B8%EB%8B%A4"
    )
    assert terms(url) == ["전력 사용량을 30% 줄인다"]


@pytest.mark.parametrize(
    ("character", "encoded"),
    [("-", "%2D"), ("&", "%26"), (",", "%2C"), (" ", "%20"), ("#", "%23"), ("%", "%25")],
)
def test_the_directives_own_syntax_and_spaces_are_percent_encoded(character, encoded):
    directive = text_directive(f"A{character}B")
    assert directive == f"text=A{encoded}B"


def test_nothing_but_unreserved_characters_is_left_unencoded():
    directive = text_directive("Ab09._~ 'x' (y) !*+=/?:;@$")
    value = directive.removeprefix("text=")
    assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~%")
    assert unquote(value) == "Ab09._~ 'x' (y) !*+=/?:;@$"


def test_a_long_quote_is_a_range_of_its_first_and_last_whole_words():
    words = (
        "항구 도시의 작은 도서관은 올해 밤 열 시까지 문을 열기로 했다. 야간 근무를 마친 "
        "주민들이 책을 빌릴 곳이 없다는 요청이 이어졌고, 시의회는 예산을 늘려 사서 두 명을 "
        "새로 뽑는 안을 통과시켰다."
    )
    assert len(words) > 80
    start, end = terms(text_fragment_url(URL, words))
    assert start == " ".join(words.split()[:RANGE_WORDS]) == "항구 도시의 작은 도서관은"
    assert end == " ".join(words.split()[-RANGE_WORDS:]) == "새로 뽑는 안을 통과시켰다."


@pytest.mark.parametrize("ellipsis", ["…", "...", "⋯", " … "])
def test_an_omission_splits_the_quote_into_start_and_end(ellipsis):
    quote = (
        f"지역 주민들은 어장에 미칠 영향을 걱정하며{ellipsis}환경 조사를 먼저 공개하라고 요구했다."
    )
    start, end = terms(text_fragment_url(URL, quote))
    assert start == "지역 주민들은 어장에 미칠"
    assert end == "조사를 먼저 공개하라고 요구했다."
    assert "…" not in start + end and "..." not in start + end


def test_a_leading_or_trailing_ellipsis_is_dropped():
    assert terms(text_fragment_url(URL, "…도서관은 결국 사람의 일...")) == [
        "도서관은 결국 사람의 일"
    ]


def test_the_pages_own_fragment_is_replaced_by_the_quotes():
    url = text_fragment_url("https://news.example.com/a/1#comments", "짧은 인용")
    assert url.startswith("https://news.example.com/a/1#:~:text=")
    assert url.count("#") == 1
    again = text_fragment_url(url, "다른 인용")
    assert terms(again) == ["다른 인용"]


def test_quote_marks_at_the_ends_and_runs_of_spaces_are_not_searched_for():
    assert terms(text_fragment_url(URL, "“  앞뒤\n따옴표  ”")) == ["앞뒤 따옴표"]


def test_a_quote_with_nothing_to_find_links_to_the_page_itself():
    assert text_fragment_url(URL + "#top", "…") == URL
    assert text_fragment_url(URL, "  ") == URL
