"""A corpus of Korean search queries as readers type them, written for this project.

Each pair is (what a reader types, the word they mean, folded). Used by
tests/test_search_particles.py (the particle list must recover every word
here) and by bench/compare_particles.py (the particle list against a
morphological analyser, for docs/search.md).
"""

# One particle or ending after a noun.
WITH_PARTICLE = [
    ("한국을", "한국"),
    ("도서관을", "도서관"),
    ("워터마크를", "워터마크"),
    ("배달앱의", "배달앱"),
    ("딥페이크를", "딥페이크"),
    ("반도체는", "반도체"),
    ("데이터센터에서", "데이터센터"),
    ("규제로", "규제"),
    ("저작권과", "저작권"),
    ("전력이", "전력"),
    ("인재가", "인재"),
    ("로봇처럼", "로봇"),
    ("교과서까지", "교과서"),
    ("올해부터", "올해"),
    ("정부에게", "정부"),
    ("플랫폼으로", "플랫폼"),
    ("개인정보만", "개인정보"),
    ("검색엔진보다", "검색엔진"),
    ("클라우드와", "클라우드"),
    ("자율주행차를", "자율주행차"),
    ("오픈소스라는", "오픈소스"),
    ("AI가", "ai"),
    ("AI를", "ai"),
    ("챗봇이랑", "챗봇"),
    ("배터리마저", "배터리"),
    ("통신사조차", "통신사"),
    ("교육이다", "교육"),
    ("투자했다", "투자"),
    ("규제하는", "규제"),
    ("학교마다", "학교"),
    ("병원밖에", "병원"),
    ("편집자께서", "편집자"),
    ("뉴스레터든", "뉴스레터"),
    ("번역기나", "번역기"),
    ("선거에", "선거"),
    ("농업도", "농업"),
    ("광고를", "광고"),
    ("게임은", "게임"),
    ("서울시의", "서울시"),
    ("국회가", "국회"),
    ("중국과", "중국"),
    ("일본으로", "일본"),
    ("미국이", "미국"),
    ("기자들", "기자"),
    ("데이터센터엔", "데이터센터"),
    ("학교에선", "학교"),
    ("기술이었다", "기술"),
    ("문제였다", "문제"),
]

# Two particles stacked, or a plural before the particle.
STACKED = [
    ("기업에서도", "기업"),
    ("금융에서의", "금융"),
    ("의료에는", "의료"),
    ("도시로는", "도시"),
    ("스마트폰으로도", "스마트폰"),
    ("배달앱에서만", "배달앱"),
    ("스타트업들이", "스타트업"),
    ("학생들은", "학생"),
    ("생성형AI의", "생성형ai"),
]

# Words that end like a particle but are whole words: never cut when the text
# has them as typed (the rule in columns.search.resolve, whatever the method).
WHOLE_WORDS = [
    "고양이",
    "한국",
    "나이",
    "거리",
    "기도",
    "가지",
    "아이",
    "사과",
    "바다",
    "도로",
    "하나",
    "마을",
]
