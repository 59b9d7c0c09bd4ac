//! The index built from a gazetteer: one automaton over every alias
//! variant and blocked phrase (`Trie`), plus the lookup tables behind
//! `resolve`. Matching takes the longest pattern at each position where a
//! word can start, and enforces word boundaries, letter case and the
//! data-driven rules of each alias.
//!
//! The automaton is ASCII case-insensitive, so that an alias and its
//! ALL-CAPS form ("Iran", "IRAN") are one pattern; which written form a
//! match is, and whether its case is allowed there, is checked after.
//! It is asked only where a pattern can start: a prefilter on the bytes
//! there (`Scanner`) rules out almost every other position cheaply.
//!
//! Venue templates (`[[venues]]` in the data file) are checked around a
//! matched place ("talks in {}" before "Vienna") rather than compiled into
//! thousands of blocked phrases.

use std::collections::HashMap;
use std::sync::OnceLock;

use rustc_hash::FxHashSet;

use super::gazetteer::{ActorKind, Data, Era, Rules, Venue};
use super::trie::Trie;

const BLOCKED: u32 = u32::MAX;
const NONE: u32 = u32::MAX;
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

/// One written form of an alias or blocked phrase.
#[derive(Debug, Clone, Copy)]
struct Pat {
    /// Actor index, or BLOCKED.
    actor: u32,
    /// Written in capitals where the alias is not ("SÃO PAULO"): matches
    /// only inside an all-caps line.
    upper: bool,
    /// Its ASCII upper-case form matches too (the alias's `caps` rule;
    /// always for blocked phrases): inside an all-caps line for an alias,
    /// anywhere for a blocked phrase.
    caps_ok: bool,
    rule: u32,
    /// Index in `Index::venue_spots` when the form is (part of) a venue
    /// place, else NONE.
    venue: u32,
}

/// Where a written form sits in a venue place: "U.K." in "the U.K." is
/// place 2 of venue 1, 4 bytes in.
#[derive(Debug, Clone, Copy)]
struct Spot {
    venue: u32,
    place: u32,
    offset: u32,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// Built on first use (`scanner`): resolving names needs only the
    /// lookup.
    scanner: OnceLock<Option<Scanner>>,
    /// Every written form, `pats` order.
    texts: Vec<String>,
    pats: Vec<Pat>,
    rules: Vec<Rule>,
    venues: Vec<Venue>,
    venue_spots: Vec<Vec<Spot>>,
    /// Facet path of each actor, by actor index...
    pub paths: Vec<String>,
    /// ...and its `path_key`.
    pub path_keys: Vec<u64>,
    /// Lower-cased names, facet paths and aliases -> actor index.
    pub lookup: HashMap<String, usize>,
    /// Actor index -> indices of the countries it implies.
    pub implied: Vec<Vec<usize>>,
    /// Actor index -> its eras, each with the index of the state meant.
    pub eras: Vec<Vec<(Era, usize)>>,
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

/// The automaton and the prefilter that decides where to ask it.
#[derive(Debug, Clone)]
struct Scanner {
    /// One pattern per written form up to ASCII case.
    trie: Trie,
    /// Automaton pattern -> the forms it stands for (`pats` indices).
    forms: Vec<Vec<u32>>,
    /// Entry `a << 8 | b` is 1 when some form, or its upper case, starts
    /// with the bytes `a b` (any `b` after a one-byte form).
    pairs: Box<[u8; 1 << 16]>,
    /// Bit `a << 8 | b`: a form shorter than four bytes starts so; `short`
    /// holds those forms whole (`short_key`).
    short_pairs: Vec<u64>,
    short: FxHashSet<u32>,
    /// Bit `start_hash(..)` of the first four bytes of a form of four to
    /// seven bytes...
    mid_starts: Vec<u64>,
    /// ...and of the first eight bytes of a longer one: "The com" is no
    /// start of "The Hague", nor "Internal" of "International".
    long_starts: Vec<u64>,
}

/// 1 for ASCII letters and digits: a pattern never starts right after one.
/// Bytes of other characters count as 0 here; a start after them is
/// checked exactly.
static ASCII_WORD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).is_ascii_alphanumeric() as u8;
        i += 1;
    }
    t
};

