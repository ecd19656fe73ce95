use super::*;
use crate::config::TermSpec;

fn topic(slug: &str, terms: Vec<TermSpec>) -> TopicSpec {
    TopicSpec {
        slug: slug.into(),
        name: slug.into(),
        description: None,
        min_score: 2.0,
        terms,
        exclude: Vec::new(),
        all_of: Vec::new(),
        any_of: Vec::new(),
        none_of: Vec::new(),
    }
}

fn libya() -> TopicSpec {
    let mut tripoli = TermSpec::plain("طرابلس");
    tripoli.unless_near = vec!["لبنان".into(), "الشمال اللبناني".into(), "عكار".into()];
    let mut sirte = TermSpec::plain("سرت");
    sirte.exact = true;
    topic(
        "libya",
        vec![
            TermSpec::plain("ليبيا"),
            tripoli,
            sirte,
            TermSpec::plain("بنغازي"),
            TermSpec::plain("المجلس الرئاسي"),
            TermSpec::plain("Haftar"),
            TermSpec::plain("مصراتة"),
        ],
    )
}

fn found(m: &Matcher, text: &str) -> Vec<String> {
    m.evaluate("", text)
        .into_iter()
        .flat_map(|e| e.matches)
        .filter(|m| m.suppressed.is_none())
        .map(|m| m.found)
        .collect()
}

#[test]
fn arabic_clitics_and_suffixes_are_matched_around_whole_terms() {
    let m = Matcher::compile(&[libya()]);
    for w in [
        "ليبيا",
        "وليبيا",
        "بليبيا",
        "لليبيا",
        "الليبية",
        "الليبيين",
        "والليبيون",
        "ليبي",
        "فالليبي",
        "لِيبِيَا",
        "ليـبيا",
    ] {
        assert_eq!(found(&m, w).len(), 1, "{w} should match ليبيا");
    }
    for w in [
        "بنغازي",
        "وبنغازي",
        "البنغازية",
        "مصراتة",
        "بمصراتة",
        "المصراتي",
        "للمجلس الرئاسي",
        "والمجلس الرئاسي",
    ] {
        assert_eq!(found(&m, w).len(), 1, "{w} should match");
    }
    for w in [
        "ليبيريا",
        "الليبرالية",
        "مصرات",
        "مجلس الرئاسي",
        "ومصر",
        "سرتها",
        "بسرت",
        "طرابلسيات",
    ] {
        assert!(
            found(&m, w).is_empty(),
            "{w} should not match: {:?}",
            found(&m, w)
        );
    }
    assert_eq!(found(&m, "في سرت"), vec!["سرت"]);
}

#[test]
fn latin_terms_are_case_insensitive_whole_words() {
    let m = Matcher::compile(&[libya()]);
    assert_eq!(found(&m, "Gen. HAFTAR said"), vec!["haftar"]);
    assert_eq!(found(&m, "قال haftar،"), vec!["haftar"]);
    assert!(found(&m, "Haftarism").is_empty());
}

#[test]
fn tripoli_near_lebanese_context_does_not_count() {
    let m = Matcher::compile(&[libya()]);
    let tags = m.tag(
        "اشتباكات في طرابلس",
        "اندلعت اشتباكات في مدينة طرابلس شمال لبنان مساء أمس",
    );
    assert!(tags.is_empty(), "{tags:?}");
    let ev = &m.evaluate(
        "اشتباكات في طرابلس",
        "اندلعت اشتباكات في مدينة طرابلس شمال لبنان",
    )[0];
    assert_eq!(ev.matches.len(), 2);
    assert!(
        ev.matches
            .iter()
            .all(|x| x.points == 0.0 && x.suppressed.is_some())
    );
    let tags = m.tag("اشتباكات في طرابلس", "اندلعت اشتباكات في العاصمة طرابلس");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].score, 4.0);
}

#[test]
fn one_passing_body_mention_is_below_the_default_threshold() {
    let m = Matcher::compile(&[libya()]);
    assert!(
        m.tag("السودان يستضيف قمة", "بمشاركة مصر وليبيا وتشاد")
            .is_empty()
    );
    let tags = m.tag("", "وصل وفد ليبي إلى بنغازي");
    assert_eq!(tags[0].score, 2.0);
    assert_eq!(
        tags[0]
            .matches
            .iter()
            .map(|x| (x.field, x.position))
            .collect::<Vec<_>>(),
        vec![(Field::Text, 2), (Field::Text, 4)]
    );
}

