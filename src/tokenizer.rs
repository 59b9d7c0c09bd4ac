//! The words of a text, as every index field, query and snippet sees them:
//! runs of letters and digits, lower-cased, accents folded, English stems.
//!
//! It gives exactly the tokens of tantivy's
//! `SimpleTokenizer -> RemoveLongFilter(40) -> LowerCaser -> AsciiFoldingFilter
//! -> Stemmer(English)` chain (a test compares the two), but in one pass that
//! remembers the final form of each raw word it has seen. News text repeats
//! its words, so most tokens cost one hash lookup instead of the
//! lower-case/fold/stem chain (the stemmer alone took about a fifth of the
//! indexing CPU).

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, Stemmer, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// Raw words of this many bytes or more are dropped (as `RemoveLongFilter`
/// does), though they still take a position.
const MAX_WORD_BYTES: usize = 40;

/// Past this many remembered words the memory is cleared, so that an archive
/// with an endless vocabulary (ids, numbers) cannot grow it without bound.
const MAX_REMEMBERED: usize = 200_000;

/// The fused word tokenizer; `stem: false` leaves words unstemmed (for
/// `word*` prefixes).
pub struct WordTokenizer {
    /// Lower-cases, folds (and stems) one raw word: used on a cache miss.
    normalise: TextAnalyzer,
    stem: bool,
    remembered: Remembered,
    token: Token,
    /// Set on the indexing analyzer only: places each value of a
    /// multi-valued field at its own stride of positions.
    stride: Option<Stride>,
}

/// Raw words and their final forms, as the tokenizer has seen them. Most
/// pairs fit in a few bytes and are kept inline in the table, so that a
/// lookup reads one slot and no string elsewhere in memory (a map of boxed
/// strings took two cache misses a word); the rare long ones are boxed.
#[derive(Default)]
struct Remembered {
    short: FxHashSet<Known>,
    long: FxHashMap<Box<str>, Box<str>>,
}

/// Bytes of a raw word and its final form together that `Known` holds.
const INLINE: usize = 30;

/// A raw word (`bytes[..raw]`) and its final form (`bytes[raw..len]`).
#[derive(Clone, Copy)]
struct Known {
    bytes: [u8; INLINE],
    raw: u8,
    len: u8,
}

impl Known {
    fn raw(&self) -> &[u8] {
        &self.bytes[..usize::from(self.raw)]
    }
}

impl std::borrow::Borrow<[u8]> for Known {
    fn borrow(&self) -> &[u8] {
        self.raw()
    }
}

impl std::hash::Hash for Known {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw().hash(state)
    }
}

impl PartialEq for Known {
    fn eq(&self, other: &Known) -> bool {
        self.raw() == other.raw()
    }
}

impl Eq for Known {}

impl Remembered {
    fn get(&self, raw: &str) -> Option<&str> {
        if raw.len() < INLINE {
            if let Some(known) = self.short.get(raw.as_bytes()) {
                let done = &known.bytes[usize::from(known.raw)..usize::from(known.len)];
                // Copied from a `&str` whole by `insert`.
                return Some(std::str::from_utf8(done).expect("a remembered word is UTF-8"));
            }
        }
        self.long.get(raw).map(|done| &**done)
    }

    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert(&mut self, raw: &str, done: &str) {
        if self.len() >= MAX_REMEMBERED {
            self.short.clear();
            self.long.clear();
        }
        let len = raw.len() + done.len();
        if len <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..raw.len()].copy_from_slice(raw.as_bytes());
            bytes[raw.len()..len].copy_from_slice(done.as_bytes());
            // Both fit in a u8: `len <= INLINE`.
            self.short.insert(Known {
                bytes,
                raw: raw.len() as u8,
                len: len as u8,
            });
        } else {
            self.long.insert(raw.into(), done.into());
        }
    }
}

/// Starts a field's first value: the text of the first value of every field
/// of a brief document begins with it (see [`PASSAGE_STRIDE`]).
pub const FIRST_VALUE: char = '\u{1}';

/// Positions of a brief document's field: value `k` (the k-th takeaway, the
/// k-th body paragraph) holds positions `k * PASSAGE_STRIDE ..`, so that a
/// position tells its passage (`position / PASSAGE_STRIDE`) and no phrase
/// can span two passages. Words past the stride's room in one passage (a
/// passage of over 4,000 words; the parser cuts paragraphs at about 4 KB)
/// share its last position.
pub const PASSAGE_STRIDE: u32 = 1 << 12;

