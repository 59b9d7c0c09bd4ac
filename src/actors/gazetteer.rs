//! The gazetteer: actors, their aliases and the data-driven ambiguity rules,
//! parsed from TOML (see the header of `data/actors.toml` for the format).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use anyhow::{bail, Context};
use serde::Deserialize;

/// The four kinds of actor; each has its own facet root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    Country,
    Org,
    Group,
    Person,
}

impl ActorKind {
    /// The facet root segment: "country", "org", "group" or "person".
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Country => "country",
            ActorKind::Org => "org",
            ActorKind::Group => "group",
            ActorKind::Person => "person",
        }
    }

    /// Parses a facet root segment (case-insensitive).
    pub fn parse(s: &str) -> Option<ActorKind> {
        match s.to_ascii_lowercase().as_str() {
            "country" => Some(ActorKind::Country),
            "org" => Some(ActorKind::Org),
            "group" => Some(ActorKind::Group),
            "person" => Some(ActorKind::Person),
            _ => None,
        }
    }
}

impl fmt::Display for ActorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One surface form of an actor, with its ambiguity rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// The text as written; matched case-sensitively (plus the variants
    /// described in the data file header).
    pub text: String,
    /// `false`: never matches inside an all-caps line (and gets no
    /// upper-case variant), for words that are common words in capitals.
    pub caps: bool,
    /// `true`: the alias is also a personal name; outside headings it is
    /// rejected when a capitalised word (not in `rules.name_ok`) stands
    /// directly before or after it ("Michael Jordan", "Chad Smith").
    pub name_like: bool,
    /// Rejected when one of these phrases occurs within
    /// `rules.context_window` bytes ("Georgia" near "Atlanta").
    pub unless: Vec<String>,
    /// A former name ("Persia"): it names the actor only in a brief dated
    /// before this year or date (an undated brief by the year its text
    /// mentions most; with no year at all, not).
    pub until: Option<String>,
    /// `true`: names the actor only right after "the" ("the Emirates");
    /// bare, it is something else (the airline Emirates).
    pub after_the: bool,
}

impl Alias {
    /// A plain alias with default rules.
    pub fn plain(text: impl Into<String>) -> Alias {
        Alias {
            text: text.into(),
            caps: true,
            name_like: false,
            unless: Vec::new(),
            until: None,
            after_the: false,
        }
    }
}

/// A canonical actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Canonical name, the last segment of the facet path.
    pub name: String,
    pub kind: ActorKind,
    /// Names, abbreviations, places and institutions standing for the actor.
    pub aliases: Vec<Alias>,
    /// Demonyms/adjectives; most also match with a plural "s" ("Iranian" ->
    /// "Iranians") unless they end in -sh, -ch, -ss, -se, -ic, -ed, -man,
    /// -men, -s, -x or -z.
    pub demonyms: Vec<Alias>,
    /// Countries that a match of this (person/org/group) actor also yields.
    pub countries: Vec<String>,
    /// For historical states: the canonical name of the successor state.
    pub successor: Option<String>,
    /// A state that no longer exists under this name.
    pub historical: bool,
    /// Periods in which a mention of this (modern) country stands for
    /// another state: "Moscow" in 1987 is the Soviet Union.
    pub eras: Vec<Era>,
    /// (people) The offices held and when: a surname after an office title
    /// ("President Bush") is this person only on a date in one of them.
    pub offices: Vec<Office>,
}

/// An office a person held, and when.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// "President", "Prime Minister", "Chancellor of the Exchequer"...
    pub title: String,
    /// First day in office (`YYYY-MM-DD`, or a year), open when absent.
    pub from: Option<String>,
    /// First day out of office, open when absent (still in office).
    pub until: Option<String>,
}

impl Office {
    /// Whether a `YYYY-MM-DD` date (or a `YYYY` year: any day of it) falls
    /// in the term.
    pub fn covers(&self, date: &str) -> bool {
        // A year is the span from its first day to the next year's.
        let (lo, hi) = match date.parse::<u32>() {
            Ok(year) if date.len() == 4 => (format!("{year}-01-01"), format!("{}", year + 1)),
            _ => (date.to_string(), date.to_string()),
        };
        let from_ok = self.from.as_deref().is_none_or(|from| {
            if date.len() == 4 {
                from < hi.as_str()
            } else {
                date >= from
            }
        });
        let until_ok = self.until.as_deref().is_none_or(|until| {
            if date.len() == 4 {
                until > lo.as_str()
            } else {
                date < until
            }
        });
        from_ok && until_ok
    }
}

