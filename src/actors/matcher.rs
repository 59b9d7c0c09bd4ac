//! The index built from a gazetteer: one leftmost-longest Aho-Corasick
//! automaton over every alias variant and blocked phrase, plus the lookup
//! tables behind `resolve`. Matching enforces word boundaries and the
//! data-driven rules of each alias.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};

use super::gazetteer::{ActorKind, Data, Rules};

const BLOCKED: u32 = u32::MAX;
/// How far (bytes) around a match the line is examined for the caps and
/// heading tests; keeps the work per match bounded on newline-free text.
const LINE_REACH: usize = 160;

/// A match in a text: byte offsets of the alias and the actor it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub actor: super::ActorId,
}

#[derive(Debug, Clone)]
struct Rule {
    caps: bool,
    name_like: bool,
    unless: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Pat {
    /// Actor index, or BLOCKED.
    actor: u32,
    /// An upper-cased variant: matches only inside an all-caps line.
    upper: bool,
    rule: u32,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// Built on first use (`scanner`): resolving names needs only the
    /// lookup, and building the automaton costs about 20 ms and 40 MB.
    scanner: OnceLock<Option<Scanner>>,
    /// Every pattern text, `pats` order.
    texts: Vec<String>,
    pats: Vec<Pat>,
    rules: Vec<Rule>,
    /// Facet path of each actor, by actor index.
    pub paths: Vec<String>,
    /// Lower-cased names, facet paths and aliases -> actor index.
    pub lookup: HashMap<String, usize>,
    /// Actor index -> indices of the countries it implies.
    pub implied: Vec<Vec<usize>>,
}

/// ASCII folding of the Latin letters with diacritics that occur in names.
pub(crate) fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' | 'Ā' => 'A',
            'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ě' | 'ę' => 'e',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'í' | 'ì' | 'î' | 'ï' | 'ı' | 'ī' => 'i',
            'Í' | 'Ì' | 'Î' | 'Ï' | 'İ' => 'I',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' | 'ő' => 'o',
            'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ø' => 'O',
            'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'ű' | 'ů' => 'u',
            'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ç' | 'ć' | 'č' => 'c',
            'Ç' | 'Ć' | 'Č' => 'C',
            'ñ' | 'ń' | 'ň' => 'n',
            'Ñ' => 'N',
            'ş' | 'ș' | 'š' | 'ś' => 's',
            'Ş' | 'Ș' | 'Š' | 'Ś' => 'S',
            'ţ' | 'ț' | 'ť' => 't',
            'ğ' => 'g',
            'ł' => 'l',
            'Ł' => 'L',
            'ž' | 'ź' | 'ż' => 'z',
            'Ž' | 'Ź' | 'Ż' => 'Z',
            'ř' => 'r',
            'ý' | 'ÿ' => 'y',
            'đ' => 'd',
            '‘' | '’' | 'ʼ' => '\'',
            other => other,
        })
        .collect()
}

/// The written forms of an alias: as written, ASCII-folded, and with a
/// straight or typographic apostrophe.
fn written_forms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for f in [text.to_string(), fold(text)] {
        if f.contains('\'') {
            push(f.replace('\'', "\u{2019}"));
        }
        if f.contains('\u{2019}') {
            push(f.replace('\u{2019}', "'"));
        }
        push(f);
    }
    out
}

/// What matching needs beyond the patterns: the automaton, and a prefilter
/// of pattern starts so that it is asked only where some pattern can begin.
#[derive(Debug, Clone)]
struct Scanner {
    ac: AhoCorasick,
    /// The bytes a pattern can start with.
    start_bytes: Vec<bool>,
    /// The first two bytes of patterns shorter than four bytes ("US",
    /// "UAE")...
    short_starts: Vec<bool>,
    /// ...and a hash of the first four bytes of the others. Venue phrases
    /// ("talks in Paris", "in Paris last month") begin with common words;
    /// four bytes ("in P") tell them from the ordinary "in the", "into".
    long_starts: Vec<bool>,
}