/// Where the indexing analyzer stands in the values of one field of one
/// document. tantivy hands each value to a fresh token stream and adds a
/// value's positions to the end of the previous one, plus a gap of one:
/// this mirrors that arithmetic so that absolute positions land on strides.
#[derive(Clone, Copy, Debug, Default)]
struct Stride {
    /// The index of the value being tokenized.
    value: u32,
    /// tantivy's end position before this value (its positions are relative
    /// to it).
    base: u32,
    /// tantivy's end position after the tokens emitted so far.
    end: u32,
}

impl Stride {
    /// The relative position tantivy must receive for word `i` of the value.
    fn relative(&mut self, i: usize) -> usize {
        let room = (PASSAGE_STRIDE - 3) as usize;
        let absolute = self.value * PASSAGE_STRIDE + i.min(room) as u32;
        self.end = self.end.max(absolute + 1);
        (absolute - self.base) as usize
    }
}

impl WordTokenizer {
    pub fn new(stem: bool) -> WordTokenizer {
        let builder = TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter);
        let normalise = if stem {
            builder.filter(Stemmer::new(Language::English)).build()
        } else {
            builder.build()
        };
        WordTokenizer {
            normalise,
            stem,
            remembered: Remembered::default(),
            token: Token::default(),
            stride: None,
        }
    }

    /// The analyzer of the index: stemmed words whose positions place each
    /// value of a field on its own stride (see [`PASSAGE_STRIDE`]).
    pub fn indexing() -> WordTokenizer {
        WordTokenizer {
            stride: Some(Stride::default()),
            ..WordTokenizer::new(true)
        }
    }
}

/// A clone starts with an empty memory: tantivy clones the analyzer for each
/// indexing thread, and copying a large map there would cost more than it
/// saves.
impl Clone for WordTokenizer {
    fn clone(&self) -> WordTokenizer {
        WordTokenizer {
            stride: self.stride.map(|_| Stride::default()),
            ..WordTokenizer::new(self.stem)
        }
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        self.token.position = usize::MAX;
        let mut cursor = 0;
        if let Some(stride) = self.stride.as_mut() {
            if text.starts_with(FIRST_VALUE) {
                *stride = Stride::default();
                cursor = FIRST_VALUE.len_utf8();
            } else {
                // tantivy's gap of one between values.
                let base = stride.end + 1;
                *stride = Stride {
                    value: stride.value + 1,
                    base,
                    end: base,
                };
            }
        }
        WordStream {
            text,
            cursor,
            word: usize::MAX,
            tokenizer: self,
        }
    }
}

pub struct WordStream<'a> {
    text: &'a str,
    cursor: usize,
    /// The index of the current word in this text (long words count).
    word: usize,
    tokenizer: &'a mut WordTokenizer,
}

impl WordStream<'_> {
    /// The next run of alphanumeric characters from the cursor, as a byte
    /// range, with the cursor moved past it.
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let mut i = self.cursor;
        let start = loop {
            if i >= bytes.len() {
                self.cursor = i;
                return None;
            }
            let (alphanumeric, len) = char_at(self.text, i);
            if alphanumeric {
                break i;
            }
            i += len;
        };
        let mut end = start;
        while end < bytes.len() {
            let (alphanumeric, len) = char_at(self.text, end);
            if !alphanumeric {
                break;
            }
            end += len;
        }
        // The character that ended the word is not part of any word.
        self.cursor = end;
        Some((start, end))
    }
}

/// How many tokens the analyzer makes of `text` (what tantivy records as
/// its length): runs of letters and digits, less those too long to index.
pub fn count_words(text: &str) -> usize {
    let mut count = 0;
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < text.len() {
        let (alphanumeric, len) = char_at(text, i);
        match (alphanumeric, start) {
            (true, None) => start = Some(i),
            (false, Some(from)) => {
                count += usize::from(i - from < MAX_WORD_BYTES);
                start = None;
            }
            _ => {}
        }
        i += len;
    }
    if let Some(from) = start {
        count += usize::from(text.len() - from < MAX_WORD_BYTES);
    }
    count
}

