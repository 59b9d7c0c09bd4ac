//! Snippets: a window of a passage around its best match, with every matched
//! word and every matched phrase highlighted as one span.
//!
//! tantivy's `SnippetGenerator` highlights single terms only, also for phrase
//! queries; here a phrase is highlighted only where its words stand together
//! (within the phrase's slop), and stray occurrences of its words are not.

use serde::Serialize;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use crate::query::HighlightPlan;

/// Passages up to this many bytes are shown whole.
pub const SNIPPET_BYTES: usize = 240;
/// Context kept before the first highlight of a window.
const LEAD_BYTES: usize = 50;
const ELLIPSIS: &str = "…";

/// A window of a passage and the byte ranges to highlight in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<[usize; 2]>,
}

struct Token {
    from: usize,
    to: usize,
    position: usize,
    /// Where its analysed form lies in `Tokens::words`.
    word: std::ops::Range<usize>,
}

/// A passage's tokens, their analysed forms in one buffer (no string per
/// token).
struct Tokens {
    list: Vec<Token>,
    words: String,
}

impl Tokens {
    fn word(&self, i: usize) -> &str {
        &self.words[self.list[i].word.clone()]
    }
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Tokens {
    let mut stream = analyzer.token_stream(text);
    let mut out = Tokens {
        list: Vec::new(),
        words: String::with_capacity(text.len()),
    };
    while stream.advance() {
        let t = stream.token();
        let start = out.words.len();
        out.words.push_str(&t.text);
        out.list.push(Token {
            from: t.offset_from,
            to: t.offset_to,
            position: t.position,
            word: start..out.words.len(),
        });
    }
    out
}

/// Byte spans of `text` that match the plan, sorted and merged.
pub fn matches(analyzer: &mut TextAnalyzer, plan: &HighlightPlan, text: &str) -> Vec<[usize; 2]> {
    let toks = tokens(analyzer, text);
    let mut spans: Vec<[usize; 2]> = Vec::new();
    for (i, tok) in toks.list.iter().enumerate() {
        let word = toks.word(i);
        if plan.terms.contains(word) || plan.prefixes.iter().any(|p| word.starts_with(p.as_str())) {
            spans.push([tok.from, tok.to]);
        }
    }
    for (words, slop) in &plan.phrases {
        for start in 0..toks.list.len() {
            if toks.word(start) != words[0] {
                continue;
            }
            if let Some(end) = phrase_end(&toks, start, words, *slop) {
                spans.push([toks.list[start].from, toks.list[end].to]);
            }
        }
    }
    spans.sort_unstable();
    let mut merged: Vec<[usize; 2]> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span[0] <= last[1] => last[1] = last[1].max(span[1]),
            _ => merged.push(span),
        }
    }
    merged
}

/// Where a phrase starting at token `start` ends, if its words follow in
/// order with at most `slop` extra positions in all.
fn phrase_end(toks: &Tokens, start: usize, words: &[String], slop: u32) -> Option<usize> {
    let list = &toks.list;
    let mut budget = slop as usize;
    let mut last = start;
    for word in &words[1..] {
        let expected = list[last].position + 1;
        let next = (last + 1..list.len())
            .take_while(|&i| list[i].position <= expected + budget)
            .find(|&i| toks.word(i) == word)?;
        budget -= list[next].position.saturating_sub(expected).min(budget);
        last = next;
    }
    Some(last)
}

/// The snippet of a passage: the whole passage when short, otherwise the
/// window of about `SNIPPET_BYTES` holding the most highlights.
pub fn snippet(analyzer: &mut TextAnalyzer, plan: &HighlightPlan, text: &str) -> Snippet {
    let spans = matches(analyzer, plan, text);
    if text.len() <= SNIPPET_BYTES + LEAD_BYTES {
        return Snippet {
            text: text.to_string(),
            highlights: spans,
        };
    }
    // The window start that covers the most spans.
    let mut best = (0usize, 0usize);
    for (i, span) in spans.iter().enumerate() {
        let start = span[0].saturating_sub(LEAD_BYTES);
        let covered = spans[i..]
            .iter()
            .take_while(|s| s[1] <= start + SNIPPET_BYTES)
            .count();
        if covered > best.1 {
            best = (start, covered);
        }
    }
    let mut start = word_start(text, best.0);
    if start <= LEAD_BYTES / 2 {
        start = 0;
    }
    let mut end = word_end(text, (start + SNIPPET_BYTES).min(text.len()));
    if text.len() - end <= LEAD_BYTES / 2 {
        end = text.len();
    }
    let prefix = if start > 0 { ELLIPSIS } else { "" };
    let suffix = if end < text.len() { ELLIPSIS } else { "" };
    let window = text[start..end].trim();
    let trimmed_front = text[start..end].len() - text[start..end].trim_start().len();
    let shift = start + trimmed_front;
    let highlights = spans
        .iter()
        .filter(|s| s[0] >= shift && s[1] <= shift + window.len())
        .map(|s| [s[0] - shift + prefix.len(), s[1] - shift + prefix.len()])
        .collect();
    Snippet {
        text: format!("{prefix}{window}{suffix}"),
        highlights,
    }
}

