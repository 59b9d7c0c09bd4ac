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

use super::gazetteer::{plural, ActorKind, Data, Era, Office, Rules, Venue};
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
    /// The rule that mapped the words to the actor.
    pub via: Via,
}

/// How the words of a mention name its actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// The canonical name.
    Name,
    /// An alias: another name, an abbreviation, a capital or seat of power.
    Alias,
    /// A demonym or adjective ("Iranian").
    Demonym,
    /// A surname, where the brief also names the person in full.
    Surname,
    /// A surname after a title of office that the person held on the
    /// brief's date ("President Bush" in 2005).
    Office,
    /// The name of a state of a federation ("a Georgia jury").
    State,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Name => "name",
            Via::Alias => "alias",
            Via::Demonym => "demonym",
            Via::Surname => "surname",
            Via::Office => "office",
            Via::State => "state",
        }
    }
}

/// A candidate the rules turned down: where, which actor, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub start: usize,
    pub end: usize,
    pub actor: super::ActorId,
    /// The rule, e.g. `blocked phrase "New Mexico"`.
    pub rule: String,
}

/// Records why a candidate was dropped, where the caller asked (`--explain`);
/// the rule's text is built only then.
fn record_drop(
    dropped: &mut Option<&mut Vec<Dropped>>,
    start: usize,
    end: usize,
    actor: super::ActorId,
    rule: impl FnOnce() -> String,
) {
    if let Some(d) = dropped.as_deref_mut() {
        d.push(Dropped {
            start,
            end,
            actor,
            rule: rule(),
        });
    }
}

/// Why [`Index::accept`] turned a candidate down.
enum Reject {
    Compound,
    CapsOnly,
    NoCaps,
    NameBeside(String),
    PersonNoun(String),
    Unless(String),
    /// A former name in a brief of that date (None: no date, no year).
    Until(String, Option<String>),
    NoThe,
}