#[test]
fn exclude_vetoes_and_composites_combine() {
    let mut l = libya();
    l.exclude = vec!["ليبيريا".into()];
    let oil = topic(
        "oil",
        vec![TermSpec::plain("النفط"), TermSpec::plain("برنت")],
    );
    let mut combo = topic("libya-oil", Vec::new());
    combo.all_of = vec!["libya".into(), "oil".into()];
    let m = Matcher::compile(&[l, oil, combo]);
    let slugs = |t: Vec<TopicTag>| t.into_iter().map(|t| t.slug).collect::<Vec<_>>();
    assert_eq!(
        slugs(m.tag("إنتاج النفط في ليبيا", "")),
        vec!["libya-oil", "libya", "oil"]
    );
    assert_eq!(slugs(m.tag("إنتاج النفط", "")), vec!["oil"]);
    assert_eq!(slugs(m.tag("ليبيا وليبيريا", "")), Vec::<String>::new());
}

/// What the tagger found before the word index: an overlapping Aho-Corasick pass over the
/// text, a hit kept when the rest of its first word before it is a proclitic chain and the
/// rest of its last word after it is nothing or a suffix some rule accepts.
fn automaton_finds(patterns: &[&str], text: &str) -> Vec<index::Found> {
    let ac = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(patterns)
        .unwrap();
    let suffixes: Vec<&str> = SUFFIXES
        .iter()
        .chain(SHORT_SUFFIXES)
        .chain(STRIPPED_SUFFIXES)
        .chain(&["ا", "ه", "ي"])
        .copied()
        .collect();
    ac.find_overlapping_iter(text)
        .filter_map(|m| {
            let word_start = text[..m.start()].rfind(' ').map_or(0, |i| i + 1);
            let word_end = text[m.end()..]
                .find(' ')
                .map_or(text.len(), |i| m.end() + i);
            let prefix = &text[word_start..m.start()];
            let suffix = &text[m.end()..word_end];
            (proclitic_chain(prefix).is_some() && suffixes.contains(&suffix)).then(|| {
                index::Found {
                    pattern: m.pattern().as_usize(),
                    word: text[..word_start].matches(' ').count(),
                    words: (word_start, word_end),
                    at: (m.start(), m.end()),
                }
            })
        })
        .collect()
}

const INDEX_PATTERNS: &[&str] = &[
    "ليبي",
    "ليب",
    "طرابلس",
    "مجلس رئاسي",
    "مجلس",
    "رئاسي",
    "مجلس رئاسي ليبي",
    "سرت",
    "haftar",
    "national oil",
    "بنغاز",
    "لبنان",
    "ا",
    "ال",
    "يه",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn word_index_finds_what_the_automaton_finds(
        words in proptest::collection::vec(
            (0..12usize, 0..22usize, 0..24usize),
            0..14,
        )
    ) {
        const PREFIXES: &[&str] = &[
            "", "", "", "و", "ف", "ب", "ك", "ل", "ال", "وال", "بال", "لل", "فلل", "وب", "لال",
            "م", "ت", "x",
        ];
        const CORES: &[&str] = &[
            "ليبي", "ليب", "ليبيا", "طرابلس", "مجلس", "رئاسي", "سرت", "haftar", "national",
            "oil", "بنغاز", "لبنان", "ا", "ال", "يه", "كتب", "مدينة", "سر", "رئاس", "ي", "ه",
            "لي",
        ];
        const ENDS: &[&str] = &[
            "", "", "", "ي", "يه", "يون", "يين", "يان", "ه", "ها", "هم", "هما", "ات", "ين",
            "ون", "ان", "يا", "اوي", "اويه", "اويين", "ا", "s",
        ];
        let text = words
            .iter()
            .map(|&(p, c, e)| {
                format!("{}{}{}", PREFIXES[p % PREFIXES.len()], CORES[c % CORES.len()], ENDS[e % ENDS.len()])
            })
            .collect::<Vec<_>>()
            .join(" ");
        let index = index::WordIndex::new(INDEX_PATTERNS.iter().map(|p| p.as_bytes()));
        let mut found = Vec::new();
        let n = index.find(&text, &mut found);
        proptest::prop_assert_eq!(n, words.len());
        proptest::prop_assert_eq!(found, automaton_finds(INDEX_PATTERNS, &text), "{}", text);
    }
}