/// A period in which mentions of an actor mean another state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Era {
    /// First day of the period (`YYYY-MM-DD`), open when absent.
    pub from: Option<String>,
    /// First day after the period (`YYYY-MM-DD`), open when absent.
    pub until: Option<String>,
    /// The canonical name of the country meant in that period.
    pub actor: String,
}

impl Era {
    /// Whether a `YYYY-MM-DD` date falls in the period.
    pub fn covers(&self, date: &str) -> bool {
        self.from.as_deref().is_none_or(|from| date >= from)
            && self.until.as_deref().is_none_or(|until| date < until)
    }
}

impl Actor {
    /// The facet path, e.g. "/country/Iran".
    pub fn facet_path(&self) -> String {
        format!("/{}/{}", self.kind.as_str(), self.name)
    }

    /// Every alias the matcher uses: the canonical name (plain, unless it is
    /// also listed among the aliases with rules of its own), the aliases,
    /// the demonyms and their generated plurals.
    pub fn all_aliases(&self) -> Vec<Alias> {
        let mut out: Vec<Alias> = Vec::new();
        if !self.aliases.iter().any(|a| a.text == self.name) {
            out.push(Alias::plain(self.name.clone()));
        }
        out.extend(self.aliases.iter().cloned());
        for d in &self.demonyms {
            out.push(d.clone());
            if let Some(p) = plural(&d.text) {
                let mut a = d.clone();
                a.text = p;
                out.push(a);
            }
        }
        out
    }
}

/// Plural of a demonym by the documented rule: add "s" unless the word ends
/// in -sh, -ch, -ss, -se, -ic, -ed, -man, -men, -s, -x or -z.
pub(crate) fn plural(demonym: &str) -> Option<String> {
    const NO_PLURAL: [&str; 11] = [
        "sh", "ch", "ss", "se", "ic", "ed", "man", "men", "s", "x", "z",
    ];
    let last = demonym.chars().next_back()?;
    if !last.is_alphabetic() || NO_PLURAL.iter().any(|e| demonym.ends_with(e)) {
        None
    } else {
        Some(format!("{demonym}s"))
    }
}

/// Global rules of the data file (`[rules]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Bytes on each side of a match searched for its `unless` phrases.
    pub context_window: usize,
    /// Capitalised words that may stand next to a `name_like` alias without
    /// making it a personal name ("In Jordan", "Jordan King Abdullah").
    pub name_ok: HashSet<String>,
    /// Words ending in "." that mark a following `name_like` alias as a
    /// personal name ("Mr. Jordan").
    pub name_titles: HashSet<String>,
    /// Dash compounds that reject the alias they follow directly: the place
    /// is where a firm sits or a product is made, not the state acting
    /// ("London-based", "Japanese-made"). Compared ASCII case-insensitively.
    pub compound_suffixes: Vec<String>,
    /// Titles of office that, right before a surname, name its holder
    /// ("President Bush", "Prime Minister Sharon"); see `Actor::offices`.
    pub office_titles: Vec<String>,
    /// Lower-case nouns that, right before a place's name, make it a
    /// person's name ("the rapper Kano", "striker Milan Baros").
    pub person_nouns: HashSet<String>,
    /// Lower-case particles of names in other languages: a place after one
    /// that follows a capitalised word is part of a name ("Le Roi de
    /// Lahore", "Stade de France"), under `place_in_names`.
    pub name_particles: HashSet<String>,
    /// Places that are also the names of sports clubs...
    pub club_places: HashSet<String>,
    /// ...and words that mark a brief as sport, where those places are the
    /// clubs ("Liverpool" in a match report).
    pub sport_words: Vec<String>,
    /// Names of the states of a federation that are also countries'
    /// names ("Georgia")...
    pub state_names: Vec<String>,
    /// ...words that, right after such a name, make it the state ("Georgia
    /// jury", "Georgia's 6th congressional district")...
    pub state_nouns: HashSet<String>,
    /// ...and the federation they then name ("United States").
    pub state_country: Option<String>,
    /// Places and country names are rejected next to a capitalised word
    /// that is not in `name_ok` and not a word of any alias ("Milan Baros",
    /// "Stephen Toulouse", "Manchester United").
    pub place_in_names: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            context_window: 200,
            name_ok: HashSet::new(),
            name_titles: HashSet::new(),
            compound_suffixes: Vec::new(),
            office_titles: Vec::new(),
            person_nouns: HashSet::new(),
            name_particles: HashSet::new(),
            club_places: HashSet::new(),
            sport_words: Vec::new(),
            state_names: Vec::new(),
            state_nouns: HashSet::new(),
            state_country: None,
            place_in_names: false,
        }
    }
}