impl Reject {
    fn describe(&self) -> String {
        match self {
            Reject::Compound => "glued to a firm's or product's compound (\"-based\")".into(),
            Reject::CapsOnly => "capitals of the alias outside an all-caps line".into(),
            Reject::NoCaps => "caps = false alias in an all-caps line".into(),
            Reject::NameBeside(w) => format!("part of another name: next to {w:?}"),
            Reject::PersonNoun(w) => format!("a person's name after {w:?}"),
            Reject::Unless(w) => format!("unless: {w:?} nearby"),
            Reject::Until(until, Some(when)) => {
                format!("a former name: the brief is of {when}, not before {until}")
            }
            Reject::Until(until, None) => {
                format!("a former name (until {until}) in a brief with no date and no year")
            }
            Reject::NoThe => "names the actor only after \"the\"".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    caps: bool,
    name_like: bool,
    unless: Vec<String>,
    until: Option<String>,
    after_the: bool,
}

/// One written form of an alias or blocked phrase.
#[derive(Debug, Clone, Copy)]
struct Pat {
    /// Actor index, or BLOCKED.
    actor: u32,
    via: Via,
    /// A place or country name (not a demonym), under `rules.place_in_names`.
    place: bool,
    /// One of `rules.club_places`.
    club: bool,
    /// One of `rules.state_names`.
    state: bool,
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
    /// Folded lower-case surname -> the people of that surname.
    surnames: HashMap<String, Vec<u32>>,
    /// Actor index -> the offices the person held.
    offices: Vec<Vec<Office>>,
    /// The federation that `rules.state_names` name, by actor index.
    state_country: Option<u32>,
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
        idx.state_country = data.rules.state_country.as_deref().and_then(|c| {
            data.actors
                .iter()
                .position(|a| a.kind == ActorKind::Country && a.name.eq_ignore_ascii_case(c))
                .map(|i| i as u32)
        });
        for (ai, actor) in data.actors.iter().enumerate() {
            if actor.kind == ActorKind::Person {
                if let Some(last) = actor.name.rsplit(' ').next() {
                    if last != actor.name {
                        let key = fold(&last.to_lowercase());
                        idx.surnames.entry(key).or_default().push(ai as u32);
                    }
                }
            }
        }
        idx.offices = data.actors.iter().map(|a| a.offices.clone()).collect();
        let plain_rule = idx.rules.len() as u32;
        idx.rules.push(Rule {
            caps: true,
            name_like: false,
            unless: Vec::new(),
            until: None,
            after_the: false,
        });
        for (ai, actor) in data.actors.iter().enumerate() {
            let demonyms: Vec<String> = actor
                .demonyms
                .iter()
                .flat_map(|d| std::iter::once(d.text.clone()).chain(plural(&d.text)))
                .collect();
            let last = actor.name.rsplit(' ').next().unwrap_or("");
            for alias in actor.all_aliases() {
                let via = if alias.text == actor.name {
                    Via::Name
                } else if demonyms.contains(&alias.text) {
                    Via::Demonym
                } else if actor.kind == ActorKind::Person
                    && last != actor.name
                    && !alias.text.contains(' ')
                    && fold(&alias.text.to_lowercase()) == fold(&last.to_lowercase())
                {
                    Via::Surname
                } else {
                    Via::Alias
                };
                let place = data.rules.place_in_names
                    && actor.kind == ActorKind::Country
                    && via != Via::Demonym;
                let club = data.rules.club_places.contains(&alias.text);
                let state = data.rules.state_names.contains(&alias.text)
                    && idx.state_country != Some(ai as u32);
                let rule = if alias.caps
                    && !alias.name_like
                    && alias.unless.is_empty()
                    && alias.until.is_none()
                    && !alias.after_the
                {
                    plain_rule
                } else {
                    idx.rules.push(Rule {
                        caps: alias.caps,
                        name_like: alias.name_like,
                        unless: alias.unless.clone(),
                        until: alias.until.clone(),
                        after_the: alias.after_the,
                    });
                    idx.rules.len() as u32 - 1
                };
                for (n, form) in written_forms(&alias.text).into_iter().enumerate() {
                    let prio = if n == 0 { 3 } else { 2 };
                    let exact = Pat {
                        actor: ai as u32,
                        via,
                        place,
                        club,
                        state,
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
                    via: Via::Alias,
                    place: false,
                    club: false,
                    state: false,
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
    /// that they can be kept from one text to the next. `date` is the
    /// brief's (`YYYY-MM-DD`), for the offices of people; candidates turned
    /// down go to `dropped` when it is given.
    ///
    /// A mention starts where no letter or digit precedes it, on bytes that
    /// some form starts with; only those positions are searched, each
    /// anchored for the longest pattern starting there. Then the rules that
    /// need the whole text run: surnames, clubs.
    pub fn mentions(
        &self,
        rules: &Rules,
        text: &str,
        date: Option<&str>,
        out: &mut Vec<Mention>,
        found: &mut Vec<(usize, u32)>,
        mut dropped: Option<&mut Vec<Dropped>>,
    ) {
        out.clear();
        let Some(scanner) = self.scanner() else {
            return;
        };
        let bytes = text.as_bytes();
        // Matches do not overlap: candidates before `next` are inside one.
        let mut next = 0;
        let mut base = 0;
        let mut clubs = false;
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
                let drops = dropped.as_deref_mut();
                if let Some((e, actor, via, club)) =
                    self.longest_at(rules, scanner, text, s, date, found, drops)
                {
                    if actor != BLOCKED {
                        clubs |= club;
                        out.push(Mention {
                            start: s,
                            end: e,
                            actor: super::ActorId(actor),
                            via,
                        });
                    }
                    next = e;
                }
            }
            base += 64;
        }
        if clubs {
            self.drop_clubs(rules, text, out, dropped.as_deref_mut());
        }
        if rules.place_in_names {
            let place = |m: &Mention| self.paths[m.actor.0 as usize].starts_with("/country/");
            drop_titled_names(rules, text, out, place, dropped.as_deref_mut());
        }
        if out.iter().any(|m| m.via == Via::Surname) {
            self.resolve_surnames(rules, text, date, out, dropped);
        }
    }

    /// In a brief about sport (one of `rules.sport_words`), a place that is
    /// also a club's name is the club ("Liverpool", "Real Madrid").
    fn drop_clubs(
        &self,
        rules: &Rules,
        text: &str,
        out: &mut Vec<Mention>,
        dropped: Option<&mut Vec<Dropped>>,
    ) {
        let Some(word) = rules.sport_words.iter().find(|w| {
            text.match_indices(w.as_str())
                .any(|(i, _)| is_boundary(text, i, i + w.len()))
        }) else {
            return;
        };
        let is_club = |m: &Mention| rules.club_places.contains(&text[m.start..m.end]);
        if let Some(d) = dropped {
            for m in out.iter().filter(|m| is_club(m)) {
                d.push(Dropped {
                    start: m.start,
                    end: m.end,
                    actor: m.actor,
                    rule: format!("a club's name in a brief about sport ({word:?})"),
                });
            }
        }
        out.retain(|m| !is_club(m));
    }

    /// A surname alone names a person only when the text also names one
    /// person of that surname in full (the nearest full mention before it,
    /// else the first after), or when a title of office stands before it
    /// and the person held an office on the brief's date (undated: in the
    /// year the text mentions most). Otherwise it is someone else.
    fn resolve_surnames(
        &self,
        rules: &Rules,
        text: &str,
        date: Option<&str>,
        out: &mut Vec<Mention>,
        mut dropped: Option<&mut Vec<Dropped>>,
    ) {
        let full: Vec<(usize, u32)> = out
            .iter()
            .filter(|m| m.via != Via::Surname)
            .map(|m| (m.start, m.actor.0))
            .collect();
        let mut year: Option<Option<String>> = None;
        let mut keep = vec![true; out.len()];
        for (k, m) in out.iter_mut().enumerate() {
            if m.via != Via::Surname {
                continue;
            }
            let key = fold(&text[m.start..m.end].to_lowercase());
            let owner = [m.actor.0];
            let people = self.surnames.get(&key).map_or(&owner[..], |v| &v[..]);
            let before = full
                .iter()
                .rev()
                .find(|(at, a)| *at < m.start && people.contains(a));
            let after = full.iter().find(|(_, a)| people.contains(a));
            if let Some(&(_, a)) = before.or(after) {
                m.actor = super::ActorId(a);
                continue;
            }
            // The full name with a middle name or patronymic between:
            // "Nursultan Abish-uly Nazarbayev".
            if let Some(a) = self.own_first_name_before(text, m.start, m.actor.0) {
                m.actor = super::ActorId(a);
                continue;
            }
            let title = office_before(rules, text, m.start);
            let verdict: Result<u32, String> = match title {
                None => Err(
                    "a surname alone: the text names no one of that name in full, \
                             nor with a title of office"
                        .to_string(),
                ),
                Some(title) => {
                    let when = date
                        .map(str::to_string)
                        .or_else(|| year.get_or_insert_with(|| main_year(text)).clone());
                    let with_data: Vec<u32> = people
                        .iter()
                        .copied()
                        .filter(|&p| !self.offices[p as usize].is_empty())
                        .collect();
                    match when {
                        _ if with_data.is_empty() && people.len() == 1 => Ok(people[0]),
                        Some(when) => {
                            let fits: Vec<u32> = with_data
                                .iter()
                                .copied()
                                .filter(|&p| {
                                    self.offices[p as usize].iter().any(|o| o.covers(&when))
                                })
                                .collect();
                            match fits.as_slice() {
                                [one] => Ok(*one),
                                [] => Err(format!(
                                    "{title:?} {}: no one of that name held an office in {when}",
                                    &text[m.start..m.end]
                                )),
                                _ => Err(format!(
                                    "{title:?} {}: several of that name held an office in {when}",
                                    &text[m.start..m.end]
                                )),
                            }
                        }
                        None => Err(format!(
                            "{title:?} {}: several people of that name, and no date",
                            &text[m.start..m.end]
                        )),
                    }
                }
            };
            match verdict {
                Ok(p) => {
                    m.actor = super::ActorId(p);
                    m.via = Via::Office;
                }
                Err(rule) => {
                    keep[k] = false;
                    record_drop(&mut dropped, m.start, m.end, m.actor, || rule);
                }
            }
        }
        let mut k = 0;
        out.retain(|_| {
            k += 1;
            keep[k - 1]
        });
    }

    /// The longest form at `s` that is a word, in an allowed case, and
    /// passes its rules: its end, actor (BLOCKED for a blocked phrase or a
    /// venue, whose end is then the end of the whole phrase), how it names
    /// the actor and whether it is a club's place. When the longest does
    /// not qualify, the next shorter pattern starting at `s`.
    #[allow(clippy::too_many_arguments)] // the scan's state, passed down as is
    fn longest_at(
        &self,
        rules: &Rules,
        scanner: &Scanner,
        text: &str,
        s: usize,
        date: Option<&str>,
        found: &mut Vec<(usize, u32)>,
        mut dropped: Option<&mut Vec<Dropped>>,
    ) -> Option<(usize, u32, Via, bool)> {
        scanner.trie.walk(text.as_bytes(), s, found);
        let mut blocked_by: Option<(usize, String)> = None;
        for &(e, p) in found.iter().rev() {
            if !is_boundary(text, s, e) {
                continue;
            }
            let Some(pat) = self.written_as(scanner, p as usize, &text[s..e]) else {
                continue;
            };
            if pat.actor == BLOCKED {
                if dropped.is_none() {
                    return Some((e, BLOCKED, Via::Alias, false));
                }
                // Explaining: which aliases the phrase hides.
                blocked_by.get_or_insert((e, format!("blocked phrase {:?}", &text[s..e])));
                continue;
            }
            if let Some((end, rule)) = &blocked_by {
                record_drop(&mut dropped, s, e, super::ActorId(pat.actor), || {
                    rule.clone()
                });
                return Some((*end, BLOCKED, Via::Alias, false));
            }
            match self.accept(rules, text, s, e, pat, date) {
                Ok(()) => {
                    if let Some(phrase_end) = self.venue_end(text, s, pat) {
                        record_drop(&mut dropped, s, e, super::ActorId(pat.actor), || {
                            format!("a venue: {:?}", venue_phrase(text, s, phrase_end.max(e)))
                        });
                        return Some((phrase_end.max(e), BLOCKED, Via::Alias, false));
                    }
                    if pat.state {
                        if let (Some(us), Some(why)) = (
                            self.state_country,
                            self.state_context(rules, text, s, e, pat),
                        ) {
                            record_drop(&mut dropped, s, e, super::ActorId(pat.actor), || {
                                format!("the state, not the country: {why}")
                            });
                            return Some((e, us, Via::State, false));
                        }
                    }
                    return Some((e, pat.actor, pat.via, pat.club));
                }
                Err(Reject::Unless(phrase)) if pat.state && self.state_country.is_some() => {
                    // A state's `unless` phrases mean the state.
                    record_drop(&mut dropped, s, e, super::ActorId(pat.actor), || {
                        format!("the state, not the country: {phrase:?} nearby")
                    });
                    let us = self.state_country.unwrap_or(BLOCKED);
                    return Some((e, us, Via::State, false));
                }
                Err(why) => {
                    record_drop(&mut dropped, s, e, super::ActorId(pat.actor), || {
                        why.describe()
                    });
                }
            }
        }
        blocked_by.map(|(end, _)| (end, BLOCKED, Via::Alias, false))
    }

    /// Why a state's name at `s..e` is the state: a noun of `rules.state_nouns`
    /// after it ("Georgia jury", "Georgia's 6th congressional district"), a
    /// city before it ("Atlanta, Georgia"), or another state's name nearby.
    fn state_context(
        &self,
        rules: &Rules,
        text: &str,
        s: usize,
        e: usize,
        pat: Pat,
    ) -> Option<String> {
        let rest = &text[e..];
        let rest = rest
            .strip_prefix("'s")
            .or_else(|| rest.strip_prefix("\u{2019}s"))
            .unwrap_or(rest);
        let mut words = rest.split_whitespace().take(3);
        let first = rest.starts_with(' ').then(|| words.next()).flatten();
        for w in first.into_iter().chain(words) {
            let core = w.trim_end_matches(|c: char| !c.is_alphanumeric());
            if rules.state_nouns.contains(core) {
                return Some(format!("{:?} before {core:?}", &text[s..e]));
            }
            // Only an ordinal ("6th") may stand between.
            if !core.ends_with("th")
                && !core.ends_with("st")
                && !core.ends_with("nd")
                && !core.ends_with("rd")
                || !core.starts_with(|c: char| c.is_ascii_digit())
            {
                break;
            }
        }
        if let Some(before) = text[..s].strip_suffix(", ") {
            let city = before
                .rsplit(|c: char| !c.is_alphanumeric() && c != '.' && c != '-')
                .next()
                .unwrap_or("");
            if city.starts_with(|c: char| c.is_uppercase())
                && self.lookup.get(&city.to_lowercase()) != Some(&(pat.actor as usize))
                && !rules.name_ok.contains(city)
            {
                return Some(format!("{city:?}, {}", &text[s..e]));
            }
        }
        let lo = floor_char(text, s.saturating_sub(rules.context_window));
        let hi = ceil_char(text, (e + rules.context_window).min(text.len()));
        let me = &text[s..e];
        for name in &rules.state_names {
            if name == me {
                continue;
            }
            let window = &text[lo..hi];
            if window
                .match_indices(name.as_str())
                .any(|(i, _)| is_boundary(window, i, i + name.len()))
            {
                return Some(format!("near {name:?}"));
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

    fn accept(
        &self,
        rules: &Rules,
        text: &str,
        s: usize,
        e: usize,
        pat: Pat,
        date: Option<&str>,
    ) -> Result<(), Reject> {
        if in_compound(rules, text, e) {
            return Err(Reject::Compound);
        }
        let rule = &self.rules[pat.rule as usize];
        if rule.after_the && !after_the(text, s) {
            return Err(Reject::NoThe);
        }
        if let Some(until) = &rule.until {
            // Dates and years compare as strings: "1930-05-01" < "1935".
            let when = date.map(str::to_string).or_else(|| main_year(text));
            if when.as_deref().is_none_or(|w| w >= until.as_str()) {
                return Err(Reject::Until(until.clone(), when));
            }
        }
        let surname = pat.via == Via::Surname;
        if pat.upper || !rule.caps || rule.name_like || pat.place || surname {
            let line = line_around(text, s, e);
            let caps = is_caps_line(line);
            if pat.upper && !caps {
                return Err(Reject::CapsOnly);
            }
            if !rule.caps && caps {
                return Err(Reject::NoCaps);
            }
            if pat.place || rule.name_like || surname {
                if let Some(noun) = person_noun_before(rules, text, s) {
                    if !surname && pat.via != Via::Demonym {
                        return Err(Reject::PersonNoun(noun.to_string()));
                    }
                }
            }
            if !caps && !is_heading(line) {
                if surname {
                    // "Amber Rudd", "T Howe": another first name or an
                    // initial; "Mr Blair", "President Bush" are fine.
                    // The person's own first name two words before is
                    // fine: "Nursultan Abish-uly Nazarbayev".
                    let before = name_before(rules, text, s, true)
                        .filter(|_| self.own_first_name_before(text, s, pat.actor).is_none());
                    if let Some(w) = before.or_else(|| name_after(rules, text, e)) {
                        return Err(Reject::NameBeside(w.to_string()));
                    }
                } else if rule.name_like {
                    if let Some(w) = beside_a_name(rules, text, s, e) {
                        return Err(Reject::NameBeside(w.to_string()));
                    }
                } else if pat.place {
                    if let Some(w) = self.place_in_name(rules, text, s, e) {
                        return Err(Reject::NameBeside(w.to_string()));
                    }
                }
            }
        }
        if !rule.unless.is_empty() {
            let lo = floor_char(text, s.saturating_sub(rules.context_window));
            let hi = ceil_char(text, (e + rules.context_window).min(text.len()));
            let window = &text[lo..hi];
            for phrase in &rule.unless {
                for (i, _) in window.match_indices(phrase.as_str()) {
                    if is_boundary(window, i, i + phrase.len()) {
                        return Err(Reject::Unless(phrase.clone()));
                    }
                }
            }
        }
        Ok(())
    }

    /// The one person with `actor`'s surname whose first name (the
    /// canonical name's first word) is one of the two words before `s`.
    fn own_first_name_before(&self, text: &str, s: usize, actor: u32) -> Option<u32> {
        let last = |a: u32| self.paths[a as usize].rsplit(' ').next().unwrap_or("");
        let key = fold(&last(actor).to_lowercase());
        let owner = [actor];
        let people = self.surnames.get(&key).map_or(&owner[..], |v| &v[..]);
        let lo = floor_char(text, s.saturating_sub(60));
        let words: Vec<&str> = text[lo..s].split_whitespace().rev().take(2).collect();
        let mut fits = people.iter().copied().filter(|&p| {
            let name = self.paths[p as usize].rsplit('/').next().unwrap_or("");
            let first = name.split(' ').next().unwrap_or("");
            first != name && words.contains(&first)
        });
        // Two of that first name and surname ("George ... Bush"): neither.
        match (fits.next(), fits.next()) {
            (Some(p), None) => Some(p),
            _ => None,
        }
    }

    /// `rules.place_in_names`: the capitalised word right next to a place's
    /// name that makes it part of another name ("Milan Baros", "Stephen
    /// Toulouse", "Manchester United", "FC Barcelona"): not in `name_ok`,
    /// not itself an alias, and (before the place) not just the first word
    /// of a sentence. Names in capitals ("US", "UK") are often followed by
    /// an institution's name ("US Senate") and are checked only before.
    fn place_in_name<'t>(
        &self,
        rules: &Rules,
        text: &'t str,
        s: usize,
        e: usize,
    ) -> Option<&'t str> {
        let is_alias = |w: &str| self.lookup.contains_key(&w.to_lowercase());
        if let Some(w) = name_before(rules, text, s, false) {
            if !is_alias(w) {
                return Some(w);
            }
        }
        // "Le Roi de Lahore", "Stade de France": a particle of a name in
        // another language between a capitalised word and the place.
        if let Some(before) = text[..s].strip_suffix(' ') {
            let at = before.rfind(' ').map_or(0, |i| i + 1);
            if rules.name_particles.contains(&before[at..]) {
                if let Some(w) = name_before(rules, text, at, false) {
                    if !is_alias(w) {
                        return Some(w);
                    }
                }
            }
        }
        let matched = &text[s..e];
        if matched.chars().any(char::is_lowercase) {
            if let Some(after) = text[e..].strip_prefix(' ') {
                let word = after.split(char::is_whitespace).next().unwrap_or("");
                let core = word.trim_end_matches(|c: char| !c.is_alphanumeric());
                let core = core.split(['\'', '\u{2019}']).next().unwrap_or("");
                let title = rules.name_titles.contains(core)
                    || rules.name_titles.contains(&format!("{core}."))
                    || rules.office_titles.iter().any(|t| t == core);
                // An institution or event of the place with one word
                // between: "London Book Fair", "Cannes Lions Festival".
                let then = after[word.len()..].strip_prefix(' ').map(|rest| {
                    let next = rest.split(char::is_whitespace).next().unwrap_or("");
                    next.trim_end_matches(|c: char| !c.is_alphanumeric())
                });
                let institution = word.len() == core.len()
                    && then.is_some_and(|w| {
                        w.starts_with(char::is_uppercase) && rules.name_ok.contains(w)
                    });
                if core.chars().next().is_some_and(char::is_uppercase)
                    && core.chars().skip(1).any(char::is_lowercase)
                    && !rules.name_ok.contains(core)
                    && !title
                    && !is_alias(core)
                    && !institution
                {
                    return Some(core);
                }
            }
        }
        None
    }
}

/// The capitalised word right before byte `s` (one space between) that
/// makes the words from `s` part of a name: not in `rules.name_ok`, not the
/// first word of a sentence or line, or an initial ("T Howe", "B."); with
/// `person`, titles ("Mr", "Dr.", `rules.name_titles` without their dot)
/// do not count.
fn name_before<'t>(rules: &Rules, text: &'t str, s: usize, person: bool) -> Option<&'t str> {
    let before = text[..s].strip_suffix(' ')?;
    let start = before.rfind(|c: char| c.is_whitespace()).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let raw = &before[start..];
    let word = raw.trim_start_matches(['"', '(', '\u{201c}', '\'', '\u{2018}']);
    if !word.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    let initial = word.chars().count() <= 2
        && word.chars().next().is_some_and(char::is_uppercase)
        && word.chars().nth(1).is_none_or(|c| c == '.');
    if !initial && !word.chars().next_back().is_some_and(char::is_alphabetic) {
        return None;
    }
    if rules.name_ok.contains(word) {
        return None;
    }
    let title = rules.name_titles.contains(word)
        || rules.name_titles.contains(&format!("{word}."))
        || rules.office_titles.iter().any(|t| t == word);
    if person && title {
        return None;
    }
    if title {
        return Some(word);
    }
    // The first word of a sentence or line is capitalised anyway.
    let prev = before[..start].trim_end_matches([' ', '"', '(', '\u{201c}']);
    let sentence_start = raw.len() != word.len() && prev.is_empty()
        || prev.is_empty()
        || prev.ends_with(['.', '!', '?', ':', '\n', ';'])
        || before[..start].ends_with('\n');
    if sentence_start && !initial {
        return None;
    }
    Some(word)
}

/// The capitalised word right after byte `e` (one space between) that is
/// not in `rules.name_ok`: "Sharon Osbourne" is not Ariel Sharon.
fn name_after<'t>(rules: &Rules, text: &'t str, e: usize) -> Option<&'t str> {
    let after = text[e..].strip_prefix(' ')?;
    let word = after.split(char::is_whitespace).next().unwrap_or("");
    let core = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    let core = core.split(['\'', '\u{2019}']).next().unwrap_or("");
    (core.chars().next().is_some_and(char::is_uppercase) && !rules.name_ok.contains(core))
        .then_some(core)
}

/// A lower-case noun of `rules.person_nouns` right before `s` ("rapper
/// Kano"), skipping one capitalised first name ("striker Milan Baros").
fn person_noun_before<'t>(rules: &Rules, text: &'t str, s: usize) -> Option<&'t str> {
    if rules.person_nouns.is_empty() {
        return None;
    }
    let before = text[..s].strip_suffix(' ')?;
    let word = before.rsplit(' ').next().unwrap_or("");
    rules.person_nouns.contains(word).then_some(word)
}