impl Scanner {
    fn build(texts: &[String]) -> Result<Scanner, aho_corasick::BuildError> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(texts)?;
        let mut scanner = Scanner {
            ac,
            start_bytes: vec![false; 256],
            short_starts: vec![false; 1 << 16],
            long_starts: vec![false; 1 << LONG_START_BITS],
        };
        for text in texts {
            if let Some(&first) = text.as_bytes().first() {
                scanner.start_bytes[usize::from(first)] = true;
            }
            match text.as_bytes() {
                [] => {}
                [only] => {
                    (0..256).for_each(|b| scanner.short_starts[usize::from(*only) << 8 | b] = true)
                }
                [a, b] | [a, b, _] => {
                    scanner.short_starts[usize::from(*a) << 8 | usize::from(*b)] = true
                }
                [a, b, c, d, ..] => scanner.long_starts[long_start([*a, *b, *c, *d])] = true,
            }
        }
        Ok(scanner)
    }
}

impl Index {
    pub fn build(data: &Data) -> anyhow::Result<Index> {
        let mut idx = Index::default();
        // pattern text -> (position in pats, priority)
        let mut by_text: HashMap<String, (usize, u8)> = HashMap::new();
        let mut texts: Vec<String> = Vec::new();
        let mut add =
            |texts: &mut Vec<String>, pats: &mut Vec<Pat>, text: String, pat: Pat, prio: u8| {
                match by_text.get(&text) {
                    Some(&(_, p)) if p >= prio => {}
                    Some(&(i, _)) => {
                        pats[i] = pat;
                        by_text.insert(text, (i, prio));
                    }
                    None => {
                        by_text.insert(text.clone(), (pats.len(), prio));
                        texts.push(text);
                        pats.push(pat);
                    }
                }
            };
        let plain_rule = idx.rules.len() as u32;
        idx.rules.push(Rule {
            caps: true,
            name_like: false,
            unless: Vec::new(),
        });
        for (ai, actor) in data.actors.iter().enumerate() {
            for alias in actor.all_aliases() {
                let rule = if alias.caps && !alias.name_like && alias.unless.is_empty() {
                    plain_rule
                } else {
                    idx.rules.push(Rule {
                        caps: alias.caps,
                        name_like: alias.name_like,
                        unless: alias.unless.clone(),
                    });
                    idx.rules.len() as u32 - 1
                };
                for (n, form) in written_forms(&alias.text).into_iter().enumerate() {
                    let prio = if n == 0 { 3 } else { 2 };
                    let upper = form.to_uppercase();
                    let exact = Pat {
                        actor: ai as u32,
                        upper: false,
                        rule,
                    };
                    add(&mut texts, &mut idx.pats, form.clone(), exact, prio);
                    if alias.caps && upper != form {
                        let up = Pat {
                            upper: true,
                            ..exact
                        };
                        add(&mut texts, &mut idx.pats, upper, up, 1);
                    }
                }
            }
        }
        for b in &data.blocked {
            for form in written_forms(b) {
                let upper = form.to_uppercase();
                let pat = Pat {
                    actor: BLOCKED,
                    upper: false,
                    rule: plain_rule,
                };
                add(&mut texts, &mut idx.pats, form.clone(), pat, 3);
                if upper != form {
                    add(&mut texts, &mut idx.pats, upper, pat, 1);
                }
            }
        }
        idx.texts = texts;

        // Lookup for resolve(): canonical names and facet paths first, then
        // aliases (first definition wins on a case-insensitive clash).
        idx.paths = data.actors.iter().map(|a| a.facet_path()).collect();
        for (ai, a) in data.actors.iter().enumerate() {
            let path = idx.paths[ai].to_lowercase();
            idx.lookup.entry(path[1..].to_string()).or_insert(ai);
            idx.lookup.entry(path).or_insert(ai);
            idx.lookup.entry(a.name.to_lowercase()).or_insert(ai);
            idx.lookup.entry(fold(&a.name).to_lowercase()).or_insert(ai);
        }
        for (ai, a) in data.actors.iter().enumerate() {
            for alias in a.all_aliases() {
                for form in written_forms(&alias.text) {
                    idx.lookup.entry(form.to_lowercase()).or_insert(ai);
                }
            }
        }
        let countries: HashMap<String, usize> = data
            .actors
            .iter()
            .enumerate()
            .filter(|(_, a)| a.kind == ActorKind::Country)
            .map(|(i, a)| (a.name.to_lowercase(), i))
            .collect();
        idx.implied = data
            .actors
            .iter()
            .map(|a| {
                a.countries
                    .iter()
                    .filter_map(|c| countries.get(&c.to_lowercase()).copied())
                    .collect()
            })
            .collect();
        Ok(idx)
    }

