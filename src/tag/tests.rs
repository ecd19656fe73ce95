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
    m.evaluate("", text, None)
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
        "طرابلسيات",
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
        "طرابلسكم",
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

/// A first sentence of `n` filler words that mention nothing, so that what follows it is
/// body text past the lead.
fn filler(n: usize) -> String {
    let mut s = vec!["وقال المتحدث في بيان صدر عنه"; n.div_ceil(6)].join(" ");
    s.push('.');
    s
}

#[test]
fn a_local_context_word_suppresses_only_the_mentions_near_it_and_is_named() {
    let mut sirte = TermSpec::plain("سرت");
    sirte.exact = true;
    sirte.unless_near = vec!["شائعات".into()];
    sirte.window = 2;
    let m = Matcher::compile(&[topic("libya", vec![sirte])]);
    let ev = &m.evaluate("", "سرت شائعات عن اتفاق. وصل الوفد إلى سرت مساء", None)[0];
    let notes: Vec<_> = ev.matches.iter().map(|x| x.suppressed.clone()).collect();
    assert_eq!(
        notes,
        vec![
            Some("context word «شايعات» within 2 words".to_string()),
            None
        ]
    );
    assert_eq!(ev.score, 1.0);
}

#[test]
fn the_nearest_context_word_is_found_among_many() {
    // Every context word before the mention is too far; the one after it is near.
    let mut tripoli = TermSpec::plain("طرابلس");
    tripoli.only_near = vec!["لبنان".into(), "عكار".into()];
    tripoli.window = 3;
    let m = Matcher::compile(&[topic("lebanon", vec![tripoli])]);
    let far = vec!["لبنان عكار كلمة كلمة كلمة كلمة"; 50].join(" ");
    let text = format!("{far} كلمة كلمة طرابلس كلمة عكار");
    let ev = &m.evaluate("", &text, None)[0];
    assert_eq!(ev.matches.len(), 1);
    assert_eq!(ev.matches[0].suppressed, None);
    let text = format!("{far} كلمة كلمة طرابلس كلمة كلمة كلمة كلمة عكار");
    let ev = &m.evaluate("", &text, None)[0];
    assert_eq!(
        ev.matches[0].suppressed.as_deref(),
        Some("no context word within 3 words")
    );
}

fn tripoli_topics() -> Vec<TopicSpec> {
    let lebanese = ["لبنان", "عكار", "الفيحاء", "طرابلس والشمال", "ميقاتي"];
    let libyan = ["ليبيا", "الدبيبة", "معيتيقة"];
    let cues = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut ly = TermSpec::plain("طرابلس");
    ly.other_sense = cues(&lebanese);
    let mut lb = TermSpec::plain("طرابلس");
    lb.sense = cues(&lebanese);
    lb.other_sense = cues(&libyan);
    let mut dbeibah = TermSpec::plain("الدبيبة");
    dbeibah.weight = 2.0;
    vec![
        topic("libya", vec![TermSpec::plain("ليبيا"), ly, dbeibah]),
        topic("lebanon", vec![TermSpec::plain("لبنان"), lb]),
    ]
}

/// Every topic's score for an item, in config order.
fn scores(m: &Matcher, title: &str, text: &str) -> Vec<f64> {
    m.evaluate(title, text, None)
        .iter()
        .map(|e| e.score)
        .collect()
}

/// Each topic's score for a text, negative where the topic is not tagged.
fn signed_scores(m: &Matcher, text: &str) -> Vec<f64> {
    m.evaluate("", text, None)
        .iter()
        .map(|e| if e.tagged { e.score } else { -e.score })
        .collect()
}

fn slugs(tags: Vec<TopicTag>) -> Vec<String> {
    tags.into_iter().map(|t| t.slug).collect()
}

#[test]
fn an_ambiguous_place_is_read_once_per_item_from_cues_anywhere_in_it() {
    let m = Matcher::compile(&tripoli_topics());
    // The Lebanese cue is in the body, once, far from the title's and the last mention.
    let body = format!(
        "شهدت طرابلس، شمال لبنان، توترا أمنيا. {} واستمر التوتر في طرابلس حتى المساء",
        filler(60)
    );
    assert_eq!(
        slugs(m.tag("اشتباكات في طرابلس", &body, None)),
        vec!["lebanon"]
    );
    let ev = &m.evaluate("اشتباكات في طرابلس", &body, None)[0];
    assert_eq!(ev.matches.len(), 3);
    for x in &ev.matches {
        assert_eq!(x.points, 0.0);
        assert_eq!(
            x.suppressed.as_deref(),
            Some(
                "read in its other sense in this item: cue «لبنان» (1 cues for the other sense, 0 for this topic)"
            )
        );
    }
    // Cues that are not the country's name: the city's epithet.
    assert_eq!(
        slugs(m.tag("احتجاجات في طرابلس", "خرج المئات في شوارع الفيحاء", None)),
        vec!["lebanon"]
    );
    // The Libyan reading with its own evidence: الدبيبة outnumbers a passing لبنان.
    assert_eq!(
        slugs(m.tag(
            "اشتباكات في طرابلس",
            "قال الدبيبة إن الوضع في طرابلس مستقر. وأعرب لبنان عن قلقه",
            None
        )),
        vec!["libya"]
    );
    // No cue either way: Tripoli is Libya's by default and needs evidence to be Lebanon's.
    assert_eq!(
        slugs(m.tag("اشتباكات في طرابلس", "اندلعت اشتباكات مساء أمس", None)),
        vec!["libya"]
    );
}

#[test]
fn the_source_place_settles_a_reading_the_item_leaves_even() {
    let m = Matcher::compile(&tripoli_topics());
    let (title, text) = ("اشتباكات في طرابلس", "اندلعت اشتباكات مساء أمس");
    // A Lebanese paper's Tripoli with no cue either way is Lebanon's.
    assert_eq!(slugs(m.tag(title, text, Some("لبنان"))), vec!["lebanon"]);
    let ev = m.evaluate(title, text, Some("لبنان"));
    assert_eq!(
        ev[0].matches[0].suppressed.as_deref(),
        Some(
            "read in its other sense: 0 cues for each in the item, and the source's place is a cue of the other"
        )
    );
    assert_eq!((ev[0].score, ev[1].score), (0.0, 3.0));
    // A Libyan paper's, and one from a place that is no cue of either reading, keep the
    // default.
    assert_eq!(slugs(m.tag(title, text, Some("ليبيا"))), vec!["libya"]);
    assert_eq!(slugs(m.tag(title, text, Some("مصر"))), vec!["libya"]);
    // The place is the spelling an admin writes: it is normalized like the item.
    assert_eq!(slugs(m.tag(title, text, Some(" لُبنان "))), vec!["lebanon"]);
    // The item's own cues outweigh the place: a Lebanese paper on Dbeibah's Tripoli.
    assert_eq!(
        slugs(m.tag(title, "قال الدبيبة إن الوضع في طرابلس مستقر", Some("لبنان"))),
        vec!["libya"]
    );
    // A tie of one cue each goes to the place too: the title's Tripoli moves to Lebanon,
    // and Libya keeps only its own name.
    let tie = "زار وفد من ليبيا عكار أمس";
    assert_eq!(scores(&m, title, tie), vec![5.0, 0.0]);
    let placed: Vec<f64> = m
        .evaluate(title, tie, Some("لبنان"))
        .iter()
        .map(|e| e.score)
        .collect();
    assert_eq!(placed, vec![2.0, 3.0]);
    // `explain` names the place it read the item with.
    assert!(
        m.explain(title, text, Some("لبنان"))
            .starts_with("\nsource place: لبنان\n\nlibya: score 0")
    );
}

fn sudan() -> TopicSpec {
    let mut s = TermSpec::plain("سودان");
    s.not_in = vec!["جنوب السودان".into()];
    s.not_after = vec!["شياع".into()];
    s.other_sense = vec!["العراق".into(), "جوبا".into(), "سلفاكير".into()];
    topic("sudan", vec![s, TermSpec::plain("الخرطوم")])
}

#[test]
fn sudan_does_not_match_inside_south_sudan() {
    let m = Matcher::compile(&[sudan()]);
    assert!(
        m.tag("جنوب السودان يحتفل بعيد استقلاله", "", None)
            .is_empty()
    );
    assert!(m.tag("رئيس جنوب السودان يعين نائبا", "", None).is_empty());
    let ev = &m.evaluate("جنوب السودان يحتفل", "", None)[0];
    assert_eq!(
        ev.matches[0].suppressed.as_deref(),
        Some("inside the phrase «جنوب السودان»")
    );
    // The country itself, in the same item as its southern neighbour, still counts.
    assert_eq!(
        slugs(m.tag("محادثات بين السودان وجنوب السودان", "", None)),
        vec!["sudan"]
    );
}