/// A country's or place's one-word name that the text also gives a person, after a
/// title ("Mr Houston", "Dr Kelly"), is that person's name everywhere in
/// the text: "John Houston, 54, ... Mr Houston said" names no city.
fn drop_titled_names(
    rules: &Rules,
    text: &str,
    out: &mut Vec<Mention>,
    place: impl Fn(&Mention) -> bool,
    mut dropped: Option<&mut Vec<Dropped>>,
) {
    let mut verdicts: Vec<(&str, Option<&str>)> = Vec::new();
    let mut keep = vec![true; out.len()];
    for (k, m) in out.iter().enumerate() {
        let word = &text[m.start..m.end];
        if !matches!(m.via, Via::Alias | Via::Name)
            || !place(m)
            || word.contains(' ')
            || !word.chars().skip(1).any(char::is_lowercase)
        {
            continue;
        }
        let title = match verdicts.iter().find(|(w, _)| *w == word) {
            Some(&(_, t)) => t,
            None => {
                let t = text.match_indices(word).find_map(|(i, _)| {
                    let before = text[..i].strip_suffix(' ')?;
                    let t = before.rsplit(char::is_whitespace).next()?;
                    (is_boundary(text, i, i + word.len()) && rules.name_titles.contains(t))
                        .then_some(t)
                });
                verdicts.push((word, t));
                t
            }
        };
        if let Some(t) = title {
            keep[k] = false;
            record_drop(&mut dropped, m.start, m.end, m.actor, || {
                format!("a person's name in this text: \"{t} {word}\"")
            });
        }
    }
    let mut k = 0;
    out.retain(|_| {
        k += 1;
        keep[k - 1]
    });
}

