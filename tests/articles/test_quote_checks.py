"""Quotes: which paragraphs are quotations (the migration and imports), how a fetched
page becomes text (Korean encodings included), and when each quote counts as found."""

import pytest

from articles.quotes import (
    QuoteStatus,
    check_quotes,
    join_summary,
    quote_paragraph,
    quotes_from_text,
    readable_text,
    split_summary,
    unwrap_quote,
)
from tests.linkserver import ARTICLE_TEXT, CP949_TEXT, EUC_KR_TEXT, html_page

PAGE = (
    "운영사는 “전력 사용량을 지금보다 30% 줄이는 것이 목표”라고 밝혔다. "
    "지역 주민들은 어장에 미칠 영향을 걱정하며, 환경 조사를 먼저 공개하라고 요구했다. "
    '시공사는 "공사는 내년 봄에 시작한다"고 말했다.'
)


def statuses(*quotes: str, page: str | None = PAGE) -> list[str]:
    return [check.status for check in check_quotes(list(quotes), page)]


# Which paragraphs are quotations ---------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "quote"),
    [
        ("“첫째 인용문입니다.”", "첫째 인용문입니다."),
        ('"곧은 따옴표 인용문"', "곧은 따옴표 인용문"),
        ("「낫표 인용문」", "낫표 인용문"),
        (
            "“시장에서는 “전례 없는 속도”라는 말이 나왔다.”",
            "시장에서는 “전례 없는 속도”라는 말이 나왔다.",
        ),
        (
            '“시장에서는 "전례 없는 속도"라는 말이 나왔다.”',
            '시장에서는 "전례 없는 속도"라는 말이 나왔다.',
        ),
        ("“두 줄에 걸친\n인용문”", "두 줄에 걸친 인용문"),
    ],
)
def test_a_paragraph_wholly_in_quote_marks_is_one_quotation(paragraph, quote):
    assert unwrap_quote(paragraph) == quote


@pytest.mark.parametrize(
    "paragraph",
    [
        "“가”라고 말했고 “나”라고 답했다",  # two quotations in the editor's sentence
        "그는 “전력이 먼저”라고 했다.",
        "“닫는 따옴표를 잊은 인용문",
        '"앞" 그리고 "뒤"',
        "따옴표 없는 설명 문단",
    ],
)
def test_prose_with_quotations_in_it_is_not_a_quotation(paragraph):
    assert unwrap_quote(paragraph) is None


def test_a_summary_splits_into_its_quotes_in_order_and_the_editors_words():
    summary = (
        "“첫째 인용문입니다.”\n\n편집자가 정리한 설명입니다.\n\n"
        "「둘째 인용문입니다.」\n\n그는 “짧은 말”이라고 했다."
    )
    assert split_summary(summary) == (
        ["첫째 인용문입니다.", "둘째 인용문입니다."],
        "편집자가 정리한 설명입니다.\n\n그는 “짧은 말”이라고 했다.",
    )
    assert split_summary("") == ([], "")


def test_joining_puts_the_quotes_back_as_quoted_paragraphs_before_the_summary():
    quotes = ["첫째 인용문", "그는 “좋다”고 했다"]
    joined = join_summary(quotes, "내 말로 쓴 요약")
    assert joined == "“첫째 인용문”\n\n“그는 “좋다”고 했다”\n\n내 말로 쓴 요약"
    assert split_summary(joined) == (quotes, "내 말로 쓴 요약")


def test_a_quote_with_unbalanced_marks_is_wrapped_so_that_it_reads_back():
    for quote in ["그는 “좋다", "끝”만 있다", '곧은 "따옴표']:
        assert unwrap_quote(quote_paragraph(quote)) == quote


def test_a_quotes_box_takes_a_quote_per_paragraph_with_or_without_marks():
    typed = "“첫째 인용문”\r\n\r\n따옴표 없이 적은 둘째\n인용문\n\n\n「셋째」\n\n“”"
    assert quotes_from_text(typed) == ["첫째 인용문", "따옴표 없이 적은 둘째 인용문", "셋째", ""]


# Matching ------------------------------------------------------------------------


def test_a_faithful_quote_is_found():
    assert statuses("전력 사용량을 지금보다 30% 줄이는 것이 목표") == [QuoteStatus.FOUND]


def test_spacing_differences_do_not_matter():
    # 띄어쓰기 differs, and a line break sits in the middle.
    assert statuses("전력사용량을 지금보다 30%줄이는\n것이  목표") == [QuoteStatus.FOUND]


def test_quote_mark_styles_do_not_matter():
    assert statuses("시공사는 ‘공사는 내년 봄에 시작한다’고 말했다") == [QuoteStatus.FOUND]


@pytest.mark.parametrize("ellipsis", ["…", "...", "⋯", " … "])
def test_an_ellipsis_may_skip_text_as_long_as_the_fragments_come_in_order(ellipsis):
    quote = f"지역 주민들은{ellipsis}환경 조사를 먼저 공개하라고 요구했다"
    assert statuses(quote) == [QuoteStatus.FOUND]


def test_fragments_out_of_order_are_not_found():
    quote = "환경 조사를 먼저 공개하라고 요구했다…지역 주민들은"
    assert statuses(quote) == [QuoteStatus.NOT_FOUND]


def test_a_changed_word_is_not_found():
    assert statuses("전력 사용량을 지금보다 50% 줄이는 것이 목표") == [QuoteStatus.NOT_FOUND]


def test_an_ellipsis_on_the_page_but_not_in_the_quote_is_forgiven():
    page = "그는 “반도체는... 결국 사람의 일”이라고 했다."
    assert statuses("반도체는 결국 사람의 일", page=page) == [QuoteStatus.FOUND]


def test_full_width_forms_and_letter_case_do_not_matter():
    page = "ＡＩ 반도체 수출이 ３０％ 늘었다"
    assert statuses("AI 반도체 수출이 30% 늘었다", page=page) == [QuoteStatus.FOUND]


def test_without_a_page_every_quote_is_unchecked():
    assert statuses("하나의 인용문입니다.", "또 하나의 인용문.", page=None) == [
        QuoteStatus.UNCHECKED,
        QuoteStatus.UNCHECKED,
    ]


def test_each_quote_is_judged_on_its_own():
    assert statuses(
        "전력 사용량을 지금보다 30% 줄이는 것이 목표", "기사에 없는 말을 지어냈습니다"
    ) == [
        QuoteStatus.FOUND,
        QuoteStatus.NOT_FOUND,
    ]


def test_a_quote_of_nothing_but_an_ellipsis_is_never_found():
    assert statuses("…") == [QuoteStatus.NOT_FOUND]


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
