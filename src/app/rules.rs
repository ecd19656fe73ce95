//! The hash of the topic rules stored with the tags (`meta` key `rules_hash`): when the
//! rules in force hash differently, stored items are re-tagged.
//!
//! Written out field by field rather than hashed from `Debug` output, whose form Rust does
//! not promise to keep: the value is stored. The specs are taken apart without `..`, so a
//! field added to them fails to compile here until it is part of the hash.

use crate::config::{SourceSpec, TermSpec, TopicSpec};

/// A stable hash of the topic rules and the sources' places: 16 hex digits, a dash, and the
/// encoding's length.
pub fn rules_hash(topics: &[TopicSpec], sources: &[SourceSpec]) -> String {
    let mut out = Encoder::default();
    out.len(topics.len());
    for t in topics {
        let TopicSpec {
            slug,
            name,
            description,
            min_score,
            terms,
            exclude,
            all_of,
            any_of,
            none_of,
        } = t;
        out.str(slug);
        out.str(name);
        out.opt_str(description.as_deref());
        out.f64(*min_score);
        out.len(terms.len());
        for term in terms {
            term_spec(&mut out, term);
        }
        for list in [exclude, all_of, any_of, none_of] {
            out.strs(list);
        }
    }
    // A source's place settles readings, so it is part of the rules. Sources without one
    // add nothing, so a config that sets no place hashes as it would without the field.
    let placed: Vec<(&str, &str)> = sources
        .iter()
        .filter_map(|s| Some((s.id.as_str(), s.place.as_deref()?)))
        .collect();
    if !placed.is_empty() {
        out.len(placed.len());
        for (id, place) in placed {
            out.str(id);
            out.str(place);
        }
    }
    let h = crate::model::stable_hash(&out.0);
    format!("{h:016x}-{}", out.0.len())
}

fn term_spec(out: &mut Encoder, t: &TermSpec) {
    let TermSpec {
        term,
        weight,
        exact,
        unless_near,
        only_near,
        window,
        sense,
        other_sense,
        not_in,
        not_after,
    } = t;
    out.str(term);
    out.f64(*weight);
    out.0.push(u8::from(*exact));
    out.len(*window);
    for list in [
        unless_near,
        only_near,
        sense,
        other_sense,
        not_in,
        not_after,
    ] {
        out.strs(list);
    }
}

/// Length-prefixed fields: no two different rule sets encode alike.
#[derive(Default)]
struct Encoder(Vec<u8>);

impl Encoder {
    fn len(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }

    fn strs(&mut self, list: &[String]) {
        self.len(list.len());
        for s in list {
            self.str(s);
        }
    }

    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_bits().to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic() -> TopicSpec {
        TopicSpec {
            slug: "libya".into(),
            name: "ليبيا".into(),
            description: None,
            min_score: 3.0,
            terms: vec![TermSpec::plain("ليبيا"), TermSpec::plain("طرابلس")],
            exclude: vec![],
            all_of: vec![],
            any_of: vec![],
            none_of: vec![],
        }
    }

    #[test]
    fn the_hash_is_fixed_by_its_encoding() {
        // Stored: a different value for the same rules re-tags every item once.
        assert_eq!(rules_hash(&[topic()], &[]), "dfab3de52b03d5d8-256");
        assert_eq!(rules_hash(&[], &[]), "bd60acb658c79e45-8");
    }

    #[test]
    fn every_part_of_the_rules_counts() {
        let changes: [fn(&mut TopicSpec); 10] = [
            |t| t.slug.push('x'),
            |t| t.description = Some(String::new()),
            |t| t.min_score = 3.5,
            |t| t.terms.swap(0, 1),
            |t| t.terms[0].weight = 2.0,
            |t| t.terms[0].exact = true,
            |t| t.terms[0].window = 9,
            |t| t.terms[1].not_in = vec!["جنوب طرابلس".into()],
            |t| t.exclude = vec!["ليبيا".into()],
            |t| t.none_of = vec!["sports".into()],
        ];
        let mut seen = vec![rules_hash(&[topic()], &[])];
        for change in changes {
            let mut t = topic();
            change(&mut t);
            let h = rules_hash(&[t], &[]);
            assert!(!seen.contains(&h), "{h} repeats");
            seen.push(h);
        }
        // A word moved from one list to the next is a change too.
        let (mut a, mut b) = (topic(), topic());
        a.terms[0].sense = vec!["نفط".into()];
        b.terms[0].other_sense = vec!["نفط".into()];
        assert_ne!(rules_hash(&[a], &[]), rules_hash(&[b], &[]));
    }

    #[test]
    fn a_source_place_is_part_of_the_rules_and_a_config_without_places_hashes_as_before() {
        let config = |places: &[Option<&str>]| {
            let sources: String = places
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let place = p.map(|p| format!("place = \"{p}\"\n")).unwrap_or_default();
                    format!("[[sources]]\nid = \"s{i}\"\nname = \"S\"\nurl = \"http://x/{i}\"\n{place}\n")
                })
                .collect();
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("marsad.toml"),
                "sources_file = \"s.toml\"\ntopics_file = \"t.toml\"\n",
            )
            .unwrap();
            std::fs::write(dir.path().join("s.toml"), sources).unwrap();
            std::fs::write(dir.path().join("t.toml"), "").unwrap();
            crate::config::load(&dir.path().join("marsad.toml"))
                .unwrap()
                .sources
        };
        let hash = |places: &[Option<&str>]| rules_hash(&[topic()], &config(places));
        assert_eq!(hash(&[None, None]), "dfab3de52b03d5d8-256");
        let placed = hash(&[Some("لبنان"), None]);
        assert_ne!(placed, hash(&[None, None]));
        assert_ne!(placed, hash(&[None, Some("لبنان")]));
        assert_ne!(placed, hash(&[Some("ليبيا"), None]));
        assert_eq!(placed, hash(&[Some("لبنان"), None]));
    }
}