/// Whether "the " (any case) stands right before byte `s` as a word.
fn after_the(text: &str, s: usize) -> bool {
    let before = &text.as_bytes()[..s];
    before.len() >= 4
        && before[before.len() - 4..].eq_ignore_ascii_case(b"the ")
        && !follows_word_char(text, s - 4)
}

/// The title of office ending right before byte `s` ("President ",
/// "Prime Minister "), if any.
fn office_before<'r>(rules: &'r Rules, text: &str, s: usize) -> Option<&'r str> {
    let before = text[..s].strip_suffix(' ')?;
    rules
        .office_titles
        .iter()
        .filter(|t| {
            before.ends_with(t.as_str())
                && !before[..before.len() - t.len()]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        })
        .max_by_key(|t| t.len())
        .map(String::as_str)
}

/// The year (1900-2099) a text mentions most, the latest on a tie: the date
/// of an undated text for the offices of people.
fn main_year(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for i in 0..bytes.len().saturating_sub(3) {
        let y = &bytes[i..i + 4];
        if (y.starts_with(b"19") || y.starts_with(b"20"))
            && y.iter().all(u8::is_ascii_digit)
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_alphanumeric())
        {
            *counts.entry(&text[i..i + 4]).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(y, n)| (n, y))
        .map(|(y, _)| y.to_string())
}

/// The words of a venue phrase, for explanations.
fn venue_phrase(text: &str, s: usize, end: usize) -> &str {
    let lo = floor_char(text, s.saturating_sub(40));
    let start = text[lo..s]
        .rfind(['.', '\n', ','])
        .map_or(lo, |i| lo + i + 1);
    text[start..end.min(text.len())].trim()
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
fn beside_a_name<'t>(rules: &Rules, text: &'t str, s: usize, e: usize) -> Option<&'t str> {
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
            return Some(word);
        }
    }
    if let Some(after) = text[e..].strip_prefix(' ') {
        let word = after.split(char::is_whitespace).next().unwrap_or("");
        let core = word.trim_end_matches(|c: char| !c.is_alphanumeric());
        let core = core.split(['\'', '\u{2019}']).next().unwrap_or("");
        if capitalised(core) && !rules.name_ok.contains(core) {
            return Some(core);
        }
    }
    None
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
