"""Shared test texts: real-looking multilingual sentences and the edge cases that break tokenizers.

``MULTILINGUAL`` holds ordinary prose in many scripts plus source-code snippets; ``EDGE_CASES``
holds the inputs that tend to expose differences between implementations (whitespace, Unicode
normalization traps, emoji sequences, control characters, very long words, ...). ``ALL`` is both.

No entry contains a lone surrogate: those cannot be encoded as UTF-8 and are tested separately.
"""

from __future__ import annotations

__all__ = ["MULTILINGUAL", "EDGE_CASES", "ALL"]

ENGLISH = [
    "The quick brown fox jumps over the lazy dog.",
    "I went to the market yesterday, but they'd already sold out of fresh bread.",
    "Dr. Smith's lecture on quantum computing starts at 9:30 a.m. in Room 204.",
    "She said, \"It's not about winning; it's about how you play the game.\"",
]

GERMAN = [
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Die Straße war nach dem Gewitter völlig überflutet, also fuhren wir zurück.",
    "Können Sie mir bitte sagen, wie ich zum Hauptbahnhof komme?",
    "Donaudampfschifffahrtsgesellschaftskapitänsmütze ist ein sehr langes Wort.",
]

SPANISH = [
    "El rápido zorro marrón salta sobre el perro perezoso.",
    "¿Dónde está la biblioteca? Necesito devolver estos libros antes del viernes.",
    "¡Qué alegría verte de nuevo! Mañana vamos a la playa con los niños.",
]

FRENCH = [
    "Le renard brun rapide saute par-dessus le chien paresseux.",
    "L'été dernier, nous sommes allés à Besançon pour voir nos grands-parents.",
    "Où est la gare ? Je dois prendre le train de 18 h 45 pour Lyon.",
    "Il a répondu : « Ça ne me dérange pas du tout, c'est déjà oublié. »",
]

RUSSIAN = [
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Москва — столица России, и в ней живёт более двенадцати миллионов человек.",
    "Я не знаю, что сказать; всё это слишком неожиданно.",
]

GREEK = [
    "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο.",
    "Ο Σωκράτης δίδαξε στην Αθήνα τον πέμπτο αιώνα π.Χ.",
    "Καλημέρα σας! Πώς είστε σήμερα;",
]

ARABIC = [
    "الثعلب البني السريع يقفز فوق الكلب الكسول.",
    "ذهبت إلى المكتبة أمس لأستعير كتابًا عن تاريخ الأندلس.",
    "مرحبًا بكم في القاهرة، عاصمة جمهورية مصر العربية.",
]

HEBREW = [
    "השועל החום המהיר קופץ מעל הכלב העצלן.",
    "ירושלים היא עיר עתיקה עם היסטוריה של אלפי שנים.",
    "שלום, מה שלומך היום?",
]

HINDI = [
    "तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है।",
    "भारत एक विशाल देश है जिसमें अनेक भाषाएँ बोली जाती हैं।",
    "क्या आप मुझे स्टेशन का रास्ता बता सकते हैं?",
]

THAI = [
    "สุนัขจิ้งจอกสีน้ำตาลกระโดดข้ามสุนัขขี้เกียจ",
    "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
    "วันนี้อากาศดีมาก เราไปเที่ยวทะเลกันเถอะ",
]

CHINESE = [
    "敏捷的棕色狐狸跳过了那只懒狗。",
    "北京是中华人民共和国的首都，有着三千多年的历史。",
    "我今天早上喝了一杯咖啡，然后去图书馆看书。",
    "這是一個繁體中文的句子，用來測試分詞器。",
]

JAPANESE = [
    "素早い茶色の狐がのろまな犬を飛び越える。",
    "東京は日本の首都であり、世界最大級の都市圏です。",
    "今日はとても暑いですね。アイスクリームを食べに行きましょう！",
    "ｶﾀｶﾅの半角文字とカタカナの全角文字が混在しています。",
]

