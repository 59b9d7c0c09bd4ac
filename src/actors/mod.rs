//! Actor recognition: which countries, organisations, armed groups and people
//! a news text names.
//!
//! The gazetteer (`data/actors.toml`, embedded by [`Gazetteer::builtin`])
//! lists canonical actors with their aliases; every ambiguity rule lives in
//! that file (see its header). Matching runs one automaton over all alias
//! variants and blocked phrases (`trie`), anchored where a word can start,
//! longest match first, then checks word boundaries, letter case and each
//! alias's rules (`matcher`). Everything here is pure: no I/O, no index.

mod gazetteer;
mod matcher;
mod trie;

use std::collections::HashSet;

pub use gazetteer::{Actor, ActorKind, Alias, Era, Office, Rules};
pub use matcher::{Dropped, Mention, Via};

use gazetteer::Data;

use crate::brief::Brief;
use matcher::{edit_distance, fold, Index};

/// The number a passage's actor is indexed as: a 64-bit hash of its facet
/// path, the same in every gazetteer that has the actor.
pub fn path_key(path: &str) -> u64 {
    crate::brief::fnv1a(path.as_bytes())
}

/// The actors each passage of a brief names ([`Gazetteer::annotate`]), in
/// one list: passage `i`'s are `ids[ends[i - 1]..ends[i]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassageActors {
    ids: Vec<ActorId>,
    ends: Vec<u32>,
}

impl PassageActors {
    /// The actors passage `i` names, first mention first.
    pub fn of(&self, i: usize) -> &[ActorId] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        self.ends
            .get(i)
            .map_or(&[], |&end| &self.ids[start..end as usize])
    }

    /// How many passages.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// No passages.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Why a brief has the actors it has ([`Gazetteer::explain`]): each
/// mention that produced an actor, and each candidate that was dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explanation {
    pub found: Vec<Evidence>,
    pub dropped: Vec<Evidence>,
}

/// Words of a brief and the rule that mapped them to an actor, or dropped
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub actor: ActorId,
    /// Index into `brief.passages()`.
    pub passage: usize,
    /// Byte range of the words in the passage's text.
    pub start: usize,
    pub end: usize,
    /// `alias`, `name`, `demonym`, `surname`, `office`, `state`, `implied`,
    /// `era` (found), or the rule that dropped the words.
    pub rule: String,
    /// What the rule saw: the full name a surname stands for, the person
    /// that implies a country, the state an era maps to...
    pub detail: Option<String>,
}

/// What [`Gazetteer::annotate`] reuses from one brief to the next.
#[derive(Default)]
struct Scratch {
    /// The brief's passages joined by blank lines...
    joined: String,
    /// ...and where each starts.
    starts: Vec<usize>,
    mentions: Vec<Mention>,
    found: Vec<(usize, u32)>,
}

/// Index of an actor in its [`Gazetteer`]; valid until the next `merge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorId(pub u32);

/// Canonical actors, their aliases and the automaton that finds them.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    data: Data,
    index: Index,
}

/// The built-in data file.
pub const BUILTIN_TOML: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/actors.toml"));

impl Gazetteer {
    /// Parses a gazetteer file. Rejects unknown keys, duplicate actors, an
    /// alias given to two actors, and an alias that is also blocked.
    pub fn from_toml(text: &str) -> anyhow::Result<Gazetteer> {
        let data = gazetteer::parse(text)?;
        let index = Index::build(&data)?;
        Ok(Gazetteer { data, index })
    }

    /// The built-in gazetteer (`data/actors.toml`).
    pub fn builtin() -> Gazetteer {
        Gazetteer::from_toml(BUILTIN_TOML).expect("built-in data/actors.toml is valid")
    }