    /// All accepted mentions, in text order, non-overlapping.
    ///
    /// A mention starts where no letter or digit precedes it, on two bytes a
    /// pattern can start with (mostly a capital and a lower-case letter), so
    /// only those positions are searched, each anchored for the longest
    /// pattern starting there; the rest is skipped with a table lookup a
    /// byte.
    pub fn mentions(&self, rules: &Rules, text: &str) -> Vec<Mention> {
        let mut out = Vec::new();
        let Ok(Some(scanner)) = self.scanner() else {
            return out;
        };
        let bytes = text.as_bytes();
        let mut s = 0;
        while s < bytes.len() {
            let b = bytes[s];
            if b.is_ascii_alphanumeric() {
                // Inside a word, or at the start of one no pattern starts
                // with: skip the word in one step.
                if (s > 0 && bytes[s - 1].is_ascii_alphanumeric())
                    || !scanner.start_bytes[usize::from(b)]
                {
                    while s < bytes.len() && bytes[s].is_ascii_alphanumeric() {
                        s += 1;
                    }
                    continue;
                }
            } else if !scanner.start_bytes[usize::from(b)] {
                s += 1;
                continue;
            }
            let at = |i: usize| bytes.get(s + i).copied().unwrap_or(0);
            let pair = usize::from(bytes[s]) << 8 | usize::from(at(1));
            let may_start = scanner.short_starts[pair]
                || (s + 4 <= bytes.len()
                    && scanner.long_starts[long_start([at(0), at(1), at(2), at(3)])]);
            if !may_start || !text.is_char_boundary(s) || follows_word_char(text, s) {
                s += 1;
                continue;
            }
            // The longest pattern at `s` first; when it is not a word or its
            // rules reject it, the next shorter pattern starting at `s`.
            let mut end = bytes.len();
            let mut accepted = None;
            while end > s {
                let input = Input::new(text).span(s..end).anchored(Anchored::Yes);
                let Some(m) = scanner.ac.find(input) else {
                    break;
                };
                let pat = self.pats[m.pattern().as_usize()];
                if is_boundary(text, s, m.end())
                    && (pat.actor == BLOCKED || self.accept(rules, text, s, m.end(), pat))
                {
                    accepted = Some((m.end(), pat));
                    break;
                }
                end = m.end() - 1;
            }
            match accepted {
                Some((e, pat)) => {
                    if pat.actor != BLOCKED {
                        out.push(Mention {
                            start: s,
                            end: e,
                            actor: super::ActorId(pat.actor),
                        });
                    }
                    s = e;
                }
                None => s += 1,
            }
        }
        out
    }

    /// The automaton and its prefilter, built on the first call; `None`
    /// without patterns.
    fn scanner(&self) -> Result<Option<&Scanner>, aho_corasick::BuildError> {
        if let Some(built) = self.scanner.get() {
            return Ok(built.as_ref());
        }
        let built = if self.texts.is_empty() {
            None
        } else {
            Some(Scanner::build(&self.texts)?)
        };
        Ok(self.scanner.get_or_init(|| built).as_ref())
    }

    /// Builds the scanner now, so that a failure is an error, not silence.
    pub fn prepare(&self) -> Result<(), aho_corasick::BuildError> {
        self.scanner().map(|_| ())
    }