#[test]
fn a_surname_after_its_first_name_and_later_alone_is_not_the_country() {
    let m = Matcher::compile(&[sudan()]);
    let ev = &m.evaluate("محمد شياع السوداني يستقبل وفدا", "", None)[0];
    assert_eq!(
        ev.matches[0].suppressed.as_deref(),
        Some("right after «شياع»")
    );
    assert!(!ev.tagged);
    // The surname found after its first name settles the item: the title's bare السوداني
    // is the same man, without any other cue.
    let ev = &m.evaluate(
        "السوداني يستقبل وفدا",
        "استقبل محمد شياع السوداني وفدا رسميا",
        None,
    )[0];
    assert!(!ev.tagged);
    assert_eq!(
        ev.matches[0].suppressed.as_deref(),
        Some("the adjective describes the person named by «شياع» elsewhere in the item")
    );
    // Another form of the name cannot be the surname: a Hamas official named مشير المصري
    // speaking about relations with مصر is still about Egypt.
    let ev = &m.evaluate(
        "السودان يستقبل وفدا",
        "استقبل محمد شياع السوداني وفدا رسميا",
        None,
    )[0];
    assert!(ev.tagged);
    assert_eq!(ev.score, 3.0);
    // Later mentions of the surname alone follow the item's reading (Iraq's prime minister).
    assert!(
        m.tag(
            "السوداني يبحث مع وزير الخارجية ملف المياه",
            "بحث رئيس الوزراء محمد شياع السوداني في بغداد ملف المياه مع العراق. وأكد السوداني أهمية التعاون"
        , None)
        .is_empty()
    );
    assert_eq!(
        slugs(m.tag("الخرطوم تستضيف وفدا", "وصل إلى السودان وفد رفيع", None)),
        vec!["sudan"]
    );
}

#[test]
fn a_lead_that_states_its_subject_is_tagged_and_a_late_passing_mention_is_not() {
    let m = Matcher::compile(&[libya()]);
    let tags = m.tag(
        "طوابير طويلة أمام محطات الوقود",
        "تشهد مدن ليبية عدة طوابير طويلة أمام محطات الوقود. وقال مواطنون إن الأزمة مستمرة",
        None,
    );
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].score, 2.0);
    let late = format!("{} وحضر الاجتماع ممثلون عن ليبيا", filler(30));
    assert!(m.tag("اجتماع إقليمي", &late, None).is_empty());
    // The lead ends at its first sentence, and after LEAD_MAX_WORDS at the latest.
    assert_eq!(lead_words("طرابلس - أعلن المجلس الرئاسي. ثم قال"), 4);
    assert_eq!(lead_words("  سطر أول\nسطر ثان\nسطر ثالث"), 4);
    assert_eq!(lead_words("ثلاث كلمات هنا\nسطر ثان"), 3);
    // A teaser (a question, an exclamation, a word or two) and the sentence after it.
    assert_eq!(
        lead_words("كم باقي على المدرسة؟ أعلنت الوزارة موعد الدراسة. وقال"),
        8
    );
    assert_eq!(lead_words("بلغ النمو 3.5 في المئة! وقال المسؤول. ثم"), 8);
    assert_eq!(lead_words("عاجل. أعلن المجلس الرئاسي الحداد. وقال"), 5);
    // Nor is a byline.
    assert_eq!(lead_words("كتبت دينا دياب\nأنشئت وزارة التضامن. وقال"), 6);
    // A dateline on a line of its own is not the lead's sentence.
    assert_eq!(
        lead_words("لوبوان تي ان :\nحصدت تونس المرتبة الأولى. وقال"),
        7
    );
    assert_eq!(lead_words(&vec!["كلمة"; 100].join(" ")), LEAD_MAX_WORDS);
    assert_eq!(lead_words(""), 0);
}

#[test]
fn a_lead_that_enumerates_countries_names_parties_not_its_subject() {
    let m = Matcher::compile(&[
        libya(),
        topic("egypt", vec![TermSpec::plain("مصر")]),
        topic("oil", vec![TermSpec::plain("نفط")]),
    ]);
    let ev = m.evaluate(
        "",
        "فر لاجئون إلى تشاد ومصر وليبيا هربا من الحرب. وقال مسؤول",
        None,
    );
    assert_eq!(ev[0].score, 1.0, "وليبيا follows ومصر");
    assert_eq!(ev[1].score, 1.0, "ومصر is followed by وليبيا");
    // A compound is not an enumeration: both keep the lead's weight.
    let ev = m.evaluate("", "ارتفع إنتاج النفط الليبي أمس. وقال مسؤول", None);
    assert_eq!((ev[0].score, ev[2].score), (2.0, 2.0));
}

#[test]
fn a_name_in_a_list_of_countries_or_capitals_is_one_entry_of_the_list() {
    let yemen = topic(
        "yemen",
        vec![
            TermSpec::plain("اليمن"),
            TermSpec {
                weight: 2.0,
                ..TermSpec::plain("صنعاء")
            },
            TermSpec::plain("عدن"),
        ],
    );
    let m = Matcher::compile(&[yemen]);
    // Capitals no topic has: still a list, and the capital's weight 2 does not apply.
    let ev = &m.evaluate(
        "",
        "تسيطر إيران على أربع عواصم عربية بغداد ودمشق وبيروت وصنعاء. وقال",
        None,
    )[0];
    assert_eq!(ev.score, 1.0);
    let ev = &m.evaluate("", "تشمل القائمة دولا مثل اليمن وإيران وسوريا. وقال", None)[0];
    assert_eq!(ev.score, 1.0);
    // Two of the topic's own names joined by و are not a list of countries.
    let ev = &m.evaluate("", "وصل الوفد من صنعاء وعدن أمس. وقال", None)[0];
    assert_eq!(ev.score, 6.0);
    // A country compared with, and the next entry of its list, are yardsticks.
    let m2 = Matcher::compile(&[
        topic("egypt", vec![TermSpec::plain("مصر")]),
        topic("tunisia", vec![TermSpec::plain("تونس")]),
    ]);
    let evs = m2.evaluate(
        "المغرب يتفوق على مصر وتونس في عدد السياح",
        "صار المغرب الثاني في أفريقيا متفوقا على تونس ومصر هذا العام. وقال",
        None,
    );
    assert_eq!(
        evs.iter().map(|e| (e.score, e.tagged)).collect::<Vec<_>>(),
        vec![(2.0, false), (2.0, false)]
    );
    // A list written with commas: only its last entry carries و.
    let ev = &m.evaluate(
        "",
        "جاءت ثلاث دول ضمن القائمة هي اليمن، الجزائر، والمغرب. وقال",
        None,
    )[0];
    assert_eq!((ev.score, ev.tagged), (1.0, false));
    let ev = &m.evaluate("", "قالت الحكومة إن اليمن الجديد قادم. وأضافت", None)[0];
    assert_eq!(ev.score, 2.0);
}

#[test]
fn an_origin_phrase_makes_the_items_indefinite_adjectives_that_person() {
    let mut t = TermSpec::plain("تونس");
    t.not_in = vec!["من أصل تونسي".into()];
    let m = Matcher::compile(&[topic("tunisia", vec![t])]);
    // The title's تونسي is the attacker of Tunisian origin.
    let ev = &m.evaluate(
        "منفذ الهجوم تونسي",
        "قال المحققون إن المنفذ فرنسي من أصل تونسي",
        None,
    )[0];
    assert!(!ev.tagged);
    assert_eq!(
        ev.matches[0].suppressed.as_deref(),
        Some("the adjective describes the person named by «من اصل تونسي» elsewhere in the item")
    );
    // The definite adjective names an institution, and the name itself is the country.
    let ev = &m.evaluate(
        "",
        "فتحت النيابة التونسية تحقيقا في الهجوم. والمنفذ فرنسي من أصل تونسي",
        None,
    )[0];
    assert!(ev.tagged);
    let ev = &m.evaluate("", "قال مصدر في تونس إن المنفذ فرنسي من أصل تونسي", None)[0];
    assert!(ev.tagged);
}

#[test]
fn a_nisba_adjective_counts_as_the_place() {
    let m = Matcher::compile(&[topic("tunisia", vec![TermSpec::plain("تونس")])]);
    for w in [
        "التونسي",
        "التونسية",
        "التونسيين",
        "تونسيون",
        "بتونس",
        "والتونسيات",
    ] {
        assert_eq!(
            found(&m, w),
            vec![crate::text::arabic::normalize_words(w)],
            "{w}"
        );
    }
    assert_eq!(
        slugs(m.tag("المنتخب التونسي يفوز وديا", "", None)),
        vec!["tunisia"]
    );
}

#[test]
fn explain_shows_the_texts_spelling_the_suppressing_word_and_composites() {
    let mut topics = tripoli_topics();
    let mut combo = topic("libya-lebanon", Vec::new());
    combo.all_of = vec!["libya".into(), "lebanon".into()];
    topics.push(combo);
    let m = Matcher::compile(&topics);
    let out = m.explain(
        "اشتباكات في طَرابُلُس",
        "شهدت طرابلس، شمال لبنان، توترا.",
        None,
    );
    assert_eq!(
        out,
        "\nlibya: score 0 (min 2) → not tagged\n\
         \x20     0 pts  title word 2    طَرابُلُس [طرابلس] ← term طرابلس  (not counted: read in its other sense in this item: cue «لبنان» (1 cues for the other sense, 0 for this topic))\n\
         \x20     0 pts  lead  word 1    طرابلس [طرابلس] ← term طرابلس  (not counted: read in its other sense in this item: cue «لبنان» (1 cues for the other sense, 0 for this topic))\n\
         \nlebanon: score 7 (min 2) → TAGGED\n\
         \x20     3 pts  title word 2    طَرابُلُس [طرابلس] ← term طرابلس\n\
         \x20     2 pts  lead  word 1    طرابلس [طرابلس] ← term طرابلس\n\
         \x20     2 pts  lead  word 3    لبنان [لبنان] ← term لبنان\n\
         \nlibya-lebanon: all_of [libya ✗, lebanon ✓] → not tagged\n"
    );
}