    /// Merges a user gazetteer into this one. An actor of the same kind and
    /// name extends the existing one (aliases, demonyms and countries are
    /// added, `successor` replaced) or, with `replace = true`, replaces it.
    /// Alias texts and blocked phrases that `other` defines are taken away
    /// from every other actor (the later file wins); an alias in `other`
    /// unblocks a built-in blocked phrase of the same text. `[rules]`:
    /// `context_window` replaces, `name_ok` adds.
    pub fn merge(&mut self, other: Gazetteer) -> anyhow::Result<()> {
        self.data.merge(other.data);
        self.index = Index::build(&self.data)?;
        Ok(())
    }

    /// Builds the matching automaton now (about 2 ms for the built-in
    /// gazetteer) rather than on the first match.
    pub fn prepare_matcher(&self) {
        self.index.prepare();
    }

    /// All actors, indexable by [`ActorId`].
    pub fn actors(&self) -> &[Actor] {
        &self.data.actors
    }

    pub fn actor(&self, id: ActorId) -> &Actor {
        &self.data.actors[id.0 as usize]
    }

    /// An actor's facet path (`/country/Iran`).
    pub fn path(&self, id: ActorId) -> &str {
        &self.index.paths[id.0 as usize]
    }

    /// [`path_key`] of an actor's facet path.
    pub fn path_key(&self, id: ActorId) -> u64 {
        self.index.path_keys[id.0 as usize]
    }

    /// The id of an actor of this gazetteer (by kind and canonical name).
    pub fn id_of(&self, kind: ActorKind, name: &str) -> Option<ActorId> {
        self.data
            .actors
            .iter()
            .position(|a| a.kind == kind && a.name.eq_ignore_ascii_case(name))
            .map(|i| ActorId(i as u32))
    }

    pub fn rules(&self) -> &Rules {
        &self.data.rules
    }

    /// Resolves a user-given name, case-insensitively, against canonical
    /// names, facet paths ("/country/Iran", also without the leading slash)
    /// and aliases ("us", "Washington", "americans", "Netanyahu"); accents
    /// are optional and a leading "the " is ignored.
    pub fn resolve(&self, name: &str) -> Option<&Actor> {
        self.resolve_id(name).map(|id| self.actor(id))
    }

    pub fn resolve_id(&self, name: &str) -> Option<ActorId> {
        let key = name.trim().to_lowercase();
        let lookup = &self.index.lookup;
        let find = |k: &str| lookup.get(k).or_else(|| lookup.get(&fold(k)));
        find(&key)
            .or_else(|| key.strip_prefix("the ").and_then(find))
            .map(|&i| ActorId(i as u32))
    }

    /// Facet paths of user-given actor names; an unknown name is an error
    /// that suggests the closest known names.
    pub fn resolve_paths(&self, names: &[String]) -> anyhow::Result<Vec<String>> {
        names
            .iter()
            .map(|name| match self.resolve(name) {
                Some(actor) => Ok(actor.facet_path()),
                None => {
                    let close = self.suggest(name);
                    let hint = if close.is_empty() {
                        "see `briefs actors --list` for the known actors".to_string()
                    } else {
                        format!("did you mean {}?", close.join(", "))
                    };
                    Err(anyhow::anyhow!("unknown actor `{name}`: {hint}"))
                }
            })
            .collect()
    }

    /// Up to five canonical names closest to `name` (edit distance over
    /// canonical names and aliases, case-insensitive; a prefix of at least
    /// three letters counts as distance 1), best first, for "unknown actor"
    /// messages.
    pub fn suggest(&self, name: &str) -> Vec<String> {
        let q = fold(&name.trim().to_lowercase());
        if q.is_empty() {
            return Vec::new();
        }
        let limit = (q.chars().count() / 3).max(2);
        let mut scored: Vec<(usize, &str)> = Vec::new();
        for a in &self.data.actors {
            let mut best = usize::MAX;
            let names =
                std::iter::once(a.name.clone()).chain(a.all_aliases().into_iter().map(|x| x.text));
            for n in names {
                let n = fold(&n.to_lowercase());
                let mut d = edit_distance(&q, &n);
                if q.chars().count() >= 3 && n.starts_with(&q) && n != q {
                    d = d.min(1);
                }
                best = best.min(d);
            }
            if best <= limit {
                scored.push((best, &a.name));
            }
        }
        scored.sort();
        let mut out: Vec<String> = Vec::new();
        for (_, n) in scored {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
            if out.len() == 5 {
                break;
            }
        }
        out
    }