/// Bit `j`: the bytes `chunk[j]`, `chunk[j + 1]` start some form (`pairs`)
/// and the byte before `chunk[j]` is no ASCII letter or digit.
#[inline]
fn candidates(pairs: &[u8; 1 << 16], prev: u8, chunk: &[u8; 65]) -> u64 {
    let mut flags = [0u8; 64];
    let mut word = ASCII_WORD[usize::from(prev)];
    for j in 0..64 {
        let k = usize::from(chunk[j]) << 8 | usize::from(chunk[j + 1]);
        flags[j] = pairs[k] & !word;
        word = ASCII_WORD[usize::from(chunk[j])];
    }
    // Eight 0/1 bytes to eight bits at a time.
    let mut mask = 0u64;
    for (i, eight) in flags.chunks_exact(8).enumerate() {
        let v = u64::from_le_bytes(eight.try_into().expect("8 bytes")) & 0x0101_0101_0101_0101;
        mask |= (v.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * i);
    }
    mask
}

fn set_bit(bits: &mut [u64], i: usize) {
    bits[i >> 6] |= 1 << (i & 63);
}

fn bit(bits: &[u64], i: usize) -> bool {
    bits[i >> 6] >> (i & 63) & 1 != 0
}

/// Size of the start prefilters, in bits of hash.
const START_BITS: u32 = 17;

/// A hash of four or eight bytes (the rest zero), START_BITS wide.
fn start_hash(bytes: &[u8]) -> usize {
    let mut word = [0u8; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    (u64::from_le_bytes(word).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - START_BITS)) as usize
}

/// A form of one to three bytes as one number.
fn short_key(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(bytes.len() as u32, |key, &b| key << 8 | u32::from(b))
}

impl Scanner {
    fn build(texts: &[String], pats: &[Pat]) -> Scanner {
        let mut keys: HashMap<String, usize> = HashMap::with_capacity(texts.len());
        let mut key_texts: Vec<&str> = Vec::with_capacity(texts.len());
        let mut forms: Vec<Vec<u32>> = Vec::with_capacity(texts.len());
        let mut scanner = Scanner {
            trie: Trie::new::<&str>(&[]),
            forms: Vec::new(),
            pairs: vec![0u8; 1 << 16].try_into().expect("64 KB"),
            short_pairs: vec![0; (1 << 16) / 64],
            short: FxHashSet::default(),
            mid_starts: vec![0; (1 << START_BITS) / 64],
            long_starts: vec![0; (1 << START_BITS) / 64],
        };
        for (i, (text, pat)) in texts.iter().zip(pats).enumerate() {
            let key = text.to_ascii_lowercase();
            match keys.get(&key) {
                Some(&k) => forms[k].push(i as u32),
                None => {
                    keys.insert(key, forms.len());
                    key_texts.push(text);
                    forms.push(vec![i as u32]);
                }
            }
            let upper = pat.caps_ok.then(|| text.to_ascii_uppercase());
            for written in
                std::iter::once(text.as_bytes()).chain(upper.iter().map(|u| u.as_bytes()))
            {
                scanner.add_start(written);
            }
        }
        scanner.trie = Trie::new(&key_texts);
        scanner.forms = forms;
        scanner
    }

    fn add_start(&mut self, written: &[u8]) {
        match written {
            [] => {}
            [only] => (0..256).for_each(|b| {
                self.pairs[usize::from(*only) << 8 | b] = 1;
                set_bit(&mut self.short_pairs, usize::from(*only) << 8 | b);
            }),
            [a, b, ..] => {
                let pair = usize::from(*a) << 8 | usize::from(*b);
                self.pairs[pair] = 1;
                match written.len() {
                    0..4 => set_bit(&mut self.short_pairs, pair),
                    4..8 => set_bit(&mut self.mid_starts, start_hash(&written[..4])),
                    _ => set_bit(&mut self.long_starts, start_hash(&written[..8])),
                }
            }
        }
        if written.len() < 4 {
            self.short.insert(short_key(written));
        }
    }

    /// Bit `j`: a pattern can start at `base + j`, as far as the two bytes
    /// there and the byte before tell.
    #[inline]
    fn block(&self, bytes: &[u8], base: usize) -> u64 {
        let prev = if base == 0 { b' ' } else { bytes[base - 1] };
        match bytes.get(base..base + 65) {
            Some(chunk) => candidates(&self.pairs, prev, chunk.try_into().expect("65 bytes")),
            None => {
                let mut chunk = [0u8; 65];
                chunk[..bytes.len() - base].copy_from_slice(&bytes[base..]);
                // Zero bytes start no pattern here.
                candidates(&self.pairs, prev, &chunk) & (u64::MAX >> (64 - (bytes.len() - base)))
            }
        }
    }