KOREAN = [
    "빠른 갈색 여우가 게으른 개를 뛰어넘는다.",
    "서울은 대한민국의 수도이며 인구가 약 천만 명입니다.",
    "안녕하세요? 만나서 반갑습니다.",
]

VIETNAMESE = [
    "Con cáo nâu nhanh nhẹn nhảy qua con chó lười biếng.",
    "Hà Nội là thủ đô của nước Cộng hòa Xã hội chủ nghĩa Việt Nam.",
    "Tôi muốn gọi một ly cà phê sữa đá, cảm ơn.",
]

TURKISH = [
    "Hızlı kahverengi tilki tembel köpeğin üzerinden atlar.",
    "İstanbul, Türkiye'nin en kalabalık şehridir ve iki kıtaya yayılır.",
    "Şu ağaçların gölgesinde çay içmek çok güzel olurdu.",
]

POLISH = [
    "Szybki brązowy lis przeskakuje nad leniwym psem.",
    "Zażółć gęślą jaźń — to zdanie zawiera wszystkie polskie znaki diakrytyczne.",
    "W Krakowie jest piękny Rynek Główny i Wawel nad Wisłą.",
]

CODE = [
    # Python
    "def fibonacci(n: int) -> int:\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "import numpy as np\n\nx = np.arange(10, dtype=np.float32)  # 0..9\nprint(f\"{x.mean():.2f}\", x[::-1])\n",
    "class Point:\n\tdef __init__(self, x, y):\n\t\tself.x, self.y = x, y\n\n\tdef __repr__(self):\n\t\treturn f'Point({self.x!r}, {self.y!r})'\n",
    # C
    "#include <stdio.h>\n\nint main(void) {\n    for (int i = 0; i < 10; ++i) {\n        printf(\"%d\\n\", i * i);\n    }\n    return 0;\n}\n",
    "static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }",
    # JavaScript
    "const sum = (arr) => arr.reduce((acc, x) => acc + x, 0);\nconsole.log(`sum = ${sum([1, 2, 3])}`);",
    "async function load(url) {\n  const res = await fetch(url, { method: 'GET' });\n  if (!res.ok) throw new Error(res.statusText);\n  return res.json();\n}",
    # JSON
    '{"name": "subtok", "version": "0.1.0", "tags": ["nlp", "tokenizer"], "stable": false, "score": 9.75, "extra": null}',
    '[\n  {"id": 1, "text": "héllo wörld"},\n  {"id": 2, "text": "\\u00e9\\n"}\n]',
    # HTML
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Test &amp; page</title></head>\n<body><p class="intro">Hello, <b>world</b>!</p></body>\n</html>',
    '<a href="https://example.com/path?q=1&amp;r=2" target="_blank">link&nbsp;text</a>',
]

MULTILINGUAL: list[str] = [
    *ENGLISH,
    *GERMAN,
    *SPANISH,
    *FRENCH,
    *RUSSIAN,
    *GREEK,
    *ARABIC,
    *HEBREW,
    *HINDI,
    *THAI,
    *CHINESE,
    *JAPANESE,
    *KOREAN,
    *VIETNAMESE,
    *TURKISH,
    *POLISH,
    *CODE,
]