    /// Every accepted alias occurrence in `text`, in text order (an
    /// undated text: see [`Gazetteer::annotate`] for dates).
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let mut out = Vec::new();
        self.index.mentions(
            &self.data.rules,
            text,
            None,
            &mut out,
            &mut Vec::new(),
            None,
        );
        out
    }

    /// The candidates in `text` that the rules turned down, with the rule.
    pub fn dropped(&self, text: &str) -> Vec<Dropped> {
        let mut dropped = Vec::new();
        self.index.mentions(
            &self.data.rules,
            text,
            None,
            &mut Vec::new(),
            &mut Vec::new(),
            Some(&mut dropped),
        );
        dropped
    }

    /// Distinct actors named in `text` in order of first mention, each
    /// followed by the countries it implies (`countries` of a person, org or
    /// group entry) when those are not already listed.
    pub fn extract_ids(&self, text: &str) -> Vec<ActorId> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for m in self.mentions(text) {
            if seen.insert(m.actor) {
                out.push(m.actor);
            }
            for &c in &self.index.implied[m.actor.0 as usize] {
                let c = ActorId(c as u32);
                if seen.insert(c) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// [`Gazetteer::extract_ids`] as actors.
    pub fn extract(&self, text: &str) -> Vec<&Actor> {
        self.extract_ids(text)
            .into_iter()
            .map(|id| self.actor(id))
            .collect()
    }

    /// Only the actors named directly, without implied countries.
    pub fn extract_named(&self, text: &str) -> Vec<&Actor> {
        let mut seen = HashSet::new();
        self.mentions(text)
            .into_iter()
            .filter(|m| seen.insert(m.actor))
            .map(|m| self.actor(m.actor))
            .collect()
    }

    /// The countries a person, org or group entry implies.
    pub fn implied_countries(&self, id: ActorId) -> Vec<&Actor> {
        self.index.implied[id.0 as usize]
            .iter()
            .map(|&i| &self.data.actors[i])
            .collect()
    }

    /// The state an actor stands for on a date (`eras` in the data file).
    pub fn in_era(&self, id: ActorId, date: &str) -> ActorId {
        self.index.eras[id.0 as usize]
            .iter()
            .find(|(era, _)| era.covers(date))
            .map_or(id, |&(_, state)| ActorId(state as u32))
    }

    /// Follows `successor` links to the state that exists today
    /// ("West Germany" -> "Germany"); the actor itself when it has none.
    pub fn modern(&self, id: ActorId) -> ActorId {
        let mut cur = id;
        for _ in 0..8 {
            let a = self.actor(cur);
            match a
                .successor
                .as_deref()
                .and_then(|s| self.id_of(ActorKind::Country, s))
            {
                Some(next) if next != cur => cur = next,
                _ => break,
            }
        }
        cur
    }

    /// Sets `brief.actors` to the facet paths of the actors the brief names
    /// (first mention first, implied countries after their person, org or
    /// group) and returns the actors each passage names, aligned with
    /// `brief.passages()`.
    ///
    /// A dated brief names countries as they were then (`eras` in the data
    /// file): "Moscow" in a 1987 brief is the Soviet Union.
    pub fn annotate(&self, brief: &mut Brief) -> PassageActors {
        self.annotate_with(brief, None)
    }

    /// [`Gazetteer::annotate`], and why: the words behind each actor and
    /// the candidates dropped, each with its rule.
    pub fn explain(&self, brief: &mut Brief) -> Explanation {
        let mut explanation = Explanation::default();
        self.annotate_with(brief, Some(&mut explanation));
        explanation
    }

    fn annotate_with(
        &self,
        brief: &mut Brief,
        mut explain: Option<&mut Explanation>,
    ) -> PassageActors {
        thread_local! {
            /// Buffers kept from one brief to the next.
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
        }
        // One pass of the automaton over the whole brief, passages joined by
        // blank lines, then each mention is given to its passage. Mentions
        // come in text order, so each passage's actors are contiguous.
        let passages = brief.passages();
        let date = brief.date.as_deref();
        let mut out = PassageActors {
            ids: Vec::new(),
            ends: Vec::with_capacity(passages.len()),
        };
        SCRATCH.with_borrow_mut(|scratch| {
            let Scratch {
                joined,
                starts,
                mentions,
                found,
            } = scratch;
            joined.clear();
            starts.clear();
            for passage in &passages {
                starts.push(joined.len());
                joined.push_str(passage.text);
                joined.push_str("\n\n");
            }
            let mut dropped = Vec::new();
            self.index.mentions(
                &self.data.rules,
                joined,
                date,
                mentions,
                found,
                explain.is_some().then_some(&mut dropped),
            );
            let place = |at: usize| {
                let p = starts.partition_point(|&s| s <= at).saturating_sub(1);
                (p, at - starts[p])
            };
            if let Some(ex) = explain.as_deref_mut() {
                for d in &dropped {
                    let (passage, start) = place(d.start);
                    ex.dropped.push(Evidence {
                        actor: d.actor,
                        passage,
                        start,
                        end: start + (d.end - d.start),
                        rule: d.rule.clone(),
                        detail: None,
                    });
                }
            }
            let mut from = 0;
            for mention in mentions.iter() {
                let at = starts
                    .partition_point(|&s| s <= mention.start)
                    .saturating_sub(1);
                while out.ends.len() < at {
                    out.ends.push(out.ids.len() as u32);
                    from = out.ids.len();
                }
                let implied = self.index.implied[mention.actor.0 as usize].iter();
                for (k, named) in std::iter::once(mention.actor)
                    .chain(implied.map(|&c| ActorId(c as u32)))
                    .enumerate()
                {
                    // A dated brief names countries as they were then.
                    let id = date.map_or(named, |date| self.in_era(named, date));
                    if let Some(ex) = explain.as_deref_mut() {
                        let (passage, start) = place(mention.start);
                        let (rule, detail) = if id != named {
                            (
                                "era",
                                Some(format!("{} in {}", self.path(named), date.unwrap_or(""))),
                            )
                        } else if k > 0 {
                            ("implied", Some(self.path(mention.actor).to_string()))
                        } else {
                            let full = matches!(mention.via, Via::Surname | Via::Office)
                                .then(|| self.actor(named).name.clone());
                            (mention.via.as_str(), full)
                        };
                        ex.found.push(Evidence {
                            actor: id,
                            passage,
                            start,
                            end: start + (mention.end - mention.start),
                            rule: rule.to_string(),
                            detail,
                        });
                    }
                    if !out.ids[from..].contains(&id) {
                        out.ids.push(id);
                    }
                }
            }
            // A very long brief does not keep its copy for the whole run.
            if joined.capacity() > 4 << 20 {
                *joined = String::new();
            }
        });
        while out.ends.len() < passages.len() {
            out.ends.push(out.ids.len() as u32);
        }
        let mut all: Vec<ActorId> = Vec::new();
        for id in &out.ids {
            if !all.contains(id) {
                all.push(*id);
            }
        }
        brief.actors = all.iter().map(|&id| self.path(id).to_string()).collect();
        out
    }

    /// Consistency problems: `countries`/`successor` naming no country,
    /// and aliases shadowed by a blocked phrase of the same text after a
    /// merge. Empty for the built-in file (a unit test checks it).
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for a in &self.data.actors {
            let eras = a.eras.iter().map(|e| &e.actor);
            for c in a.countries.iter().chain(a.successor.iter()).chain(eras) {
                if self.id_of(ActorKind::Country, c).is_none() {
                    problems.push(format!("{}: unknown country {c:?}", a.facet_path()));
                }
            }
            if a.aliases.is_empty() && a.demonyms.is_empty() && a.kind == ActorKind::Country {
                problems.push(format!("{}: no aliases", a.facet_path()));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests;