    /// Whether a form can start at `s`: a short form there whole, followed
    /// by no ASCII letter or digit, or the first four or eight bytes of a
    /// longer one.
    #[inline]
    fn may_start(&self, bytes: &[u8], s: usize) -> bool {
        let at = |i: usize| bytes.get(s + i).copied().unwrap_or(0);
        let pair = usize::from(bytes[s]) << 8 | usize::from(at(1));
        if bit(&self.short_pairs, pair)
            && (1..=3).any(|n| {
                s + n <= bytes.len()
                    && ASCII_WORD[usize::from(at(n))] == 0
                    && self.short.contains(&short_key(&bytes[s..s + n]))
            })
        {
            return true;
        }
        (s + 4 <= bytes.len() && bit(&self.mid_starts, start_hash(&bytes[s..s + 4])))
            || (s + 8 <= bytes.len() && bit(&self.long_starts, start_hash(&bytes[s..s + 8])))
    }
}

impl Index {
    pub fn build(data: &Data) -> anyhow::Result<Index> {
        let mut idx = Index::default();
        // written form -> (position in pats, priority)
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
                    let exact = Pat {
                        actor: ai as u32,
                        upper: false,
                        caps_ok: alias.caps,
                        rule,
                        venue: NONE,
                    };
                    // Capitals the ASCII upper case of the form misses.
                    let upper = form.to_uppercase();
                    if alias.caps && upper != form.to_ascii_uppercase() {
                        let up = Pat {
                            upper: true,
                            caps_ok: false,
                            ..exact
                        };
                        add(&mut texts, &mut idx.pats, upper, up, 1);
                    }
                    add(&mut texts, &mut idx.pats, form, exact, prio);
                }
            }
        }
        for b in &data.blocked {
            for form in written_forms(b) {
                let pat = Pat {
                    actor: BLOCKED,
                    upper: false,
                    caps_ok: true,
                    rule: plain_rule,
                    venue: NONE,
                };
                let upper = form.to_uppercase();
                if upper != form.to_ascii_uppercase() {
                    add(&mut texts, &mut idx.pats, upper, pat, 1);
                }
                add(&mut texts, &mut idx.pats, form, pat, 3);
            }
        }
        idx.texts = texts;
        idx.venues = data.venues.clone();
        idx.index_venue_places();

        // Lookup for resolve(): canonical names and facet paths first, then
        // aliases (first definition wins on a case-insensitive clash).
        idx.paths = data.actors.iter().map(|a| a.facet_path()).collect();
        idx.path_keys = idx.paths.iter().map(|p| super::path_key(p)).collect();
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
        idx.eras = data
            .actors
            .iter()
            .map(|a| {
                a.eras
                    .iter()
                    .filter_map(|e| Some((e.clone(), *countries.get(&e.actor.to_lowercase())?)))
                    .collect()
            })
            .collect();
        Ok(idx)
    }

    /// Marks each alias form that is a venue place, or a run of its words
    /// ("Berlin" in "East Berlin"), with where it sits in which places.
    fn index_venue_places(&mut self) {
        let mut spots: HashMap<String, Vec<Spot>> = HashMap::new();
        for (vi, venue) in self.venues.iter().enumerate() {
            for (pi, place) in venue.places.iter().enumerate() {
                let words: Vec<(usize, &str)> = place
                    .split(' ')
                    .scan(0, |at, w| {
                        let start = *at;
                        *at += w.len() + 1;
                        Some((start, w))
                    })
                    .collect();
                for i in 0..words.len() {
                    for j in i..words.len() {
                        let from = words[i].0;
                        let to = words[j].0 + words[j].1.len();
                        spots
                            .entry(place[from..to].to_ascii_lowercase())
                            .or_default()
                            .push(Spot {
                                venue: vi as u32,
                                place: pi as u32,
                                offset: from as u32,
                            });
                    }
                }
            }
        }
        if spots.is_empty() {
            return;
        }
        let mut lists: HashMap<String, u32> = HashMap::new();
        for (text, pat) in self.texts.iter().zip(self.pats.iter_mut()) {
            if pat.actor == BLOCKED {
                continue;
            }
            let key = text.to_ascii_lowercase();
            if let Some(found) = spots.get(&key) {
                let next = self.venue_spots.len() as u32;
                pat.venue = *lists.entry(key).or_insert_with(|| {
                    self.venue_spots.push(found.clone());
                    next
                });
            }
        }
    }

    /// All accepted mentions, in text order, non-overlapping, into `out`
    /// (cleared first); `found` is scratch space. Both are the caller's, so
    /// that they can be kept from one text to the next.
    ///
    /// A mention starts where no letter or digit precedes it, on bytes that
    /// some form starts with; only those positions are searched, each
    /// anchored for the longest pattern starting there.
    pub fn mentions(
        &self,
        rules: &Rules,
        text: &str,
        out: &mut Vec<Mention>,
        found: &mut Vec<(usize, u32)>,
    ) {
        out.clear();
        let Some(scanner) = self.scanner() else {
            return;
        };
        let bytes = text.as_bytes();
        // Matches do not overlap: candidates before `next` are inside one.
        let mut next = 0;
        let mut base = 0;
        while base < bytes.len() {
            let mut mask = scanner.block(bytes, base);
            while mask != 0 {
                let s = base + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                if s < next
                    || !scanner.may_start(bytes, s)
                    || !text.is_char_boundary(s)
                    || follows_word_char(text, s)
                {
                    continue;
                }
                if let Some((e, actor)) = self.longest_at(rules, scanner, text, s, found) {
                    if actor != BLOCKED {
                        out.push(Mention {
                            start: s,
                            end: e,
                            actor: super::ActorId(actor),
                        });
                    }
                    next = e;
                }
            }
            base += 64;
        }
    }

    /// The longest form at `s` that is a word, in an allowed case, and
    /// passes its rules: its end and actor (BLOCKED for a blocked phrase or
    /// a venue, whose end is then the end of the whole phrase). When the
    /// longest does not qualify, the next shorter pattern starting at `s`.
    fn longest_at(
        &self,
        rules: &Rules,
        scanner: &Scanner,
        text: &str,
        s: usize,
        found: &mut Vec<(usize, u32)>,
    ) -> Option<(usize, u32)> {
        scanner.trie.walk(text.as_bytes(), s, found);
        for &(e, p) in found.iter().rev() {
            if !is_boundary(text, s, e) {
                continue;
            }
            let Some(pat) = self.written_as(scanner, p as usize, &text[s..e]) else {
                continue;
            };
            if pat.actor == BLOCKED {
                return Some((e, BLOCKED));
            }
            if self.accept(rules, text, s, e, pat) {
                if let Some(phrase_end) = self.venue_end(text, s, pat) {
                    return Some((phrase_end.max(e), BLOCKED));
                }
                return Some((e, pat.actor));
            }
        }
        None
    }

    /// Which form of automaton pattern `p` the matched text is: one written
    /// exactly so, else one whose upper case it is (an upper-case form of an
    /// alias then matches only in an all-caps line).
    fn written_as(&self, scanner: &Scanner, p: usize, matched: &str) -> Option<Pat> {
        let forms = &scanner.forms[p];
        if let Some(&i) = forms.iter().find(|&&i| self.texts[i as usize] == matched) {
            return Some(self.pats[i as usize]);
        }
        let upper = |t: &str| {
            t.bytes()
                .zip(matched.bytes())
                .all(|(a, b)| a.to_ascii_uppercase() == b)
        };
        forms
            .iter()
            .map(|&i| i as usize)
            .find(|&i| self.pats[i].caps_ok && upper(&self.texts[i]))
            .map(|i| Pat {
                upper: self.pats[i].actor != BLOCKED,
                ..self.pats[i]
            })
    }

    /// The end of the venue phrase around a mention of a place ("talks in
    /// Vienna", "the Tokyo market"), if it stands in one.
    fn venue_end(&self, text: &str, s: usize, pat: Pat) -> Option<usize> {
        let spots = self.venue_spots.get(pat.venue as usize)?;
        let bytes = text.as_bytes();
        for spot in spots {
            let venue = &self.venues[spot.venue as usize];
            let place = venue.places[spot.place as usize].as_bytes();
            let Some(ps) = s.checked_sub(spot.offset as usize) else {
                continue;
            };
            let pe = ps + place.len();
            if !bytes
                .get(ps..pe)
                .is_some_and(|t| t.eq_ignore_ascii_case(place))
            {
                continue;
            }
            for (before, after) in &venue.templates {
                let Some(bs) = ps.checked_sub(before.len()) else {
                    continue;
                };
                let ae = pe + after.len();
                if bytes[bs..ps].eq_ignore_ascii_case(before.as_bytes())
                    && bytes
                        .get(pe..ae)
                        .is_some_and(|t| t.eq_ignore_ascii_case(after.as_bytes()))
                    && text.is_char_boundary(bs)
                    && text.is_char_boundary(ae)
                    && is_boundary(text, bs, ae)
                {
                    return Some(ae);
                }
            }
        }
        None
    }

    /// The automaton and its prefilter, built on the first call; `None`
    /// without patterns.
    fn scanner(&self) -> Option<&Scanner> {
        self.scanner
            .get_or_init(|| {
                (!self.texts.is_empty()).then(|| Scanner::build(&self.texts, &self.pats))
            })
            .as_ref()
    }

    /// Builds the scanner now rather than on the first match.
    pub fn prepare(&self) {
        self.scanner();
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