/// Whether the character at byte `i` is alphanumeric, and its length.
#[inline]
fn char_at(text: &str, i: usize) -> (bool, usize) {
    let byte = text.as_bytes()[i];
    if byte.is_ascii() {
        return (byte.is_ascii_alphanumeric(), 1);
    }
    let c = text[i..].chars().next().unwrap_or(' ');
    (c.is_alphanumeric(), c.len_utf8())
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some((from, to)) = self.next_word() {
            let tokenizer = &mut *self.tokenizer;
            self.word = self.word.wrapping_add(1);
            if to - from >= MAX_WORD_BYTES {
                continue;
            }
            tokenizer.token.position = match tokenizer.stride.as_mut() {
                Some(stride) => stride.relative(self.word),
                None => self.word,
            };
            let raw = &self.text[from..to];
            tokenizer.token.text.clear();
            match tokenizer.remembered.get(raw) {
                Some(done) => tokenizer.token.text.push_str(done),
                None => {
                    let mut stream = tokenizer.normalise.token_stream(raw);
                    if stream.advance() {
                        tokenizer.token.text.push_str(&stream.token().text);
                    }
                    drop(stream);
                    tokenizer.remembered.insert(raw, &tokenizer.token.text);
                }
            }
            tokenizer.token.offset_from = from;
            tokenizer.token.offset_to = to;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.tokenizer.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokenizer.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{RemoveLongFilter, SimpleTokenizer};

    fn chain(stem: bool) -> TextAnalyzer {
        let builder = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter);
        if stem {
            builder.filter(Stemmer::new(Language::English)).build()
        } else {
            builder.build()
        }
    }

    fn all(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    const SAMPLES: &[&str] = &[
        "",
        "   ",
        "Talks TALKED talking; the U.S.–Iran talks resumed in Muscat.",
        "Israel’s Türkiye São Paulo Ünïcödé ÆØÅ straße İstanbul ǅemal",
        "numbers 1987 3.5% 26-FEB-1987 x1 ⅷ ٣٤ 二〇二六年",
        "a-very-long-word-that-goes-on-and-on-and-on-forever-and-ever short",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklm abcdefghijklmnopqrstuvwxyzabcdefghijklmn end",
        "emoji 🙂 between 🙂words and\u{0}control\u{7}chars\r\nnew line",
        "repeated repeated REPEATED Repeated repeated",
        // Raw and final forms too long to be kept inline, twice each.
        "Internationalizations internationalizations ßßßßßßßßßßßß ßßßßßßßßßßßß",
    ];

    #[test]
    fn gives_the_tokens_of_the_tantivy_chain() {
        for stem in [true, false] {
            let mut ours = TextAnalyzer::from(WordTokenizer::new(stem));
            let mut theirs = chain(stem);
            for _ in 0..2 {
                // The second pass reads every word from memory.
                for text in SAMPLES {
                    assert_eq!(all(&mut ours, text), all(&mut theirs, text), "{text:?}");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        #[test]
        fn agrees_with_the_chain_on_any_text(text in "(\\PC|[ .,'’–-]|[A-Za-z]{1,12}|[0-9]{1,4}){0,60}") {
            let mut ours = TextAnalyzer::from(WordTokenizer::new(true));
            let mut theirs = chain(true);
            let first = all(&mut ours, &text);
            proptest::prop_assert_eq!(&first, &all(&mut theirs, &text));
            proptest::prop_assert_eq!(&first, &all(&mut ours, &text));
        }
    }

    #[test]
    fn words_are_counted_as_the_analyzer_makes_tokens() {
        let mut ours = TextAnalyzer::from(WordTokenizer::new(true));
        for text in SAMPLES {
            assert_eq!(count_words(text), all(&mut ours, text).len(), "{text:?}");
        }
    }

    #[test]
    fn indexing_strides_values_and_keeps_tokens() {
        let mut indexing = TextAnalyzer::from(WordTokenizer::indexing());
        let mut plain = TextAnalyzer::from(WordTokenizer::new(true));
        let first = format!("{FIRST_VALUE}Talks resumed");
        let texts: Vec<String> = all(&mut indexing, &first)
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(texts, vec!["talk", "resum"]);
        // The second value starts its stride, relative to tantivy's end
        // position after the first (2) plus its gap of one.
        let second = all(&mut indexing, "in Muscat");
        assert_eq!(second[0].1, PASSAGE_STRIDE as usize - 3);
        assert_eq!(
            second.iter().map(|t| &t.0).collect::<Vec<_>>(),
            all(&mut plain, "in Muscat")
                .iter()
                .map(|t| &t.0)
                .collect::<Vec<_>>()
        );
        // A first value starts over.
        assert_eq!(all(&mut indexing, &first)[0].1, 0);
    }

    #[test]
    fn memory_is_bounded() {
        let mut tokenizer = WordTokenizer::new(true);
        let text: String = (0..MAX_REMEMBERED + 10).map(|i| format!("w{i} ")).collect();
        let mut stream = tokenizer.token_stream(&text);
        let mut count = 0;
        while stream.advance() {
            count += 1;
        }
        assert_eq!(count, MAX_REMEMBERED + 10);
        assert!(tokenizer.remembered.len() <= MAX_REMEMBERED);
    }

    #[test]
    fn clones_start_empty_and_agree() {
        let mut tokenizer = WordTokenizer::new(true);
        let mut stream = tokenizer.token_stream("missiles launched");
        while stream.advance() {}
        assert_eq!(tokenizer.remembered.len(), 2);
        let clone = tokenizer.clone();
        assert!(clone.remembered.is_empty());
    }
}