// ---------------------------------------------------------------- raw TOML

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    blocked: Vec<String>,
    #[serde(default)]
    rules: Option<RawRules>,
    #[serde(default)]
    venues: Vec<RawVenues>,
    #[serde(default)]
    actor: Vec<RawActor>,
}

/// `[[venues]]`: phrase templates around places, where a place does not
/// stand for its state ("talks in {}" x "Vienna").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVenues {
    places: Vec<String>,
    phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    context_window: Option<usize>,
    #[serde(default)]
    name_ok: Vec<String>,
    #[serde(default)]
    name_titles: Vec<String>,
    #[serde(default)]
    compound_suffixes: Vec<String>,
    #[serde(default)]
    office_titles: Vec<String>,
    #[serde(default)]
    person_nouns: Vec<String>,
    #[serde(default)]
    name_particles: Vec<String>,
    #[serde(default)]
    club_places: Vec<String>,
    #[serde(default)]
    sport_words: Vec<String>,
    #[serde(default)]
    state_names: Vec<String>,
    #[serde(default)]
    state_nouns: Vec<String>,
    state_country: Option<String>,
    place_in_names: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActor {
    name: String,
    kind: ActorKind,
    #[serde(default)]
    aliases: Vec<RawAlias>,
    #[serde(default)]
    demonyms: Vec<RawAlias>,
    #[serde(default)]
    countries: Vec<String>,
    successor: Option<String>,
    #[serde(default)]
    historical: bool,
    #[serde(default)]
    eras: Vec<Era>,
    #[serde(default)]
    offices: Vec<Office>,
    #[serde(default)]
    replace: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAlias {
    Text(String),
    Table(RawAliasTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAliasTable {
    text: String,
    #[serde(default = "yes")]
    caps: bool,
    #[serde(default)]
    name_like: bool,
    #[serde(default)]
    unless: Vec<String>,
    until: Option<String>,
    #[serde(default)]
    after_the: bool,
}

fn yes() -> bool {
    true
}

impl From<RawAlias> for Alias {
    fn from(r: RawAlias) -> Alias {
        match r {
            RawAlias::Text(t) => Alias::plain(t),
            RawAlias::Table(t) => Alias {
                text: t.text,
                caps: t.caps,
                name_like: t.name_like,
                unless: t.unless,
                until: t.until,
                after_the: t.after_the,
            },
        }
    }
}

/// Places and the phrase templates around them in which the place is a
/// venue, not the state acting: a mention of an alias that is (part of) one
/// of the places, with the text of a template around the place, is blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Venue {
    pub places: Vec<String>,
    /// Each template split at its `{}`: the text before and after the place.
    pub templates: Vec<(String, String)>,
}

/// The parsed, not yet indexed content of one or more data files.
#[derive(Debug, Clone, Default)]
pub(crate) struct Data {
    pub actors: Vec<Actor>,
    /// Index-aligned with `actors`: the entry asked to replace, not extend,
    /// an existing actor of the same kind and name when merged.
    pub replace: Vec<bool>,
    pub blocked: Vec<String>,
    pub venues: Vec<Venue>,
    pub rules: Rules,
    pub rules_given: bool,
    pub window_given: bool,
}

pub(crate) fn parse(text: &str) -> anyhow::Result<Data> {
    let raw: RawFile = toml::from_str(text).context("parsing actor gazetteer TOML")?;
    let mut data = Data::default();
    if let Some(r) = raw.rules {
        data.rules_given = true;
        if let Some(w) = r.context_window {
            data.rules.context_window = w;
            data.window_given = true;
        }
        data.rules.name_ok = r.name_ok.into_iter().collect();
        data.rules.name_titles = r.name_titles.into_iter().collect();
        if r.compound_suffixes.iter().any(|c| c.trim().is_empty()) {
            bail!("empty compound suffix");
        }
        data.rules.compound_suffixes = r.compound_suffixes;
        data.rules.office_titles = r.office_titles;
        data.rules.person_nouns = r.person_nouns.into_iter().collect();
        data.rules.name_particles = r.name_particles.into_iter().collect();
        data.rules.club_places = r.club_places.into_iter().collect();
        data.rules.sport_words = r.sport_words;
        data.rules.state_names = r.state_names;
        data.rules.state_nouns = r.state_nouns.into_iter().collect();
        data.rules.state_country = r.state_country;
        data.rules.place_in_names = r.place_in_names.unwrap_or(false);
    }
    let mut seen_blocked = HashSet::new();
    for b in raw.blocked {
        if b.trim().is_empty() {
            bail!("empty blocked phrase");
        }
        if !seen_blocked.insert(b.clone()) {
            bail!("blocked phrase {b:?} listed twice");
        }
        data.blocked.push(b);
    }
    // Each filled template is a phrase that is not matched as an alias; one
    // that is also an alias is an error, as for a blocked phrase.
    let mut filled: HashSet<String> = HashSet::new();
    for v in raw.venues {
        let mut templates = Vec::new();
        for phrase in &v.phrases {
            let Some((before, after)) = phrase.split_once("{}") else {
                bail!("venue phrase {phrase:?} must hold one {{}} (the place)");
            };
            if after.contains("{}") {
                bail!("venue phrase {phrase:?} must hold one {{}} (the place)");
            }
            templates.push((before.to_string(), after.to_string()));
            for place in &v.places {
                filled.insert(format!("{before}{place}{after}"));
            }
        }
        if v.places
            .iter()
            .any(|p| p.trim().is_empty() || p.trim() != p)
        {
            bail!("empty venue place or place with outer spaces");
        }
        data.venues.push(Venue {
            places: v.places,
            templates,
        });
    }
    let mut names: HashSet<(ActorKind, String)> = HashSet::new();
    let mut alias_owner: HashMap<String, String> = HashMap::new();
    for ra in raw.actor {
        let name = ra.name.trim().to_string();
        if name.is_empty() || name.contains('/') {
            bail!("invalid actor name {:?}", ra.name);
        }
        if !names.insert((ra.kind, name.to_lowercase())) {
            bail!("actor /{}/{} defined twice", ra.kind, name);
        }
        let historical = ra.historical || ra.successor.is_some();
        let actor = Actor {
            name: name.clone(),
            kind: ra.kind,
            aliases: ra.aliases.into_iter().map(Alias::from).collect(),
            demonyms: ra.demonyms.into_iter().map(Alias::from).collect(),
            countries: ra.countries,
            successor: ra.successor,
            historical,
            eras: ra.eras,
            offices: ra.offices,
        };
        let facet = actor.facet_path();
        for a in actor.all_aliases() {
            if a.text.trim().is_empty() || a.text.trim() != a.text {
                bail!(
                    "{facet}: empty alias or alias with outer spaces {:?}",
                    a.text
                );
            }
            if let Some(until) = &a.until {
                if until.len() < 4 || !until.bytes().take(4).all(|b| b.is_ascii_digit()) {
                    bail!(
                        "{facet}: alias {:?}: until must be a year or a date, not {until:?}",
                        a.text
                    );
                }
            }
            if seen_blocked.contains(&a.text) || filled.contains(&a.text) {
                bail!("{facet}: alias {:?} is also a blocked phrase", a.text);
            }
            if let Some(prev) = alias_owner.insert(a.text.clone(), facet.clone()) {
                bail!("alias {:?} given to both {prev} and {facet}", a.text);
            }
        }
        data.actors.push(actor);
        data.replace.push(ra.replace);
    }
    Ok(data)
}

impl Data {
    /// Merges `other` into `self`: see `Gazetteer::merge`.
    pub fn merge(&mut self, other: Data) {
        // Texts that `other` claims move to it: key = text, value = the
        // claiming actor (None for a blocked phrase).
        type Key = (ActorKind, String);
        let mut claimed: HashMap<String, Option<Key>> = HashMap::new();
        for b in &other.blocked {
            claimed.insert(b.clone(), None);
        }
        for a in &other.actors {
            let key = (a.kind, a.name.to_lowercase());
            for al in a.all_aliases() {
                claimed.insert(al.text, Some(key.clone()));
            }
        }
        self.blocked
            .retain(|b| !matches!(claimed.get(b), Some(Some(_))));
        for b in other.blocked {
            if !self.blocked.contains(&b) {
                self.blocked.push(b);
            }
        }
        for v in other.venues {
            if !self.venues.contains(&v) {
                self.venues.push(v);
            }
        }
        let positions: HashMap<Key, usize> = self
            .actors
            .iter()
            .enumerate()
            .map(|(i, a)| ((a.kind, a.name.to_lowercase()), i))
            .collect();
        for a in self.actors.iter_mut() {
            let key = (a.kind, a.name.to_lowercase());
            let keep = |t: &str| match claimed.get(t) {
                None => true,
                Some(owner) => owner.as_ref() == Some(&key),
            };
            a.aliases.retain(|x| keep(&x.text));
            a.demonyms
                .retain(|x| keep(&x.text) && plural(&x.text).is_none_or(|p| keep(&p)));
        }
        for (a, replace) in other.actors.into_iter().zip(other.replace) {
            match positions.get(&(a.kind, a.name.to_lowercase())) {
                Some(&i) if replace => {
                    self.actors[i] = a;
                }
                Some(&i) => {
                    let cur = &mut self.actors[i];
                    for x in a.aliases {
                        cur.aliases.retain(|y| y.text != x.text);
                        cur.aliases.push(x);
                    }
                    for x in a.demonyms {
                        cur.demonyms.retain(|y| y.text != x.text);
                        cur.demonyms.push(x);
                    }
                    let set: BTreeSet<String> = cur.countries.iter().cloned().collect();
                    for c in a.countries {
                        if !set.contains(&c) {
                            cur.countries.push(c);
                        }
                    }
                    if a.successor.is_some() {
                        cur.successor = a.successor;
                    }
                    cur.historical |= a.historical;
                    if !a.eras.is_empty() {
                        cur.eras = a.eras;
                    }
                    if !a.offices.is_empty() {
                        cur.offices = a.offices;
                    }
                }
                None => {
                    self.actors.push(a);
                    self.replace.push(false);
                }
            }
        }
        if other.rules_given {
            if other.window_given {
                self.rules.context_window = other.rules.context_window;
                self.window_given = true;
            }
            self.rules.name_ok.extend(other.rules.name_ok);
            self.rules.name_titles.extend(other.rules.name_titles);
            for c in other.rules.compound_suffixes {
                if !self.rules.compound_suffixes.contains(&c) {
                    self.rules.compound_suffixes.push(c);
                }
            }
            let r = &mut self.rules;
            for t in other.rules.office_titles {
                if !r.office_titles.contains(&t) {
                    r.office_titles.push(t);
                }
            }
            r.person_nouns.extend(other.rules.person_nouns);
            r.name_particles.extend(other.rules.name_particles);
            r.club_places.extend(other.rules.club_places);
            for w in other.rules.sport_words {
                if !r.sport_words.contains(&w) {
                    r.sport_words.push(w);
                }
            }
            for n in other.rules.state_names {
                if !r.state_names.contains(&n) {
                    r.state_names.push(n);
                }
            }
            r.state_nouns.extend(other.rules.state_nouns);
            if other.rules.state_country.is_some() {
                r.state_country = other.rules.state_country;
            }
            r.place_in_names |= other.rules.place_in_names;
        }
    }
}