EDGE_CASES: list[str] = [
    # Whitespace
    "",
    " ",
    "  ",
    "     ",
    "\t",
    "\t\t",
    "a\tb\t\tc",
    "\r\n",
    "line one\r\nline two\r\n",
    "\n",
    "\n\n\n",
    "\n \n \n",
    "   leading spaces",
    "trailing spaces   ",
    "  both sides  ",
    " x ",
    "multiple   spaces   between    words",
    "\u00a0non-breaking\u00a0space\u2003em\u2003space\u3000ideographic",
    "\u2028line separator\u2029paragraph separator\x85next line",
    # Emoji
    "😀",
    "I ❤️ Unicode 😀🎉",
    "👨\u200d👩\u200d👧\u200d👦 family",
    "👩🏽\u200d💻 and 👍🏿 and 👋🏻",
    "🇯🇵🇺🇸🇩🇪 flags",
    "🏳️\u200d🌈 🏴\u200d☠️",
    "keycap 1️⃣ #️⃣",
    # Combining marks and normalization
    "e\u0301",
    "cafe\u0301 vs café",
    "a\u0300\u0301\u0302\u0303\u0304",
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u036b\u0357\u0334\u0362\u0335\u031c\u0330\u0354L\u0368\u0367\u0369\u0358\u0320G\u0311\u0357\u030e\u0305\u035b\u0341\u0334\u033b\u0348\u034d\u0354\u0339O\u0342\u030c\u030c\u0358\u0328\u0335\u0339\u033b\u031d\u0333",
    "\u00c5 A\u030a \u212b",  # precomposed, A + combining ring, angstrom sign
    "１２３４５ ＡＢＣ ａｂｃ",
    "Ⅰ Ⅱ Ⅲ Ⅳ Ⅻ ⅿ",
    "ﬁnance ﬂower ﬀ ﬃ",
    "ǅ ǈ ǋ Ǆ ǆ",
    "İstanbul ıi İI",
    "Straße STRASSE ẞ ß",
    "ΣΊΣΥΦΟΣ σίσυφος ς",
    "x² H₂O ½ ¼ ™ ℃ ㎏ ㍿",
    # Control characters and invisible characters
    "\x00",
    "nul\x00in the middle",
    "bell\x07 backspace\x08 escape\x1b[0m del\x7f",
    "\x01\x02\x03\x1f",
    "\ufeffBOM at start",
    "zero\u200bwidth\u200bspace",
    "zero\u200cwidth\u200dnon/joiner",
    "\u200fRTL mark\u200e LTR mark \u202eoverride\u202c",
    "soft\u00adhyphen",
    "\ufffd replacement char",
    "private use \ue000\U000f0000",
    "noncharacter \ufdd0\uffff",
    # Very long words
    "a" * 5000,
    "Pneumonoultramicroscopicsilicovolcanoconiosis" * 20,
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    # Numbers
    "12.0*50=600",
    "1,234,567.89",
    "3.14159265358979323846264338327950288419716939937510",
    "-42 +7 1e-10 0x1F 0b1010 1_000_000",
    "2024-03-15T12:34:56Z",
    "١٢٣ ٤٥٦ ०१२३ ๑๒๓",
    # URLs, email, punctuation
    "https://www.example.com/path/to/page?query=value&other=1#fragment",
    "Email me at john.doe+newsletter@example.co.uk!",
    "!!!???...",
    "Wait... what?!?! No way!!!",
    "---===***___~~~",
    "(parentheses) [brackets] {braces} <angles>",
    "\"double\" 'single' “curly” ‘quotes’ «guillemets» „low“",
    "I'm don't we'll they've she'd it's y'all",
    "I'M DON'T WE'LL THEY'VE",
    # Mixed scripts
    "Hello世界こんにちは안녕하세요",
    "iPhone 15 Pro在中国发布了",
    "GPT-4は日本語も話せます",
    "\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165 \u3131\u314f",  # conjoining and compatibility Hangul jamo
    "क्षत्रिय श्री द्वार",  # Devanagari with virama
    "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ",
    "∀x ∈ ℝ: x² ≥ 0 ∧ ∑ᵢ aᵢ ≠ ∞ ⇒ ∫ f(x) dx ≈ √2",
    "English and CAPITALIZATION\n🎵 鸟\nshow_tokens False None elif == >= else: two tabs:\"\t\t\" Three tabs: \"\t\t\t\"\n12.0*50=600\n",
    # Special-token-like strings
    "[CLS] <s> </s> <|endoftext|> <unk>",
    "[CLS]Hello[SEP]world[PAD][MASK]",
    "<s>text</s><pad><mask>",
    "<|endoftext|><|endoftext|>",
    "< s > [ CLS ] <| endoftext |>",
]

ALL: list[str] = MULTILINGUAL + EDGE_CASES