/// The start of the word at or after `at` (a char boundary).
fn word_start(text: &str, at: usize) -> usize {
    if at == 0 {
        return 0;
    }
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    // Step back to the start of the word we are in, if it is close.
    let back = text[..i]
        .char_indices()
        .rev()
        .take(20)
        .find(|(_, c)| c.is_whitespace())
        .map(|(j, c)| j + c.len_utf8());
    back.unwrap_or(i)
}

/// The end of the word at or before `at` (a char boundary).
fn word_end(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    if i == text.len() {
        return i;
    }
    text[..i]
        .char_indices()
        .rev()
        .take(30)
        .find(|(_, c)| c.is_whitespace())
        .map(|(j, _)| j)
        .unwrap_or(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::analyzer;
    use std::collections::BTreeSet;

    fn plan(terms: &[&str], phrases: &[(&[&str], u32)]) -> HighlightPlan {
        HighlightPlan {
            terms: terms.iter().map(|s| s.to_string()).collect(),
            prefixes: BTreeSet::new(),
            phrases: phrases
                .iter()
                .map(|(w, s)| (w.iter().map(|x| x.to_string()).collect(), *s))
                .collect(),
        }
    }

    fn marked(s: &Snippet) -> String {
        let mut out = String::new();
        let mut at = 0;
        for [a, b] in &s.highlights {
            out.push_str(&s.text[at..*a]);
            out.push('[');
            out.push_str(&s.text[*a..*b]);
            out.push(']');
            at = *b;
        }
        out.push_str(&s.text[at..]);
        out
    }

    #[test]
    fn a_phrase_is_one_span_and_stray_words_are_not_lit() {
        let p = plan(&[], &[(&["nuclear", "talk"], 0)]);
        let s = snippet(
            &mut analyzer(),
            &p,
            "Nuclear issues aside, the nuclear talks resumed; talks on trade did not.",
        );
        assert_eq!(
            marked(&s),
            "Nuclear issues aside, the [nuclear talks] resumed; talks on trade did not."
        );
    }

    #[test]
    fn sloppy_phrases_span_the_gap() {
        let p = plan(&[], &[(&["nuclear", "talk"], 2)]);
        let s = snippet(&mut analyzer(), &p, "the nuclear file talks began");
        assert_eq!(marked(&s), "the [nuclear file talks] began");
    }

    #[test]
    fn terms_are_lit_by_stem() {
        let p = plan(&["missil"], &[]);
        let s = snippet(&mut analyzer(), &p, "Missiles and a missile.");
        assert_eq!(marked(&s), "[Missiles] and a [missile].");
    }

    #[test]
    fn long_passages_get_a_window_around_the_matches_on_char_boundaries() {
        let filler = "Déjà vu über alles ".repeat(30);
        let text = format!("{filler}then the envoy met the minister in Muscat. {filler}");
        let p = plan(&["muscat"], &[]);
        let s = snippet(&mut analyzer(), &p, &text);
        assert!(s.text.len() < text.len());
        assert!(s.text.starts_with(ELLIPSIS) && s.text.ends_with(ELLIPSIS));
        assert_eq!(s.highlights.len(), 1);
        let [a, b] = s.highlights[0];
        assert_eq!(&s.text[a..b], "Muscat");
    }

    #[test]
    fn no_match_gives_the_start_of_the_passage() {
        let text = "word ".repeat(200);
        let s = snippet(&mut analyzer(), &plan(&["zzz"], &[]), &text);
        assert!(s.highlights.is_empty());
        assert!(s.text.starts_with("word"));
        assert!(s.text.len() <= SNIPPET_BYTES + 10);
    }
}
