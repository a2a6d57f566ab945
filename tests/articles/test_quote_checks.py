"""Quote checks: which parts of a summary are quotes, how a fetched page becomes
text (Korean encodings included), and when a quote counts as found."""

import pytest

from articles.quotes import QuoteStatus, check_quotes, extract_quotes, readable_text
from tests.linkserver import ARTICLE_TEXT, CP949_TEXT, EUC_KR_TEXT, html_page

PAGE = (
    "운영사는 “전력 사용량을 지금보다 30% 줄이는 것이 목표”라고 밝혔다. "
    "지역 주민들은 어장에 미칠 영향을 걱정하며, 환경 조사를 먼저 공개하라고 요구했다. "
    '시공사는 "공사는 내년 봄에 시작한다"고 말했다.'
)


def statuses(summary: str, page: str | None = PAGE) -> list[str]:
    return [check.status for check in check_quotes(summary, page)]


# Finding the quotes ------------------------------------------------------------


def test_curly_and_straight_quotes_are_each_one_excerpt_in_order():
    summary = '“첫째 인용문입니다.”\n\n앞말 "둘째 인용문입니다" 뒷말 “셋째 인용문입니다.”'
    assert extract_quotes(summary) == [
        "첫째 인용문입니다.",
        "둘째 인용문입니다",
        "셋째 인용문입니다.",
    ]


def test_straight_quotes_inside_a_curly_quote_belong_to_it():
    summary = '“시장에서는 "전례 없는 속도"라는 말이 나왔다.”'
    assert extract_quotes(summary) == ['시장에서는 "전례 없는 속도"라는 말이 나왔다.']


def test_a_quote_left_open_runs_to_the_end_of_its_paragraph():
    summary = "“닫는 따옴표를 잊은 인용문\n\n따옴표 없는 설명 문단"
    assert extract_quotes(summary) == ["닫는 따옴표를 잊은 인용문"]


def test_scare_quotes_and_plain_paragraphs_are_not_excerpts():
    assert extract_quotes("이른바 “AI” 열풍에 대한 편집자 설명입니다.") == []


def test_markdown_emphasis_and_links_do_not_count_as_quoted_text():
    summary = "“전력 사용량을 **지금보다** 30% [줄이는](https://example.com) 것이 목표”"
    assert extract_quotes(summary) == ["전력 사용량을 지금보다 30% 줄이는 것이 목표"]


# Matching ------------------------------------------------------------------------


def test_a_faithful_quote_is_found():
    assert statuses("“전력 사용량을 지금보다 30% 줄이는 것이 목표”") == [QuoteStatus.FOUND]


def test_spacing_differences_do_not_matter():
    # 띄어쓰기 differs, and a line break sits in the middle.
    assert statuses("“전력사용량을 지금보다 30%줄이는\n것이  목표”") == [QuoteStatus.FOUND]


def test_quote_mark_styles_do_not_matter():
    assert statuses("“시공사는 ‘공사는 내년 봄에 시작한다’고 말했다”") == [QuoteStatus.FOUND]


@pytest.mark.parametrize("ellipsis", ["…", "...", "⋯", " … "])
def test_an_ellipsis_may_skip_text_as_long_as_the_fragments_come_in_order(ellipsis):
    quote = f"“지역 주민들은{ellipsis}환경 조사를 먼저 공개하라고 요구했다”"
    assert statuses(quote) == [QuoteStatus.FOUND]


def test_fragments_out_of_order_are_not_found():
    quote = "“환경 조사를 먼저 공개하라고 요구했다…지역 주민들은”"
    assert statuses(quote) == [QuoteStatus.NOT_FOUND]


def test_a_changed_word_is_not_found():
    assert statuses("“전력 사용량을 지금보다 50% 줄이는 것이 목표”") == [QuoteStatus.NOT_FOUND]


def test_an_ellipsis_on_the_page_but_not_in_the_quote_is_forgiven():
    page = "그는 “반도체는... 결국 사람의 일”이라고 했다."
    assert statuses("“반도체는 결국 사람의 일”", page) == [QuoteStatus.FOUND]


def test_full_width_forms_and_letter_case_do_not_matter():
    page = "ＡＩ 반도체 수출이 ３０％ 늘었다"
    assert statuses("“AI 반도체 수출이 30% 늘었다”", page) == [QuoteStatus.FOUND]


def test_without_a_page_every_quote_is_unchecked():
    assert statuses("“하나의 인용문입니다.”\n\n“또 하나의 인용문.”", None) == [
        QuoteStatus.UNCHECKED,
        QuoteStatus.UNCHECKED,
    ]


def test_each_quote_is_judged_on_its_own():
    summary = "“전력 사용량을 지금보다 30% 줄이는 것이 목표”\n\n“기사에 없는 말을 지어냈습니다”"
    assert statuses(summary) == [QuoteStatus.FOUND, QuoteStatus.NOT_FOUND]


# Page text -------------------------------------------------------------------------


def test_scripts_styles_and_tags_are_stripped_and_entities_decoded():
    text, codec = readable_text(
        html_page("남해안 데이터센터", ARTICLE_TEXT).encode(), "text/html; charset=utf-8",
        max_chars=10_000,
    )  # fmt: skip
    assert codec == "utf-8"
    assert ARTICLE_TEXT in text and "© 가상일보" in text
    assert "스크립트" not in text and "color" not in text and "<p>" not in text


def test_an_euc_kr_page_is_decoded_by_its_header():
    body = html_page("해저 케이블", EUC_KR_TEXT).encode("euc-kr")
    text, codec = readable_text(body, "text/html; charset=EUC-KR", max_chars=10_000)
    assert EUC_KR_TEXT in text and codec == "cp949"


def test_an_euc_kr_page_is_decoded_by_its_meta_tag():
    body = html_page("해저 케이블", EUC_KR_TEXT, meta_charset="euc-kr").encode("euc-kr")
    text, _codec = readable_text(body, "text/html", max_chars=10_000)
    assert EUC_KR_TEXT in text


def test_a_page_labelled_euc_kr_may_use_code_page_949_syllables():
    body = html_page("이름들", CP949_TEXT, meta_charset="euc-kr").encode("cp949")
    text, _codec = readable_text(body, "text/html", max_chars=10_000)
    assert CP949_TEXT in text


def test_an_undeclared_korean_page_falls_back_from_utf_8_to_cp949():
    body = html_page("해저 케이블", EUC_KR_TEXT).encode("euc-kr")
    text, codec = readable_text(body, "text/html", max_chars=10_000)
    assert EUC_KR_TEXT in text and codec == "cp949"


def test_a_wrong_declared_charset_falls_back_to_what_decodes():
    body = html_page("해저 케이블", EUC_KR_TEXT).encode("utf-8")
    text, _codec = readable_text(body, "text/html; charset=no-such-charset", max_chars=10_000)
    assert EUC_KR_TEXT in text


def test_the_kept_text_is_capped():
    body = html_page("긴 기사", "가" * 5_000).encode()
    text, _codec = readable_text(body, "text/html", max_chars=1_000)
    assert len(text) == 1_000


def test_a_document_that_is_not_text_gives_no_text():
    assert readable_text(b"%PDF-1.4", "application/pdf", max_chars=1_000) is None
