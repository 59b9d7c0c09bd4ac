//! The automaton the matcher runs: a deterministic finite automaton over
//! the bytes of every pattern (a trie), ASCII case-insensitive, walked
//! anchored at a start position.
//!
//! Matching only ever asks "which patterns start exactly here?", so the
//! failure links of an Aho-Corasick automaton would never be followed;
//! without them the automaton builds in about a millisecond from sorted
//! patterns, and one walk reports every pattern at a position.
//!
//! States are packed into one array of words in depth-first order, each
//! with its edges inline, so that a walk along a pattern reads memory
//! front to back: `[pattern, edge count, edge bytes..., targets...]`. The
//! edge bytes are packed four to a word and compared four at a time; a
//! state of more than `PACKED` edges has a 256-bit set of its bytes
//! instead, and finds its target by rank.

const NONE: u32 = u32::MAX;
/// Most edges a state lists byte by byte.
const PACKED: usize = 12;

#[derive(Debug, Clone)]
pub(crate) struct Trie {
    /// The state after the first byte, by that byte (either ASCII case).
    root: Box<[u32; 256]>,
    words: Vec<u32>,
}

impl Trie {
    /// The automaton of `patterns`, each compared up to ASCII case; a
    /// pattern is reported by its index. Of patterns equal up to case, the
    /// first is reported.
    pub fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Trie {
        let lower: Vec<Vec<u8>> = patterns
            .iter()
            .map(|p| p.as_ref().to_ascii_lowercase())
            .collect();
        let mut order: Vec<u32> = (0..patterns.len() as u32)
            .filter(|&i| !lower[i as usize].is_empty())
            .collect();
        order.sort_by(|&a, &b| lower[a as usize].cmp(&lower[b as usize]).then(a.cmp(&b)));
        let mut trie = Trie {
            root: Box::new([NONE; 256]),
            words: Vec::with_capacity(order.len() * 8),
        };
        let keys: Vec<&[u8]> = order
            .iter()
            .map(|&i| lower[i as usize].as_slice())
            .collect();
        // The root's children are reached through `root`; the root itself
        // holds no pattern (empty patterns are left out).
        let mut lo = 0;
        while lo < keys.len() {
            let byte = keys[lo][0];
            let hi = lo + keys[lo..].iter().take_while(|k| k[0] == byte).count();
            let state = trie.add_state(&keys[lo..hi], &order[lo..hi], 1);
            trie.root[usize::from(byte)] = state;
            trie.root[usize::from(byte.to_ascii_uppercase())] = state;
            lo = hi;
        }
        trie
    }

    /// Lays out the state reached by `depth` bytes shared by `keys` (sorted;
    /// `ids` are their pattern indices), then its subtrees; returns its
    /// offset.
    fn add_state(&mut self, keys: &[&[u8]], ids: &[u32], depth: usize) -> u32 {
        let at = self.words.len();
        // The pattern ending here sorts first, its duplicates after it.
        let ends = keys.iter().take_while(|k| k.len() == depth).count();
        let pattern = if ends > 0 { ids[0] } else { NONE };
        let mut groups: Vec<(u8, usize, usize)> = Vec::new();
        let mut lo = ends;
        while lo < keys.len() {
            let byte = keys[lo][depth];
            let hi = lo + keys[lo..].iter().take_while(|k| k[depth] == byte).count();
            groups.push((byte, lo, hi));
            lo = hi;
        }
        let n = groups.len();
        self.words.push(pattern);
        self.words.push(n as u32);
        if n <= PACKED {
            for chunk in groups.chunks(4) {
                let mut word = [0u8; 4];
                for (slot, &(byte, _, _)) in word.iter_mut().zip(chunk) {
                    *slot = byte;
                }
                self.words.push(u32::from_le_bytes(word));
            }
        } else {
            let mut set = [0u32; 8];
            for &(byte, _, _) in &groups {
                set[usize::from(byte) / 32] |= 1 << (byte % 32);
            }
            self.words.extend_from_slice(&set);
        }
        let targets = self.words.len();
        self.words.resize(targets + n, NONE);
        // Targets are in byte order, as the rank in the bit set counts.
        for (i, &(_, lo, hi)) in groups.iter().enumerate() {
            let child = self.add_state(&keys[lo..hi], &ids[lo..hi], depth + 1);
            self.words[targets + i] = child;
        }
        at as u32
    }