#[test]
fn stop_words_and_short_terms_are_warned_about() {
    let t = topic(
        "bad",
        vec![
            TermSpec::plain("من"),
            TermSpec::plain("ال"),
            TermSpec::plain("في"),
            TermSpec::plain("على"),
            TermSpec::plain("نفط"),
            TermSpec::plain("ليبيا"),
            TermSpec::plain("oil"),
        ],
    );
    let w: Vec<_> = term_warnings(&[t]).into_iter().map(|w| w.term).collect();
    assert_eq!(w, vec!["من", "ال", "في", "على"]);
    let m = Matcher::compile(&[topic(
        "x",
        vec![TermSpec::plain("من"), TermSpec::plain("ليبيا")],
    )]);
    let items = [("خبر من ليبيا", ""), ("خبر", "من هنا"), ("خبر", "لا شيء")];
    let counts = m.term_item_counts(items);
    assert_eq!(counts, vec![vec![2, 1]]);
    let topics = [topic(
        "x",
        vec![TermSpec::plain("من"), TermSpec::plain("ليبيا")],
    )];
    // Over a store big enough to judge: the stop word matches two thirds, ليبيا a tenth.
    let w = share_warnings(&topics, &[vec![200, 30]], 300);
    assert_eq!(
        w.iter()
            .map(|w| (w.term.as_str(), w.reason.as_str()))
            .collect::<Vec<_>>(),
        vec![("من", "matches 200 of 300 stored items (67%, more than 20%)")]
    );
    assert!(
        share_warnings(&topics, &counts, 3).is_empty(),
        "too few items"
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
        slugs(m.tag("إنتاج النفط في ليبيا", "", None)),
        vec!["libya-oil", "libya", "oil"]
    );
    assert_eq!(slugs(m.tag("إنتاج النفط", "", None)), vec!["oil"]);
    assert_eq!(
        slugs(m.tag("ليبيا وليبيريا", "", None)),
        Vec::<String>::new()
    );
    // An item about oil that names Libya once deep in the body (1 point, below libya's 2)
    // is Libyan oil: once one part is tagged, the other needs half its min_score.
    let body = format!("{} وصلت الشحنة من ليبيا", filler(50));
    assert_eq!(
        slugs(m.tag("ارتفاع أسعار النفط وبرنت", &body, None)),
        vec!["libya-oil", "oil"]
    );
    // Without any mention of the other part, nothing.
    assert_eq!(
        slugs(m.tag("ارتفاع أسعار النفط وبرنت", &filler(50), None)),
        vec!["oil"]
    );
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
    // 2000 cases unless PROPTEST_CASES says otherwise (`with_cases` alone would ignore it).
    #![proptest_config(proptest::test_runner::contextualize_config(
        proptest::prelude::ProptestConfig::with_cases(2000)
    ))]
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
        let index = index::WordIndex::new(INDEX_PATTERNS.iter().copied());
        let mut found = Vec::new();
        let n = index.find(&text, &mut found);
        proptest::prop_assert_eq!(n, words.len());
        proptest::prop_assert_eq!(found, automaton_finds(INDEX_PATTERNS, &text), "{}", text);
    }
}

