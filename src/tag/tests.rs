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