    /// Every pattern that matches `text` at `start`, as (end, pattern), in
    /// order of length, into `out` (cleared first).
    #[inline]
    pub fn walk(&self, text: &[u8], start: usize, out: &mut Vec<(usize, u32)>) {
        out.clear();
        let Some(&first) = text.get(start) else {
            return;
        };
        let mut state = self.root[usize::from(first)];
        let mut at = start + 1;
        while state != NONE {
            let o = state as usize;
            let pattern = self.words[o];
            if pattern != NONE {
                out.push((at, pattern));
            }
            let Some(&b) = text.get(at) else {
                return;
            };
            let b = b.to_ascii_lowercase();
            let n = self.words[o + 1] as usize;
            let edges = o + 2;
            let edge = if n <= PACKED {
                let targets = edges + n.div_ceil(4);
                self.words[edges..targets]
                    .iter()
                    .enumerate()
                    .find_map(|(w, &word)| {
                        // The bytes of `word` equal to `b` become 0x80.
                        let x = word ^ (u32::from(b) * 0x0101_0101);
                        let zero = x.wrapping_sub(0x0101_0101) & !x & 0x8080_8080;
                        (zero != 0).then(|| w * 4 + zero.trailing_zeros() as usize / 8)
                    })
                    .filter(|&i| i < n)
                    .map(|i| targets + i)
            } else {
                let set = &self.words[edges..edges + 8];
                let (word, bit) = (usize::from(b) / 32, u32::from(b) % 32);
                (set[word] >> bit & 1 != 0).then(|| {
                    let below: u32 = set[..word].iter().map(|w| w.count_ones()).sum();
                    edges + 8 + (below + (set[word] & ((1 << bit) - 1)).count_ones()) as usize
                })
            };
            state = edge.map_or(NONE, |i| self.words[i]);
            at += 1;
        }
    }

    /// Bytes of memory the automaton holds.
    #[cfg(test)]
    pub fn memory(&self) -> usize {
        256 * 4 + self.words.len() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::Trie;

    fn found(trie: &Trie, text: &str, start: usize) -> Vec<(usize, u32)> {
        let mut out = Vec::new();
        trie.walk(text.as_bytes(), start, &mut out);
        out
    }

    #[test]
    fn reports_every_pattern_at_a_position_shortest_first() {
        let trie = Trie::new(&["Bank", "Bank of England", "Bank of Japan", "Iran", "US"]);
        assert_eq!(found(&trie, "Bank of England said", 0), [(4, 0), (15, 1)]);
        assert_eq!(found(&trie, "the Bank of Japan", 4), [(8, 0), (17, 2)]);
        assert_eq!(found(&trie, "Bank of Engl", 0), [(4, 0)]);
        assert!(found(&trie, "Ban", 0).is_empty());
        assert!(found(&trie, "", 0).is_empty());
        assert!(found(&trie, "Iran", 4).is_empty());
    }

    #[test]
    fn compares_up_to_ascii_case_only() {
        let trie = Trie::new(&["Iran", "São Paulo", "us"]);
        assert_eq!(found(&trie, "IRAN", 0), [(4, 0)]);
        assert_eq!(found(&trie, "iRaN", 0), [(4, 0)]);
        assert_eq!(found(&trie, "SãO PAULO", 0), [(10, 1)]);
        assert!(found(&trie, "SÃO PAULO", 0).is_empty());
        assert_eq!(found(&trie, "US", 0), [(2, 2)]);
    }

    #[test]
    fn equal_patterns_report_the_first_and_states_stay_compact() {
        let trie = Trie::new(&["Fed", "FED", "", "fed"]);
        assert_eq!(found(&trie, "fed", 0), [(3, 0)]);
        let many: Vec<String> = (0..2000).map(|i| format!("pattern {i}")).collect();
        let trie = Trie::new(&many);
        assert_eq!(
            found(&trie, "pattern 1999", 0),
            [(9, 1), (10, 19), (11, 199), (12, 1999)]
        );
        // A state with many edges (after "pattern ", ten digits).
        assert_eq!(found(&trie, "pattern 7 ", 0), [(9, 7)]);
        assert!(trie.memory() < 100_000);
    }

    #[test]
    fn states_with_more_edges_than_packed_find_them_by_rank() {
        // After "x": 26 letters, 10 digits and a dash, more than PACKED.
        let mut patterns: Vec<String> = Vec::new();
        for c in ('a'..='z').chain('0'..='9').chain(['-']) {
            patterns.push(format!("x{c}"));
            patterns.push(format!("x{c}{c}{c}"));
        }
        let trie = Trie::new(&patterns);
        for (i, c) in ('a'..='z').chain('0'..='9').chain(['-']).enumerate() {
            let text = format!("x{c}{c}{c} ");
            assert_eq!(
                found(&trie, &text, 0),
                [(2, 2 * i as u32), (4, 2 * i as u32 + 1)]
            );
        }
        assert_eq!(found(&trie, "XQ", 0), [(2, 2 * 16)]);
        assert!(found(&trie, "x!", 0).is_empty());
        assert!(found(&trie, "x\u{e9}", 0).is_empty());
    }
}