#[test]
fn word_index_lists_hits_in_the_automatons_order() {
    let index = index::WordIndex::new(INDEX_PATTERNS.iter().copied());
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
fn words_are_split_at_every_space_across_blocks() {
    // Leading, trailing and doubled spaces (normalized text has none, but the split must
    // not depend on it).
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
            let index = index::WordIndex::new(patterns.iter().copied());
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

#[test]
fn an_origin_phrase_marks_a_person_whatever_the_topics_rules_say() {
    // No origin phrase in the rules: the built-in one (من أصول، الأصل) finds it.
    let m = Matcher::compile(&[topic("lebanon", vec![TermSpec::plain("لبنان")])]);
    let ev = &m.evaluate("", "فاز المغني من أصول لبنانية بالجائزة في لندن", None)[0];
    assert_eq!(ev.score, 0.0);
    assert_eq!(
        ev.matches[0].suppressed.as_deref(),
        Some("a person's origin, next to «من اصول»")
    );
    let ev = &m.evaluate("", "فاز المغني لبناني الأصل بالجائزة في لندن", None)[0];
    assert_eq!(ev.score, 0.0);
    // The item's other adjectives are that person: an indefinite one, and a definite one
    // that is not an institution's (حصدت اليمنية، الداعشي الليبي).
    let ev = &m.evaluate(
        "فوز اللبنانية سارة بمقعد",
        "حصدت اللبنانية سارة مقعدا في البرلمان البريطاني. وهي بريطانية من أصول لبنانية",
        None,
    )[0];
    assert_eq!(ev.score, 0.0);
    // A definite adjective after a state's noun is the state, and the name is the country.
    let ev = &m.evaluate(
        "",
        "استدعت الخارجية اللبنانية السفير. وكان المهاجم من أصول لبنانية",
        None,
    )[0];
    assert_eq!(ev.score, 2.0);
    // A topic's own `not_in` origin phrase marks the person even when no term matched
    // inside it (يمني is not a term of a topic written as اليمن).
    let mut yemen = TermSpec::plain("اليمن");
    yemen.not_in = vec!["من أصل يمني".into()];
    let mut woman = TermSpec::plain("يمنية");
    woman.exact = true;
    let m = Matcher::compile(&[topic("yemen", vec![yemen, woman])]);
    let ev = &m.evaluate(
        "أول يمنية تفوز بمقعد",
        "حصدت اليمنية ابتسام مقعدا لتصبح أول بريطانية من أصل يمني تنال ذلك",
        None,
    )[0];
    assert_eq!((ev.score, ev.tagged), (0.0, false));
    let mut yemen = TermSpec::plain("اليمن");
    yemen.not_in = vec!["من أصول يمنية".into()];
    let m = Matcher::compile(&[topic("yemen", vec![yemen])]);
    let ev = &m.evaluate(
        "",
        "حصدت اليمنية ابتسام مقعدا وهي بريطانية من أصول يمنية",
        None,
    )[0];
    assert_eq!((ev.score, ev.tagged), (0.0, false));
    // A phrase guard without an origin word marks no person.
    let mut yemen = TermSpec::plain("اليمن");
    yemen.not_in = vec!["جنوب اليمن".into()];
    let m = Matcher::compile(&[topic("yemen", vec![yemen])]);
    let ev = &m.evaluate("", "حصدت اليمنية ابتسام مقعدا في جنوب اليمن", None)[0];
    assert_eq!(ev.score, 2.0);
}

#[test]
fn the_host_of_an_event_is_one_mention_in_any_field() {
    let m = Matcher::compile(&[topic(
        "tunisia",
        vec![TermSpec::plain("تونس"), TermSpec::plain("القاهرة")],
    )]);
    let score = |title: &str, text: &str| m.evaluate(title, text, None)[0].score;
    assert_eq!(
        score("", "يناقش الزعماء المجتمعون في قمة تونس القرار الأمريكي"),
        1.0
    );
    assert_eq!(score("محادثات استضافت القاهرة جولتها الثانية", ""), 1.0);
    assert_eq!(score("", "اختتم الحوار الذي عقد في تونس أعماله"), 1.0);
    // With the article or an adjective, the event is the country's own.
    assert_eq!(score("", "انطلقت القمة التونسية الأوروبية أمس"), 2.0);
    assert_eq!(score("قيادي في المؤتمر التونسي", ""), 3.0);
}

#[test]
fn a_country_named_in_the_lead_after_another_is_a_party_not_the_subject() {
    let m = Matcher::compile(&[
        topic("tunisia", vec![TermSpec::plain("تونس")]),
        topic("lebanon", vec![TermSpec::plain("لبنان")]),
    ]);
    let ev = m.evaluate(
        "",
        "تباطأ وصول المهاجرين إلى إيطاليا هذا العام وتفوقت الطرق من تونس على غيرها. وقال",
        None,
    );
    assert_eq!(ev[0].score, 1.0, "إيطاليا is named first");
    // The dateline is not the subject, nor an actor named by its adjective.
    let ev = m.evaluate(
        "",
        "بيروت - شنت الطائرات الإسرائيلية غارة على جنوب لبنان. وقال",
        None,
    );
    assert_eq!(ev[1].score, 2.0);
    // The topic's own name first: its later mentions keep the lead's weight.
    let ev = m.evaluate(
        "",
        "قال رئيس تونس إن العلاقات مع إيطاليا ومع تونس قوية. وتابع",
        None,
    );
    assert_eq!(ev[0].score, 4.0);
}

#[test]
fn the_two_sides_between_which_a_relation_runs_are_not_a_list() {
    let m = Matcher::compile(&[
        topic("egypt", vec![TermSpec::plain("مصر")]),
        topic("sudan", vec![TermSpec::plain("سودان")]),
    ]);
    // A border between two: the first-named side's story, the second a landmark.
    assert_eq!(
        scores(
            &m,
            "",
            "يعد المعبر الحدودي بين مصر والسودان نافذة للفارين. وقال"
        ),
        [2.0, 1.0]
    );
    assert_eq!(
        scores(&m, "", "تتواصل المحادثات بين مصر والسودان حول المياه. وقال"),
        [2.0, 2.0]
    );
    assert_eq!(
        scores(
            &m,
            "",
            "أثار السد خلافا بين بلاده ومصر والسودان منذ سنوات. وقال"
        ),
        [2.0, 2.0]
    );
    // "Among" is a list.
    assert_eq!(
        scores(&m, "", "من بين الدول المشاركة مصر والسودان وغيرهما. وقال"),
        [1.0, 1.0]
    );
}

#[test]
fn the_place_of_a_list_entry_is_the_same_entry() {
    let m = Matcher::compile(&[
        topic("lebanon", vec![TermSpec::plain("لبنان")]),
        topic(
            "yemen",
            vec![
                TermSpec::plain("اليمن"),
                TermSpec {
                    weight: 2.0,
                    ..TermSpec::plain("الحوثي")
                },
            ],
        ),
    ]);
    let text = format!(
        "{} ويضم المحور حلفاء إيران مثل حماس ولبنان والحوثيين في اليمن والفصائل العراقية",
        filler(45)
    );
    assert_eq!(scores(&m, "", &text), [1.0, 1.0]);
    let yemen: Vec<(String, f64)> = m.evaluate("", &text, None)[1]
        .matches
        .iter()
        .map(|m| (m.found.clone(), m.points))
        .collect();
    assert_eq!(
        yemen,
        [("والحوثيين".to_string(), 1.0), ("اليمن".to_string(), 0.0)]
    );
    // Not a list: the place counts.
    let ev = m.evaluate("", &format!("{} وقاتل الحوثيين في اليمن", filler(45)), None);
    assert_eq!(ev[1].score, 3.0);
}

#[test]
fn where_someone_comes_from_or_heads_to_is_one_mention() {
    let m = Matcher::compile(&[
        topic("tunisia", vec![TermSpec::plain("تونس")]),
        topic(
            "egypt",
            vec![
                TermSpec::plain("مصر"),
                TermSpec {
                    weight: 2.0,
                    ..TermSpec::plain("القاهرة")
                },
            ],
        ),
    ]);
    let score = |t: usize, title: &str, text: &str| m.evaluate(title, text, None)[t].score;
    assert_eq!(
        score(
            0,
            "",
            "أحبط الدرك تهريب سلع باتجاه الأراضي التونسية أمس. وقال"
        ),
        1.0
    );
    assert_eq!(score(1, "وصل القائد قادما من القاهرة", ""), 1.0);
    // The place named again in apposition is the same place.
    let ev = &m.evaluate(
        "",
        "وصل القائد قادما من العاصمة المصرية القاهرة. وقال",
        None,
    )[1];
    assert_eq!(ev.score, 1.0);
    let points: Vec<f64> = ev.matches.iter().map(|m| m.points).collect();
    assert_eq!(points, [1.0, 0.0]);
    assert_eq!(
        score(
            1,
            "",
            "غادر القاهرة مساء اليوم القائد متوجها إلى بلاده. وقال"
        ),
        1.0
    );
    assert_eq!(
        score(1, "", "أعلنت الدوحة أن وفدا سيتوجه إلى القاهرة غدا. وقال"),
        1.0
    );
    // A neighbour that locates another place is a landmark.
    assert_eq!(
        score(
            1,
            "",
            "يخشى النازحون إلى رفح المحاذية لمصر توسع القصف. وقال"
        ),
        1.0
    );
    assert_eq!(score(0, "اشتباكات على الحدود مع تونس", ""), 1.0);
    // One side of a crossing is a place on the way; the side as a party is not.
    assert_eq!(
        score(1, "تكدس الشاحنات بالجانب المصري من معبر رفح", ""),
        1.0
    );
    let ev = &m.evaluate(
        "",
        "عند الجانب المصري من معبر رفح تتكدس الشاحنات. وقال",
        None,
    )[1];
    assert_eq!((ev.score, ev.tagged), (1.0, false));
    assert_eq!(score(1, "أكد الجانب المصري رفضه للمقترح", ""), 3.0);
    // A border two countries share locates the story, both adjectives; one country's
    // border is its own.
    assert_eq!(score(0, "اشتباكات قرب الحدود التونسية الجزائرية", ""), 1.0);
    assert_eq!(
        score(1, "", "تسير الشاحنات عبر الحدود الليبية المصرية. وقال"),
        1.0
    );
    assert_eq!(score(0, "تعزيزات على الحدود التونسية", ""), 3.0);
    // The second side of a border «بين» two countries is the neighbour; the first is the
    // story's.
    assert_eq!(
        score(
            0,
            "",
            "أغلق معبر راس جدير على الحدود المشتركة بين ليبيا وتونس. وقال"
        ),
        1.0
    );
    assert_eq!(
        score(
            0,
            "",
            "أغلق المعبر على الحدود المشتركة بين تونس وليبيا. وقال"
        ),
        2.0
    );
    // Coming from, in the past tense, and hailing from a city.
    assert_eq!(
        score(0, "", "هاجم متمردون قدموا من تونس بلدة أمس. وقال"),
        1.0
    );
    assert_eq!(
        score(0, "", "قالت الشرطة إن المهاجم ينحدر من مدينة تونس. وأضافت"),
        1.0
    );
    assert_eq!(
        score(
            0,
            "",
            "أحبطت القوات تسلل شبان حاولوا مغادرة البلاد إلى تونس. وقال"
        ),
        1.0
    );
    // The end of a route from one place to another.
    assert_eq!(
        score(
            0,
            "",
            "حجز الأمن سيارات لتهريب الوقود من ولاية الطارف إلى تونس. وقال"
        ),
        1.0
    );
    // Not a movement: the place counts as usual.
    assert_eq!(score(1, "وصل القائد إلى القاهرة", ""), 6.0);
    assert_eq!(
        score(1, "", "يخشى النازحون من حدود مصر الجنوبية. وقال"),
        2.0
    );
}

#[test]
fn a_list_of_countries_in_the_title_is_a_list_too() {
    let m = Matcher::compile(&[
        topic("tunisia", vec![TermSpec::plain("تونس")]),
        topic("egypt", vec![TermSpec::plain("مصر")]),
    ]);
    assert_eq!(
        scores(&m, "بعد تونس ومصر.. اتفاق مع المغرب", ""),
        [1.0, 1.0]
    );
    let ev = m.evaluate("اتفاق بين تونس ومصر", "", None);
    assert_eq!(
        (ev[0].score, ev[1].score),
        (3.0, 3.0),
        "the two sides of بين"
    );
    // The title's last word and the text's first are not one list.
    assert_eq!(
        scores(&m, "رئيس الوزراء يزور تونس", "ومصر تستعد لاستقباله"),
        [3.0, 2.0]
    );
}

#[test]
fn a_former_office_holders_nationality_counts_only_beside_another_mention() {
    let m = Matcher::compile(&[
        topic("lebanon", vec![TermSpec::plain("لبنان")]),
        topic("libya", vec![TermSpec::plain("ليبيا")]),
    ]);
    assert_eq!(
        scores(
            &m,
            "",
            "اختير الوزير اللبناني السابق غسان سلامة مبعوثا إلى ليبيا. وقال"
        ),
        [0.0, 2.0]
    );
    let ev = m.evaluate(
        "",
        "اختير الوزير اللبناني السابق غسان سلامة مبعوثا إلى ليبيا. وقال",
        None,
    );
    assert_eq!(
        ev[0].matches[0].suppressed.as_deref(),
        Some("a former office holder's nationality, and the item names the topic no other way")
    );
    // Named another way too: the adjective counts.
    let ev = m.evaluate("", "عاد الوزير اللبناني الأسبق إلى لبنان أمس. وقال", None);
    assert_eq!(ev[0].score, 4.0);
    // "Former" agrees with the star, not with Egyptian football.
    let m2 = Matcher::compile(&[topic("egypt", vec![TermSpec::plain("مصر")])]);
    let ev = m2.evaluate(
        "",
        "يعد اليماني نجم الكرة المصرية السابق موهبة كبيرة. وقال",
        None,
    );
    assert_eq!(ev[0].score, 2.0);
    let ev = m2.evaluate("", "عادت الوزيرة المصرية السابقة إلى عملها. وقال", None);
    assert_eq!(ev[0].score, 0.0);
    // A serving minister's nationality is his state's.
    let ev = m.evaluate("", "زار الوزير اللبناني طرابلس الغرب أمس. وقال", None);
    assert_eq!(ev[0].score, 2.0);
}

#[test]
fn a_roster_of_people_by_nationality_is_a_list() {
    let m = Matcher::compile(&[
        topic("tunisia", vec![TermSpec::plain("تونس")]),
        topic("egypt", vec![TermSpec::plain("مصر")]),
    ]);
    assert_eq!(
        scores(
            &m,
            "",
            "أصبح النادي يملك في صفوفه المصري عمر مرموش، والتونسي إلياس السخيري، والجزائري فارس شايبي. وقال"
        ),
        [1.0, 1.0]
    );
    // Without the conjunction, two adjectives are two mentions, not a roster.
    assert_eq!(
        scores(
            &m,
            "",
            "قال المصري عمر مرموش إن التونسي إلياس السخيري سيلعب. وتابع"
        ),
        [2.0, 2.0]
    );
    // Indefinite adjectives describe a noun, they do not head a name.
    assert_eq!(
        scores(&m, "", "وقعت شركة مصرية كبرى وشركة تونسية عقدا. وقال"),
        [2.0, 2.0]
    );
}

#[test]
fn a_street_square_or_business_named_after_a_place_is_not_the_place() {
    let m = Matcher::compile(&[
        topic("lebanon", vec![TermSpec::plain("لبنان")]),
        topic(
            "yemen",
            vec![
                TermSpec::plain("اليمن"),
                TermSpec::plain("عدن"),
                TermSpec::plain("صنعاء"),
            ],
        ),
    ]);
    let score = |t: usize, title: &str, text: &str| m.evaluate(title, text, None)[t].score;
    // Giza's Lebanon Square (masress.com/akhbarelyomgate/245633).
    let ev = &m.evaluate(
        "",
        "أشعل العشرات النيران بكشك للمرور بميدان لبنان بالمهندسين منذ قليل. وقال",
        None,
    )[0];
    assert_eq!(ev.score, 0.0);
    assert_eq!(
        ev.matches[0].suppressed.as_deref(),
        Some("part of a name, after «بميدان»")
    );
    // Two names joined by و after one noun: Baghdad's Aden and Sanaa squares.
    assert_eq!(
        score(1, "افتتاح مجسري ساحتي عدن وصنعاء في الكاظمية", ""),
        0.0
    );
    // With the article it is the country's street (public opinion); a nisba is no name.
    assert_eq!(score(0, "", "يترقب الشارع لبنان الجديد. وقال"), 2.0);
    assert_eq!(score(0, "", "انقسم الشارع اللبناني حول القرار. وقال"), 2.0);
    assert_eq!(score(0, "", "افتتح مطعم لبناني في الحي. وقال"), 2.0);
}

#[test]
fn an_adjective_after_a_common_given_name_is_a_surname() {
    let m = Matcher::compile(&[topic("egypt", vec![TermSpec::plain("مصر")]), libya()]);
    let ev = m.evaluate(
        "من هو طاهر المصري؟",
        "زار رئيس الديوان الملكي رئيس الوزراء الأردني الأسبق طاهر المصري في منزله. وقال",
        None,
    );
    assert_eq!(ev[0].score, 0.0);
    assert_eq!(
        ev[0].matches[0].suppressed.as_deref(),
        Some("right after «طاهر»")
    );
    // Tunisia's coach سامي الطرابلسي is no mention of Tripoli.
    assert_eq!(
        m.evaluate("", "عين سامي الطرابلسي مدربا. وقال", None)[1].score,
        0.0
    );
    // An adjective of a noun, or the name itself after a given name, still counts.
    assert_eq!(
        m.evaluate("", "قال محمد إن الجيش المصري مستعد. وتابع", None)[0].score,
        2.0
    );
    assert_eq!(
        m.evaluate("", "غادر محمد مصر أمس. وقال", None)[0].score,
        2.0
    );
}

#[test]
fn a_dateline_is_found_and_is_worth_one_body_mention() {
    assert_eq!(dateline_words("القاهرة - كتب محمد نسيم - يعقد المجلس"), 1);
    assert_eq!(dateline_words("بيروت- رولا نصر: المغنية"), 1);
    assert_eq!(dateline_words("تونس / PNN - أسدل الستار"), 1);
    assert_eq!(dateline_words("تونس 25 ابريل 2017 / انطلقت"), 1);
    assert_eq!(dateline_words("طرابلس 14 يوليو 2014 (وال)- أكد"), 1);
    assert_eq!(dateline_words("  شرم الشيخ – أعلنت الوزارة"), 2);
    // A byline, then the city.
    assert_eq!(dateline_words("أحمد جودة - القاهرة - قال المفوض"), 3);
    assert_eq!(dateline_words("أحمد جودة - شرم الشيخ: قال المفوض"), 4);
    assert_eq!(dateline_words("أحمد جودة - قال المفوض الأوروبي"), 2);
    // A slash inside a token: a city and its agency, an outlet and its desk.
    assert_eq!(dateline_words("صنعاء/سبأ: أعلنت الوزارة"), 1);
    assert_eq!(dateline_words("الخبر اليمني/متابعات: عاد ما يقرب"), 3);
    // A city in parentheses; a parenthesis that is not one.
    assert_eq!(dateline_words("(بيروت) – “صحيفة الثوري”: كشفت"), 1);
    assert_eq!(dateline_words("(شرم الشيخ) أعلنت الوزارة"), 2);
    assert_eq!(dateline_words("(2) قال الرئيس"), 0);
    assert_eq!(dateline_words("(قال الرئيس إن الوضع مستقر) وأضاف"), 0);
    // A sentence, not a dateline.
    assert_eq!(dateline_words("مصر تطلق مشروعا لتطوير الميناء"), 0);
    assert_eq!(dateline_words("قال الرئيس إن 20 شخصا قتلوا"), 0);
    assert_eq!(dateline_words("2017 - القاهرة"), 0);
    assert_eq!(dateline_words(""), 0);

    let m = Matcher::compile(&[topic(
        "lebanon",
        vec![
            TermSpec::plain("لبنان"),
            TermSpec {
                weight: 2.0,
                ..TermSpec::plain("بيروت")
            },
        ],
    )]);
    let ev = &m.evaluate(
        "",
        "بيروت- رولا نصر: المغنية الكولومبية شاكيرا تحصد الجوائز. وقال",
        None,
    )[0];
    assert_eq!(ev.score, 1.0);
    assert!(
        m.explain("", "بيروت- رولا نصر: المغنية تحصد الجوائز", None)
            .contains("dateline")
    );
    // The name again in the lead is the lead's.
    let ev = &m.evaluate("", "بيروت - شهدت بيروت احتجاجات واسعة. وقال", None)[0];
    assert_eq!(ev.score, 5.0);
}

#[test]
fn places_passed_through_alone_do_not_tag() {
    let m = Matcher::compile(&[libya()]);
    let ev = &m.evaluate(
        "الجيش التشادي يدمر رتلا لمتمردين قادمين من ليبيا",
        "أعلن الجيش التشادي أنه دمر رتلا من المتمردين القادمين من ليبيا. وأضاف",
        None,
    )[0];
    assert_eq!((ev.score, ev.tagged), (2.0, false));
    assert!(
        m.explain(
            "متمردون قادمون من ليبيا",
            "أعلن الجيش أن المتمردين القادمين من ليبيا عبروا. وأضاف",
            None
        )
        .contains("score 2 (min 2) → not tagged: only venues, places passed through or a dateline")
    );
    // With one mention that is more than a place passed through, the points add up.
    let ev = &m.evaluate(
        "متمردون قادمون من ليبيا",
        "أعلن الجيش أن المتمردين قاتلوا في ليبيا سنوات. وأضاف",
        None,
    )[0];
    assert_eq!((ev.score, ev.tagged), (3.0, true));
}

#[test]
fn every_shipped_source_place_settles_some_reading() {
    let cfg = crate::config::load_embedded().unwrap();
    let m = Matcher::compile(&cfg.topics);
    let placed: Vec<(&str, usize)> = cfg
        .sources
        .iter()
        .filter_map(|s| Some((s.id.as_str(), m.place_readings(s.place.as_deref()?))))
        .collect();
    assert_eq!(placed.len(), 5);
    for (id, n) in placed {
        assert!(n > 0, "{id}: its place settles no reading");
    }
    assert_eq!(m.place_readings("لبنانن"), 0);
}

#[test]
fn a_persons_nationality_in_a_story_set_abroad_does_not_tag_alone() {
    let m = Matcher::compile(&[libya(), topic("egypt", vec![TermSpec::plain("مصر")])]);
    let tagged = |title: &str, text: &str| -> Vec<bool> {
        m.evaluate(title, text, None)
            .iter()
            .map(|e| e.tagged)
            .collect()
    };
    // One person, named by nationality, in a story set in Germany or America.
    let arrested = "اعتقلت الشرطة الألمانية مواطنا ليبيا أمس. وقال";
    assert_eq!(tagged("", arrested), vec![false, false]);
    assert!(m.explain("", arrested, None).contains(
        "libya: score 2 (min 2) → not tagged: only the nationality of people in a story set abroad"
    ));
    assert_eq!(
        tagged(
            "القبض على مصري في عملية طعن",
            "ذكرت صحيفة ألمانية أن الشرطة تحقق. وقال"
        ),
        vec![false, false]
    );
    assert_eq!(
        tagged("مصرية تتوج بلقب ملكة جمال العرب في أمريكا", ""),
        vec![false, false]
    );
    // The same words at home, or with the country named another way, tag as before.
    assert_eq!(
        tagged("", "اعتقلت الشرطة مواطنا ليبيا أمس. وقال"),
        vec![true, false]
    );
    assert_eq!(
        tagged(
            "",
            "اعتقلت الشرطة الألمانية مواطنا ليبيا تطالب ليبيا بتسليمه. وقال"
        ),
        vec![true, false]
    );
    // A place the person passed through is not the country named another way.
    assert_eq!(
        tagged("", "اعتقلت الشرطة الألمانية مواطنا ليبيا قدم من ليبيا. وقال"),
        vec![false, false]
    );
    // A state's or institution's adjective, a count or a plural is not one person.
    assert_eq!(
        tagged("", "فاز المنتخب المصري على ألمانيا وديا. وقال"),
        vec![false, true]
    );
    assert_eq!(
        tagged("", "وصل 60 مهاجرا ليبيا إلى سواحل إيطاليا أمس. وقال"),
        vec![true, false]
    );
    assert_eq!(
        tagged("", "كرمت الجامعة الأمريكية الطلاب المصريين أمس. وقال"),
        vec![false, true]
    );
    // Another Arab country named as where the story is, by its name; not a reporting
    // paper's adjective.
    assert_eq!(
        tagged(
            "",
            "عبر الفنان المصري عن إعجابه بمدينة روابي في فلسطين. وقال"
        ),
        vec![false, false]
    );
    assert_eq!(
        tagged("", "تحدثت صحيفة تركية عن مأساة شاب مصري أصيب بشظايا. وقال"),
        vec![false, true]
    );
    // Two people by a dual, somebody among others, what someone is (an indefinite
    // adjective after a definite word).
    assert_eq!(
        tagged(
            "",
            "يضم الكونغرس البرازيلي عضوين من أصل عربي: المصريان سامي وعادل. وقال"
        ),
        vec![false, false]
    );
    assert_eq!(
        tagged(
            "",
            "تضم قائمة منتخب أستراليا لاعبين بينهم الليبي باتريك يزبك. وقال"
        ),
        vec![false, false]
    );
    assert_eq!(
        tagged(
            "",
            "أعلن نائب أن منفذ الهجوم بمدينة نيس الفرنسية، ليبي وصل حديثا. وقال"
        ),
        vec![false, false]
    );
    // A definite adjective after a definite noun is a state's, as before.
    assert_eq!(
        tagged("", "زار الوفد الليبي العاصمة الألمانية أمس. وقال"),
        vec![true, false]
    );
    // "One of them", an old man.
    assert_eq!(
        tagged(
            "",
            "منعت الشرطة الألمانية سفر شخصين، أحدهما ليبي، إلى سوريا. وقال"
        ),
        vec![false, false]
    );
    assert_eq!(
        tagged("", "قتل شيخ ليبي في مدينة مازارا الإيطالية أمس. وقال"),
        vec![false, false]
    );
    // Two people by a dual verb after the oblique (ليبيين يحملان).
    assert_eq!(
        tagged(
            "",
            "اعتقلت الشرطة التونسية أمس، ليبيين يحملان قنبلة في مدينة تطاوين جنوب تونس. وقال"
        ),
        vec![false, false]
    );
    // A gang or clan is its people; the dateline is where the copy was filed.
    assert_eq!(
        tagged("", "تلاحق الشرطة الألمانية زعماء عشائر ليبية في برلين. وقال"),
        vec![false, false]
    );
    assert_eq!(
        tagged(
            "",
            "القاهرة: فازت المهندسة المصرية بمقعد في بلدية مدينة أيوا الأمريكية. وقال"
        ),
        vec![false, false]
    );
    // "Of X nationality" marks a person's origin wherever the story is.
    assert_eq!(
        tagged("منفذ عملية الطعن ليبي الجنسية", ""),
        vec![false, false]
    );
    assert_eq!(
        tagged("", "أوقفت الشرطة شابا يحمل الجنسية الليبية أمس. وقال"),
        vec![false, false]
    );
    assert_eq!(
        tagged("", "قدم المشتبه به جواز سفر مصريا للشرطة أمس. وقال"),
        vec![false, false]
    );
    // A group holding it may be the story.
    assert_eq!(
        tagged("", "رحلت السلطات 130 مهاجرا يحملون الجنسية الليبية. وقال"),
        vec![true, false]
    );
    // No person's adjective among them (قوات أمنية ليبية): the rule does not apply.
    assert_eq!(
        tagged("", "أعلنت قوات أمنية ليبية أن المهاجم في فرنسا. وقال"),
        vec![true, false]
    );
}

#[test]
fn a_domestic_papers_national_institution_is_its_place() {
    let m = Matcher::compile(&[libya(), topic("egypt", vec![TermSpec::plain("مصر")])]);
    let tagged = |title: &str, text: &str, place| -> Vec<f64> {
        m.evaluate(title, text, place)
            .iter()
            .map(|e| if e.tagged { e.score } else { -e.score })
            .collect()
    };
    let (title, text) = (
        "رئاسة الجمهورية: المشروعات القومية تتقدم",
        "قال المتحدث باسم رئاسة الجمهورية إن العمل مستمر. وأضاف أن مجلس الوزراء وافق",
    );
    // From an Egyptian paper: the title's office, the lead's and the body's.
    assert_eq!(tagged(title, text, Some("مصر")), vec![0.0, 6.0]);
    assert!(
        m.explain(title, text, Some("مصر")).contains(
            "3 pts  title word 0    رئاسة الجمهورية [رياسه الجمهوريه] ← term (a national institution, in the source's place)"
        )
    );
    // Without a place, or from a place no topic is named after, nothing.
    assert_eq!(tagged(title, text, None), vec![0.0, 0.0]);
    assert_eq!(tagged(title, text, Some("المغرب")), vec![0.0, 0.0]);
    // Another country or topic named: the institution may be theirs.
    assert_eq!(
        tagged(
            title,
            "قال المتحدث باسم رئاسة الجمهورية في تركيا. وأضاف",
            Some("مصر")
        ),
        vec![0.0, 0.0]
    );
    assert_eq!(
        tagged(title, "قال المتحدث إن ليبيا طلبت دعما. وأضاف", Some("مصر")),
        vec![2.0, 0.0]
    );
    // The home country named too: its own name and the institution add up.
    assert_eq!(
        tagged(
            "",
            "قال رئيس الوزراء إن مصر ماضية في الإصلاح. وأضاف",
            Some("مصر")
        ),
        vec![0.0, 4.0]
    );
}

#[test]
fn a_domestic_papers_minister_prosecutor_or_country_is_its_place() {
    let mut sudan = TermSpec::plain("سودان");
    sudan.other_sense = vec!["سلفاكير".into()];
    let mut matruh = TermSpec::plain("مطروح");
    matruh.only_near = vec!["محافظة".into()];
    matruh.window = 2;
    let m = Matcher::compile(&[
        libya(),
        topic("egypt", vec![TermSpec::plain("مصر"), matruh]),
        topic("sudan", vec![sudan]),
        topic("oil", vec![TermSpec::plain("نفط")]),
    ]);
    let (eg, ly, sd) = (Some("مصر"), Some("ليبيا"), Some("السودان"));
    // Each item, its source's place, and the scores of libya, egypt, sudan and oil
    // (negative: not tagged).
    let cases: &[(&str, Option<&str>, [f64; 4])] = &[
        // A minister, the prosecution, "the country" in the lead of a domestic paper.
        (
            "أصدر اللواء منصور عيسوي وزير الداخلية قرارا بتكليف متحدث. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "أصدر اللواء منصور عيسوي وزير الداخلية قرارا بتكليف متحدث. وقال",
            None,
            [0.0, 0.0, 0.0, 0.0],
        ),
        (
            "أمرت النيابة العامة بحبس متهمين بتهريب الوقود خارج البلاد. وقال",
            ly,
            [4.0, 0.0, 0.0, 0.0],
        ),
        // A subject topic beside it does not make the minister someone else's; another
        // country does.
        (
            "قال وزير البترول إن إنتاج النفط ارتفع. وأضاف",
            eg,
            [0.0, 2.0, 0.0, 2.0],
        ),
        (
            "قال وزير الخارجية الروسي إن بلاده مستعدة. وأضاف",
            eg,
            [0.0, 0.0, 0.0, 0.0],
        ),
        // A foreign ministry is abroad, wherever the paper is.
        (
            "قالت وزارة الدفاع الأوكرانية إن الهجوم صُد. وأضافت",
            eg,
            [0.0, 0.0, 0.0, 0.0],
        ),
        // Nor when the item argues against the place's topic: a cue of the other reading
        // of its name (South Sudan's president, in a Sudanese paper).
        (
            "أصدر سلفاكير مرسوما بإعفاء وزيرة الداخلية. وقال",
            sd,
            [0.0, 0.0, 0.0, 0.0],
        ),
        (
            "أصدر الرئيس مرسوما بإعفاء وزيرة الداخلية. وقال",
            sd,
            [0.0, 0.0, 2.0, 0.0],
        ),
        // A word of the topic's that only lacked its context (مطروح inside المطروحة) is
        // nothing against it; منتخبنا الوطني is one mention.
        (
            "يجري البحث عن مدرب لمنتخبنا الوطني بين الأسماء المطروحة. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        // The national team is the home side whoever it plays, unless an adjective makes
        // it another country's.
        (
            "يستعد المنتخب الوطني لمواجهة موريتانيا الشهر المقبل. وقال",
            ly,
            [2.0, 0.0, 0.0, 0.0],
        ),
        (
            "يستعد المنتخب الوطني المغربي لمواجهة موريتانيا. وقال",
            ly,
            [0.0, 0.0, 0.0, 0.0],
        ),
        (
            "قال وزير الداخلية إن موريتانيا طلبت دعما. وأضاف",
            ly,
            [0.0, 0.0, 0.0, 0.0],
        ),
        // A national institute is the home country's; national companies in general,
        // after a plural, are anyone's.
        (
            "قال مدير المعهد الوطني للإحصاء إن الأرقام دقيقة. وأضاف",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "صارت الاحتياطيات تحت سيطرة شركات البترول الوطنية. وأضاف",
            eg,
            [0.0, 0.0, 0.0, 0.0],
        ),
        (
            "تداول نشطاء أسئلة امتحانات الثانوية العامة. وقالت",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        // A capital is a place by its name only: الرياضي is "sports", الرومي a bird.
        (
            "قال وزير الشباب إن النشاط الرياضي مستمر. وأضاف",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "ارتفع سعر الديك الرومي بنحو عشرة جنيهات. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "قال وزير الخارجية إن الرياض طلبت دعما. وأضاف",
            eg,
            [0.0, 0.0, 0.0, 0.0],
        ),
        // A language is no country's place.
        (
            "حدد وزير التعليم موعد امتحان اللغة الإنجليزية. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        // A country takes its adjectives only: العراقة is "heritage", not Iraq.
        (
            "قال وزير الثقافة إن المتحف يحكي العراقة والتاريخ. وأضاف",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "قال وزير الخارجية إن الحكومة العراقية طلبت دعما. وأضاف",
            eg,
            [0.0, 0.0, 0.0, 0.0],
        ),
        // A price in the local currency, a profession's syndicate.
        (
            "انخفضت أسعار الأرز في سوق الجملة بنحو 150 جنيها للطن. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "تحتفل النقابة العامة للأطباء بيوم الطبيب. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        // The armed forces, the federation of industries, the local market; the Olympic
        // team is a national team.
        (
            "قال المتحدث باسم القوات المسلحة إن البيانات تصدر عنه وحده. وأضاف",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "قال رئيس شعبة الدخان باتحاد الصناعات إن الزيادة بدأت أمس. وأضاف",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "انعكس الغلاء على الأسواق المحلية حيث ارتفعت أسعار السلع. وقال",
            ly,
            [2.0, 0.0, 0.0, 0.0],
        ),
        (
            "فاز المنتخب الأوليمبي على غانا بثلاثة أهداف. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "يبدأ منتخبا الشباب والناشئين معسكرا مفتوحا الأسبوع المقبل. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        // The weather authority, the national grid, the preparatory certificate; a
        // region's parliament or nationalism is nobody's home.
        (
            "أوضحت هيئة الأرصاد الجوية أن الشبورة المائية تقلل الرؤية. وقالت",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "فقدت الشبكة القومية نحو 300 ميجاوات بعد عطل في المحطة. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "انتهت امتحانات الشهادة الإعدادية للفصل الدراسي الأول. وقال",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        // Municipal councils and utilities; the Pentagon sets a story in America.
        (
            "اجتمع عميد البلدية مع أعضاء المجلس البلدي لبحث المشاريع. وقال",
            ly,
            [4.0, 0.0, 0.0, 0.0],
        ),
        (
            "أعلنت شركة مياه الشرب قطع المياه عن عدة قرى اليوم. وقالت",
            eg,
            [0.0, 2.0, 0.0, 0.0],
        ),
        (
            "قال مسؤولون بالبنتاجون إن الحرس الوطني سينتشر في 19 ولاية. وأضافوا",
            eg,
            [0.0, 0.0, 0.0, 0.0],
        ),
        (
            "يعقد البرلمان العربي غدا جلسته العامة الرابعة. وقال",
            eg,
            [0.0, 0.0, 0.0, 0.0],
        ),
        (
            "ألقى الكاتب محاضرة عن القومية العربية وتاريخها. وقال",
            eg,
            [0.0, 0.0, 0.0, 0.0],
        ),
        (
            "قالت القوات المسلحة السودانية إنها استعادت المدينة. وأضافت",
            eg,
            [0.0, 0.0, 2.0, 0.0],
        ),
    ];
    for (text, place, want) in cases {
        let got: Vec<f64> = m
            .evaluate("", text, *place)
            .iter()
            .map(|e| if e.tagged { e.score } else { -e.score })
            .collect();
        assert_eq!(got, want.to_vec(), "{text} (place {place:?})");
    }
}

#[test]
fn a_given_name_is_matched_as_written() {
    // دينا is a given name; الدينية ("religious") is not دينا with a suffix.
    let m = Matcher::compile(&[topic("tunisia", vec![TermSpec::plain("تونس")])]);
    let ev = &m.evaluate("", "نوه وزير الشؤون الدينية التونسي بالجهود. وقال", None)[0];
    assert_eq!((ev.score, ev.tagged), (2.0, true));
    let ev = &m.evaluate("", "قالت دينا التونسية إنها سعيدة. وأضافت", None)[0];
    assert_eq!((ev.score, ev.tagged), (0.0, false));
}

#[test]
fn who_reports_does_not_tag_alone_and_an_adjective_follows_its_capitals_reading() {
    let mut cairo = TermSpec::plain("القاهرة");
    cairo.other_sense = vec!["حماس".into()];
    cairo.not_in = vec!["القاهرة الإخبارية".into()];
    let m = Matcher::compile(&[topic("egypt", vec![TermSpec::plain("مصر"), cairo])]);
    let ev = |title: &str, text: &str| {
        let e = &m.evaluate(title, text, None)[0];
        (e.score, e.tagged)
    };
    // A source's nationality: points, but never firm alone.
    assert_eq!(
        ev("", "أكد مصدر مصري أن المحادثات مستمرة. وقال"),
        (2.0, false)
    );
    assert_eq!(
        ev(
            "",
            "أفاد تلفزيون القاهرة الإخبارية المصري ببدء دخول الشاحنات. وقال"
        ),
        (2.0, false)
    );
    // With the story's own mention it counts.
    assert_eq!(
        ev("", "أكد مصدر مصري أن مصر ترفض المقترح. وقال"),
        (4.0, true)
    );
    // Media in a list are the story, not who reports it.
    assert_eq!(
        ev("", "فازت أعمال المسرح والتلفزيون المصرية بجوائز. وقال"),
        (2.0, true)
    );
    // The capital read as another party's venue takes its adjective along.
    assert_eq!(
        ev(
            "",
            "اختتم وفد حماس زيارته إلى العاصمة المصرية القاهرة، وقال قيادي في حماس"
        ),
        (0.0, false)
    );
    assert_eq!(
        ev(
            "",
            "اختتم الوفد زيارته إلى العاصمة المصرية القاهرة أمس. وقال"
        ),
        (4.0, true)
    );
}

#[test]
fn a_name_that_begins_with_a_hamzad_alif_keeps_it() {
    // ألمانيا folds to المانيا, which looks like an article on مانيا; الأردن has one.
    let m = Matcher::compile(&[
        topic("germany", vec![TermSpec::plain("ألمانيا")]),
        topic("jordan", vec![TermSpec::plain("الأردن")]),
    ]);
    assert_eq!(
        scores(&m, "", "قالت الحكومة الألمانية أمس. وأضافت"),
        [2.0, 0.0]
    );
    assert_eq!(scores(&m, "", "زار الوزير ألمانيا أمس. وأضاف"), [2.0, 0.0]);
    assert_eq!(
        scores(&m, "", "قالت الحكومة الأردنية أمس. وأضافت"),
        [0.0, 2.0]
    );
    assert_eq!(scores(&m, "", "زار الوزير الأردن أمس. وأضاف"), [0.0, 2.0]);
}

#[test]
fn where_other_countries_play_or_talk_is_a_venue() {
    let m = Matcher::compile(&[libya(), topic("sudan", vec![TermSpec::plain("سودان")])]);
    let tagged = |text: &str| signed_scores(&m, text);
    // Another country's match, held there: after «في» or a stadium's noun.
    assert_eq!(
        tagged("يلعب منتخب السودان مباراته أمام توغو اليوم في بنغازي. وقال"),
        vec![-1.0, 2.0]
    );
    assert_eq!(
        tagged("يستضيف ملعب بنغازي اليوم أولى مباريات المنتخب السوداني. وقال"),
        vec![-1.0, 2.0]
    );
    // A city or capital named by its noun (في مدينة بنغازي، بالعاصمة الليبية), the
    // country's adjective after a stadium's name, a tournament.
    assert_eq!(
        tagged("يلعب منتخب السودان مباراته أمام الكونغو في مدينة بنغازي الليبية. وقال"),
        vec![-1.0, 2.0]
    );
    assert_eq!(
        tagged("فاز منتخب السودان في المباراة على ملعب شهداء بنينا بالعاصمة الليبية. وقال"),
        vec![-1.0, 2.0]
    );
    assert_eq!(
        tagged("فاز الهلال السوداني في المباراة على ملعب المنزه الليبي. وقال"),
        vec![-1.0, 2.0]
    );
    assert_eq!(
        tagged("يلعب الهلال السوداني في بنغازي بكأس الاتحاد الأفريقي غدا. وقال"),
        vec![-1.0, 2.0]
    );
    assert_eq!(
        tagged("تتواصل بطولة آسيا الجارية حاليا في بنغازي بفوز المنتخب السوداني. وقال"),
        vec![-1.0, 2.0]
    );
    // The capital's adjective after the stadium's name is no actor's either way; an
    // actor's adjective is counted (the Libyan team played).
    assert_eq!(
        tagged("فاز المنتخب الليبي على السودان في المباراة على ملعب طرابلس. وقال"),
        vec![3.0, 2.0]
    );
    // A host after a hosting verb and a stadium's noun, with its country as its address;
    // a place chosen to host (ليبيا لاستقبال مبارياته).
    assert_eq!(
        tagged("احتضن ملعب بنغازي الدولي في ليبيا مباراة ودية بين منتخب السودان وتوغو. وقال"),
        vec![-1.0, 2.0]
    );
    assert_eq!(
        tagged("اختار منتخب السودان ليبيا لاستقبال مبارياته في التصفيات. وقال"),
        vec![-1.0, 2.0]
    );
    // No other country named: the clubs may be the place's own.
    assert_eq!(
        tagged("يلعب الأهلي مباراته أمام الاتحاد اليوم في بنغازي. وقال"),
        vec![2.0, 0.0]
    );
    // No match or talks: where something happens is the story.
    assert_eq!(
        tagged("قال مسؤول سوداني إن الأمطار هطلت اليوم في بنغازي. وأضاف"),
        vec![2.0, 2.0]
    );
    // A conference or a summit of others, a country abroad among them.
    let m = Matcher::compile(&[topic("tunisia", vec![TermSpec::plain("تونس")])]);
    let ticad = "تعقد الحكومة اليابانية مؤتمر طوكيو للتنمية في تونس هذا الشهر. وقال";
    assert_eq!(
        (
            m.evaluate("", ticad, None)[0].score,
            m.evaluate("", ticad, None)[0].tagged
        ),
        (1.0, false)
    );
    let own = "انطلق مؤتمر الاستثمار اليوم في تونس بحضور رجال الأعمال. وقال";
    assert_eq!(
        (
            m.evaluate("", own, None)[0].score,
            m.evaluate("", own, None)[0].tagged
        ),
        (2.0, true)
    );
    // A host named by its state's title is still the host.
    let m = Matcher::compile(&[topic("egypt", vec![TermSpec::plain("مصر")])]);
    let host = "تستضيف جمهورية مصر العربية اليوم جولة مفاوضات بين وفدين. وقال";
    assert_eq!(
        (
            m.evaluate("", host, None)[0].score,
            m.evaluate("", host, None)[0].tagged
        ),
        (1.0, false)
    );
}

#[test]
fn a_feed_mostly_about_one_country_suggests_its_place() {
    let m = Matcher::compile(&[
        libya(),
        topic("egypt", vec![TermSpec::plain("مصر")]),
        topic("oil", vec![TermSpec::plain("نفط")]),
    ]);
    let egypt = ("مصر تفتتح مشروعا", "");
    let libya_item = ("ليبيا تعلن موازنة", "");
    let oil = ("أسعار النفط ترتفع", "");
    let hint = |items: &[(&str, &str)]| m.suggest_place(items.iter().copied());
    // Five of six items about a country are Egypt's alone; a subject topic is no country.
    assert_eq!(
        hint(&[egypt, egypt, egypt, egypt, egypt, libya_item, oil]),
        Some(PlaceHint {
            place: "مصر".into(),
            topic: "egypt".into(),
            items: 5,
            of: 6
        })
    );
    // Under the share, or too few items about any country: nothing.
    assert_eq!(hint(&[egypt, egypt, egypt, libya_item, libya_item]), None);
    assert_eq!(hint(&[egypt, egypt, egypt, egypt, oil]), None);
}

#[test]
fn like_comes_only_before_the_article() {
    let m = Matcher::compile(&[topic("yemen", vec![TermSpec::plain("أبين")])]);
    assert!(
        found(&m, "كابينة").is_empty(),
        "كابينة is a cabin, not ك + أبين"
    );
    assert_eq!(found(&m, "وأبين").len(), 1);
    let m = Matcher::compile(&[topic("egypt", vec![TermSpec::plain("القاهرة")])]);
    assert_eq!(found(&m, "كالقاهرة").len(), 1);
}

#[test]
fn a_short_name_takes_the_nisba_forms_and_no_other_suffix() {
    let m = Matcher::compile(&[topic("egypt", vec![TermSpec::plain("مصر")])]);
    // The accusative of the adjective (مواطنًا مصريًا) is the country's too.
    for w in ["مصر", "المصري", "مصرية", "المصريين", "مصريًا"] {
        assert_eq!(found(&m, w).len(), 1, "{w} should match مصر");
    }
    // مصرون "they insist", مصرات: other words.
    for w in ["مصرون", "مصرات", "مصرها"] {
        assert!(found(&m, w).is_empty(), "{w} should not match");
    }
}

#[test]
fn mediators_hosts_among_the_parties_and_border_sides_do_not_tag_alone() {
    let mut ras_jedir = TermSpec::plain("راس جدير");
    ras_jedir.weight = 2.0;
    let mut libya = libya();
    libya.terms.push(ras_jedir);
    let m = Matcher::compile(&[
        libya,
        topic("sudan", vec![TermSpec::plain("سودان")]),
        topic(
            "egypt",
            vec![
                TermSpec::plain("مصر"),
                TermSpec {
                    weight: 2.0,
                    ..TermSpec::plain("القاهرة")
                },
            ],
        ),
        topic("tunisia", vec![TermSpec::plain("تونس")]),
    ]);
    let cases: &[(&str, [f64; 4])] = &[
        // A sponsor's or mediator's adjective where the parties are named; without them the
        // sponsor is the story.
        (
            "بدأت مفاوضات الحكومة التشادية والمتمردين برعاية الجماهيرية الليبية في سرت. وقال",
            [-1.0, 0.0, 0.0, 0.0],
        ),
        (
            "بدأت مفاوضات برعاية الجماهيرية الليبية بين الحكومة والمتمردين. وقال",
            [2.0, 0.0, 0.0, 0.0],
        ),
        // The capital's adjective after a hosting verb is the venue, and the host named again
        // among the parties is the mediator: two mentions on the way, none firm.
        (
            "تستضيف العاصمة المصرية القاهرة جولة مفاوضات جديدة حول غزة يلتقي فيها مسؤولون \
             من مصر والولايات المتحدة وقطر. وقال",
            [0.0, 0.0, -2.0, 0.0],
        ),
        // Every later side of a border «بين» three countries, the border's word three words
        // back, the conjunction written apart.
        (
            "سيطرت قوات الدعم على المنطقة الحدودية المعروفة بالمثلث بين السودان ومصر وليبيا. وقال",
            [-1.0, 2.0, -1.0, 0.0],
        ),
        (
            "شددت الرقابة على الشريط الحدودي البري والبحري بين تونس و ليبيا. وقال",
            [-1.0, 0.0, 0.0, 2.0],
        ),
        // A crossing's name belongs to the side whose state acts there; with no other side
        // acting it is the topic's.
        (
            "اتخذت السلطات التونسية إجراءات مشددة بالمعبر الحدودي راس جدير. وقال",
            [-1.0, 0.0, 0.0, 2.0],
        ),
        (
            "أغلقت السلطات الليبية معبر راس جدير أمام المسافرين. وقال",
            [6.0, 0.0, 0.0, 0.0],
        ),
        (
            "أغلق معبر راس جدير أمام المسافرين. وقال",
            [4.0, 0.0, 0.0, 0.0],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(signed_scores(&m, text), want, "{text}");
    }
}

#[test]
fn regional_events_meetings_arrivals_and_sponsors_read_as_places_on_the_way() {
    let m = Matcher::compile(&[
        libya(),
        topic(
            "sudan",
            vec![TermSpec::plain("سودان"), TermSpec::plain("دارفور")],
        ),
        topic(
            "lebanon",
            vec![TermSpec::plain("لبنان"), TermSpec::plain("بيروت")],
        ),
        topic("tunisia", vec![TermSpec::plain("تونس")]),
    ]);
    let cases: &[(&str, [f64; 4])] = &[
        // A region's summit needs no other country named; another country's region names one
        // (دارفور); a meeting is an event.
        (
            "اختتمت القمة العربية أعمالها أمس في بنغازي بعد يومين. وقال",
            [-1.0, 0.0, 0.0, 0.0],
        ),
        (
            "اختتمت القمة أعمالها أمس في بنغازي بعد يومين. وقال",
            [2.0, 0.0, 0.0, 0.0],
        ),
        (
            "تبدأ اليوم في مدينة بنغازي مفاوضات سلام حول إقليم دارفور. وقال",
            [-1.0, 2.0, 0.0, 0.0],
        ),
        (
            "عقد اجتماع بين تشاد والنيجر في بنغازي رعته ليبيا. وقال",
            [-2.0, 0.0, 0.0, 0.0],
        ),
        // A crossing «بين» two countries, in the title of a Syrian story.
        (
            "عاد معبر جديدة يابوس بين سوريا ولبنان إلى العمل. وقال",
            [0.0, 0.0, -1.0, 0.0],
        ),
        // Where a person arrived from is passed through, and does not make the person's
        // nationality the country's story abroad; nor does a migrant's.
        (
            "اعتقلت الشرطة الألمانية مواطنا لبنانيا في برلين لدى وصوله من بيروت. وقال",
            [0.0, 0.0, -3.0, 0.0],
        ),
        (
            "بدأت بمحكمة مدينة ليون الفرنسية محاكمة مهاجر تونسي بتهمة القتل. وقال",
            [0.0, 0.0, 0.0, -2.0],
        ),
        // «ب» on the name is «في»; not on a name that starts with it (بنغازي).
        (
            "قرر الاتحاد السوداني لعب مبارياته الرسمية بليبيا هذا الموسم. وقال",
            [-1.0, 2.0, 0.0, 0.0],
        ),
        (
            "تبدأ اليوم مفاوضات سلام في بنغازي حول إقليم دارفور. وقال",
            [-1.0, 2.0, 0.0, 0.0],
        ),
        // The region's adjective after another; into a country's territory.
        (
            "تنطلق فعاليات المؤتمر القومي العربي في دورته يوم الأحد في بيروت. وقال",
            [0.0, 0.0, -1.0, 0.0],
        ),
        (
            "أحبطت الشرطة في حمص تهريب أسلحة إلى الأراضي اللبنانية اليوم. وقال",
            [0.0, 0.0, -1.0, 0.0],
        ),
        // Near a country is outside it; near one of its cities is inside.
        (
            "دمر الجيش عشر سيارات محملة بالأسلحة قرب ليبيا. وقال",
            [-1.0, 0.0, 0.0, 0.0],
        ),
        (
            "دمر الجيش عشر سيارات محملة بالأسلحة قرب بنغازي. وقال",
            [2.0, 0.0, 0.0, 0.0],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(signed_scores(&m, text), want, "{text}");
    }
}

#[test]
fn a_kunya_and_its_name_make_the_adjective_after_them_a_nom_de_guerre() {
    let m = Matcher::compile(&[libya()]);
    let text = "قتل أبو يحيى الليبي في غارة غرب باكستان. ورجح مسؤول أن الليبي قتل";
    let ev = &m.evaluate("", text, None)[0];
    assert_eq!((ev.score, ev.tagged), (0.0, false));
    assert!(
        m.explain("", text, None)
            .contains("a nom de guerre, after «أبو …»")
    );
    // The genitive too; the country's name after a kunya is the country.
    assert_eq!(
        m.evaluate("", "أعلن مقتل أبي أنس الليبي أمس. وقال", None)[0].score,
        0.0
    );
    assert_eq!(
        m.evaluate("", "قال أبو محمد ليبيا تستعد للانتخابات. وأضاف", None)[0].score,
        2.0
    );
}