#[test]
fn word_index_lists_hits_in_the_automatons_order() {
    let index = index::WordIndex::new(INDEX_PATTERNS.iter().map(|p| p.as_bytes()));
    let text = "والمجلس رئاسي ليبيا بطرابلس";
    let mut found = Vec::new();
    assert_eq!(index.find(text, &mut found), 4);
    let shown: Vec<(&str, usize, &str)> = found
        .iter()
        .map(|f| {
            (
                INDEX_PATTERNS[f.pattern],
                f.word,
                &text[f.words.0..f.words.1],
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("مجلس", 0, "والمجلس"),
            ("مجلس رئاسي", 0, "والمجلس رئاسي"),
            ("رئاسي", 1, "رئاسي"),
            ("ليب", 2, "ليبيا"),
            ("مجلس رئاسي ليبي", 0, "والمجلس رئاسي ليبيا"),
            ("ليبي", 2, "ليبيا"),
            ("طرابلس", 3, "بطرابلس"),
        ]
    );
    assert_eq!(found, automaton_finds(INDEX_PATTERNS, text));
}

#[test]
fn chain_lengths_agrees_with_proclitic_chain() {
    // Every word of up to four letters from the chain letters and four others. Two of them
    // share their second UTF-8 byte with a chain letter (U+0601 with ف, U+0667 with ا):
    // chain_lengths may then report more chains (an extra probe, never a miss), but on
    // words without them its bits are exactly proclitic_chain's.
    let letters = ["و", "ف", "ب", "ك", "ل", "ا", "م", "x", "\u{601}", "\u{667}"];
    let (mut exact, mut more) = (0, 0);
    for n in 0..=4u32 {
        for mut code in 0..letters.len().pow(n) {
            let mut word = String::new();
            for _ in 0..n {
                word.push_str(letters[code % letters.len()]);
                code /= letters.len();
            }
            let bits = index::chain_lengths(index::first8(word.as_bytes()));
            let lookalike = word.contains(['\u{601}', '\u{667}']);
            let prefix_letters: Vec<&str> = {
                let mut cut = word.char_indices().map(|(i, _)| i).collect::<Vec<_>>();
                cut.push(word.len());
                cut.iter().map(|&i| &word[..i]).collect()
            };
            let mut extra = false;
            for (k, prefix) in prefix_letters.iter().enumerate() {
                let (reported, chain) = (bits >> k & 1 == 1, proclitic_chain(prefix).is_some());
                if lookalike && reported && !chain {
                    extra = true;
                } else {
                    assert_eq!(reported, chain, "{word:?}: {prefix:?}");
                }
            }
            if extra {
                more += 1;
            } else {
                exact += 1;
            }
        }
    }
    assert_eq!(exact + more, 1 + 10 + 100 + 1000 + 10_000);
    // و then U+0667 (read as ا) then ل: وال.
    assert_eq!(
        index::chain_lengths(index::first8("و\u{667}لم".as_bytes())),
        0b1011
    );
    assert!(
        more > 0 && exact > 5000,
        "{exact} exact, {more} with extra chains"
    );
}

#[test]
fn words_are_split_at_every_space_across_blocks() {
    // Lengths around the 8- and 64-byte steps of the space mask, with leading, trailing and
    // doubled spaces (normalized text has none, but the split must not depend on it).
    let mut seen = 0;
    for len in [0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200] {
        for seed in 0..8u32 {
            let text: String = (0..len)
                .map(|i: u32| match (i * 7 + seed * 13) % 5 {
                    0 => ' ',
                    1 => 'ل',
                    2 => 'a',
                    3 => 'ي',
                    _ => '1',
                })
                .collect();
            let patterns = ["ل", "a1"];
            let index = index::WordIndex::new(patterns.iter().map(|p| p.as_bytes()));
            let mut found = Vec::new();
            let words = index.find(&text, &mut found);
            let expected = if text.is_empty() {
                0
            } else {
                text.split(' ').count()
            };
            assert_eq!(words, expected, "{text:?}");
            assert_eq!(found, automaton_finds(&patterns, &text), "{text:?}");
            seen += found.len();
        }
    }
    assert_eq!(seen, 40, "hits in all texts");
}