    fn accept(&self, rules: &Rules, text: &str, s: usize, e: usize, pat: Pat) -> bool {
        if in_compound(rules, text, e) {
            return false;
        }
        let rule = &self.rules[pat.rule as usize];
        if pat.upper || !rule.caps || rule.name_like {
            let line = line_around(text, s, e);
            let caps = is_caps_line(line);
            if pat.upper && !caps {
                return false;
            }
            if !rule.caps && caps {
                return false;
            }
            if rule.name_like && !caps && !is_heading(line) && beside_a_name(rules, text, s, e) {
                return false;
            }
        }
        if !rule.unless.is_empty() {
            let lo = floor_char(text, s.saturating_sub(rules.context_window));
            let hi = ceil_char(text, (e + rules.context_window).min(text.len()));
            let window = &text[lo..hi];
            for phrase in &rule.unless {
                for (i, _) in window.match_indices(phrase.as_str()) {
                    if is_boundary(window, i, i + phrase.len()) {
                        return false;
                    }
                }
            }
        }
        true
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// A match must not be preceded or followed by a letter or digit. Dashes,
/// apostrophes (possessives) and punctuation are boundaries.
fn is_boundary(text: &str, s: usize, e: usize) -> bool {
    let before = text[..s].chars().next_back();
    let after = text[e..].chars().next();
    !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
}

/// Whether a letter or digit stands right before byte `i` (a char boundary).
fn follows_word_char(text: &str, i: usize) -> bool {
    match text.as_bytes()[..i].last() {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_alphanumeric(),
        Some(_) => text[..i].chars().next_back().is_some_and(is_word_char),
    }
}

/// Size of the four-byte start prefilter, in bits of hash.
const LONG_START_BITS: u32 = 20;

fn long_start(bytes: [u8; 4]) -> usize {
    (u32::from_le_bytes(bytes).wrapping_mul(0x9E37_79B1) >> (32 - LONG_START_BITS)) as usize
}

/// Whether one of `rules.compound_suffixes` ("-based") follows byte `e`
/// directly and ends on a word boundary.
fn in_compound(rules: &Rules, text: &str, e: usize) -> bool {
    let rest = &text.as_bytes()[e..];
    rules.compound_suffixes.iter().any(|suffix| {
        let n = suffix.len();
        rest.len() >= n
            && rest[..n].eq_ignore_ascii_case(suffix.as_bytes())
            && text.is_char_boundary(e + n)
            && !text[e + n..].chars().next().is_some_and(is_word_char)
    })
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The line holding a match, cut to LINE_REACH bytes on each side.
fn line_around(text: &str, s: usize, e: usize) -> &str {
    let lo = floor_char(text, s.saturating_sub(LINE_REACH));
    let hi = ceil_char(text, (e + LINE_REACH).min(text.len()));
    let start = text[lo..s].rfind('\n').map_or(lo, |i| lo + i + 1);
    let end = text[e..hi].find('\n').map_or(hi, |i| e + i);
    &text[start..end]
}

/// No lower-case letter at all: an ALL CAPS headline or table.
fn is_caps_line(line: &str) -> bool {
    !line.chars().any(char::is_lowercase)
}

/// Title Case heading: every word of four or more letters is capitalised.
fn is_heading(line: &str) -> bool {
    let mut long_words = 0;
    for w in line.split(|c: char| !c.is_alphabetic()) {
        if w.chars().count() >= 4 {
            long_words += 1;
            if !w.chars().next().is_some_and(char::is_uppercase) {
                return false;
            }
        }
    }
    long_words >= 2
}

/// Is a capitalised word (not in `rules.name_ok`) directly before or after
/// the match, separated by a single space? An initial ("B.") counts; a word
/// ending a sentence or clause does not.
fn beside_a_name(rules: &Rules, text: &str, s: usize, e: usize) -> bool {
    let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    if let Some(before) = text[..s].strip_suffix(' ') {
        let word = before
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("")
            .trim_start_matches(['"', '(', '\u{201c}', '\'']);
        let is_initial = (word.len() == 2 && word.ends_with('.') && capitalised(word))
            || rules.name_titles.contains(word);
        let ends_clean = word.chars().next_back().is_some_and(char::is_alphabetic);
        if (is_initial || ends_clean) && capitalised(word) && !rules.name_ok.contains(word) {
            return true;
        }
    }
    if let Some(after) = text[e..].strip_prefix(' ') {
        let word = after.split(char::is_whitespace).next().unwrap_or("");
        let core = word.trim_end_matches(|c: char| !c.is_alphanumeric());
        let core = core.split(['\'', '\u{2019}']).next().unwrap_or("");
        if capitalised(core) && !rules.name_ok.contains(core) {
            return true;
        }
    }
    false
}

/// Levenshtein distance over chars.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
