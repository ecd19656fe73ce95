//! Topic tagging: rules from `topics.toml` compiled into one matcher.
//!
//! Pure functions, no I/O. Tags are a function of (item title, item text, rules) only.
//!
//! # How a term matches
//!
//! Text and terms go through the same normalizer ([`crate::text::arabic::normalize_words`]):
//! diacritics, tatweel and letter variants are folded and every run of non-letters is one
//! space. Every term of every topic (and every cue, guard and exclude word) becomes one
//! pattern in a single word index (`index`), so an item costs one pass over its words per
//! field whatever the number of topics.
//!
//! A pattern hit counts only when the rest of the word around it is an allowed affix:
//!
//! - before it, nothing or an Arabic proclitic chain: conjunction (و ف), preposition (ب ك ل),
//!   article (ال), e.g. و، ب، ال، وال، بال، لل، فلل، وب;
//! - after it, nothing or a common suffix (ي ية يون يين ات ها هم ين ون ان …), so the nisba
//!   adjective counts as the place: `تونس` finds التونسي، التونسية، التونسيين. A term ending
//!   in ا ة or ي is matched on its stem, so `ليبيا` finds ليبي، الليبية، الليبيين، بليبيا;
//! - a term starting with ال also matches after ل (للمجلس) and other proclitics;
//! - Latin terms and terms marked `exact = true` must be whole words: nothing before or after.
//!
//! # Precedence
//!
//! 1. `exclude` terms veto a topic when found anywhere in the item.
//! 2. Phrase guards: a mention inside one of the term's `not_in` phrases (سودان in
//!    جنوب السودان), or right after one of its `not_after` words (السوداني after شياع), is
//!    not a mention of the term at all; nor is a definite adjective right after a common
//!    given name (`GIVEN_NAMES`: طاهر المصري، سامي الطرابلسي) or after a kunya and its
//!    name (`KUNYA`: أبو يحيى الليبي), for every topic. A guarded
//!    adjective marks a person: after a `not_after` word or a kunya it is a surname, and the same word
//!    alone elsewhere (السوداني) is the same man; inside a `not_in` origin phrase (من أصل تونسي) every indefinite adjective
//!    of the topic elsewhere (تونسي، يمنية) is that person. An adjective next to a built-in
//!    origin phrase (`ORIGIN_BEFORE`, `ORIGIN_AFTER`: من أصول لبنانية، تونسي الأصل) is
//!    guarded the same way, for every topic. In an item with an origin, a definite adjective
//!    is the person too (حصدت اليمنية، الداعشي الليبي) unless it follows a state's or an
//!    institution's noun (`STATE_NOUNS`: النيابة التونسية); the name itself (السودان،
//!    تونس) is read as usual. A former office holder's adjective (الوزير اللبناني السابق)
//!    counts only in an item that names the topic some other way: it says who someone
//!    was, not where the story is. A place in construct after a noun of `NAMED_AFTER`
//!    (ميدان لبنان، مطعم القاهرة) is part of a street's or a business's name, not a
//!    mention.
//! 3. Local context: a term with `unless_near` does not count when a context word is within
//!    `window` words; one with `only_near` counts only when one is that near. Title and text
//!    are read as one sequence for this.
//! 4. Item-level sense: a name with two readings (طرابلس in Libya or Lebanon) is read once
//!    per item, and every mention follows that reading. The cues of the other reading
//!    (`other_sense`) are counted over title and body; against them count the cues of the
//!    topic's reading (`sense`) and every counted mention of the topic's own terms that have
//!    no senses (ليبيا، الدبيبة). More cues for the other reading: no mention of the term
//!    counts. An adjective right before the name (العاصمة المصرية القاهرة) is the same
//!    place and follows the name's reading. A tie goes to the reading whose cues include the place the item's source
//!    reports from (`place` in `sources.toml`: a Lebanese paper's طرابلس with no cue either
//!    way is Lebanon's), as a reader of that paper takes it. Otherwise a tie keeps the
//!    topic's reading when the term lists no `sense` cues (the name is the topic's by
//!    default) and loses it when it does (the name needs evidence).
//! 5. Each counted match adds `weight × field weight`: title 3, the first sentence of the
//!    text (the lead, at most [`LEAD_MAX_WORDS`] words; after a teaser, the sentence after
//!    it too, [`lead_words`]) 2, the rest of the text 1. A
//!    mention joined by و to another topic's mention or to a country of `PLACES` or a
//!    capital of `CAPITALS` (بغداد ودمشق وبيروت وصنعاء), in the title as in the text, is
//!    one entry of a list and worth 1 point, whatever its weight and field: the item then lists the
//!    parties of a story, not its subject; but the two sides after بين (بين مصر والسودان)
//!    are each a subject, unless a border word comes before بين (below). A roster of
//!    people by nationality, each with a name (المصري عمر مرموش، والتونسي إلياس السخيري), is
//!    a list too. So is, in any field:
//!    - the host of an event, right after a word of `VENUE_BEFORE` (قمة تونس، استضافت
//!      القاهرة، تستضيف جمهورية مصر العربية، احتضن ملعب بنغازي) or before one of
//!      `HOSTING_AFTER` (اختار ليبيا لاستقبال مبارياته), with its country as its address
//!      (ملعب بنغازي الدولي في ليبيا); and where other countries play, talk or
//!      confer: a place after «في», with «ب» (لعب مبارياته بمصر) or after a stadium's noun (or a city's or capital's noun
//!      after them: في مدينة بنغازي، بالعاصمة الليبية, where the country's adjective
//!      stands for its capital; or the adjective after a stadium's name: ملعب المنزه
//!      التونسي), with a match, talks, a conference or a tournament of `EVENTS` within
//!      `EVENT_WINDOW` words, in an item that names another country or another
//!      country's topic (السودان يواجه توغو اليوم في بنغازي، مؤتمر طوكيو للتنمية في تونس،
//!      مفاوضات حول دارفور في سرت), or at a region's event (القمة العربية في الخرطوم);
//!    - where someone comes from or heads to, after a word of `MOVEMENT` (قادما من
//!      القاهرة، باتجاه الأراضي التونسية، غادر القاهرة) or into a territory of `INTO`
//!      (إلى الأراضي التونسية), and the end of a route «من … إلى»
//!      (تهريب الوقود من ولاية الطارف إلى تونس);
//!    - a neighbour that locates another place, after a word of `BORDERING` (رفح المحاذية
//!      لمصر), and a country a place is near (قرب ليبيا، بالقرب من مصر; not a city: قرب
//!      بنغازي is in Libya); one side of a crossing, a nationality adjective between a word of `SIDE`
//!      and «من» (الجانب المصري من معبر رفح); the two adjectives of a shared border after
//!      «الحدود» (قرب الحدود الليبية التشادية); the later sides of a border «بين» two or
//!      three (الحدود المشتركة بين ليبيا وتونس، بالمثلث بين السودان ومصر وليبيا: the story
//!      is the first side's); and a crossing's name (بالمعبر الحدودي راس جدير) where
//!      another country's acting body is named (السلطات التونسية): the side that acts owns
//!      it;
//!    - a mediator or sponsor, right after a word of `MEDIATION` (بوساطة مصرية، برعاية
//!      الجماهيرية الليبية، مبادرة مصرية), and a host named again among the parties of the
//!      talks it hosts (تستضيف العاصمة المصرية القاهرة … مسؤولون من مصر والولايات المتحدة
//!      وقطر), in an item that names another country: the other parties' story.
//!
//!    A country or capital named in the lead after another one named earlier in
//!    the lead (not the dateline, not an adjective: الجيش الإسرائيلي), before the lead
//!    names the topic at all, is worth a body mention: the lead's subject is what it names
//!    first.
//!    A dateline (`القاهرة - كتب`، `تونس 25 أبريل 2017 /`, [`dateline_words`]) is where the
//!    copy was filed: 1 point, whatever the name's weight.
//! 6. A topic is tagged when its score reaches `min_score` and at least one of its counted
//!    mentions is more than a venue, a place passed through, a dateline or who reports (an
//!    adjective within three words after a noun of `REPORTERS`: مصدر مصري): those say where,
//!    not what. Nor is it tagged when an item set abroad (it names a country of `ABROAD`:
//!    الألمانية، في أمريكا, or another country of `PLACES` by its name: في فلسطين، بتونس)
//!    names the topic only by nationality adjectives in the singular, one of them a
//!    person's (after a noun of `PERSON_NOUNS`, a preposition, or opening its field: القبض
//!    على مصري، لاعبه التونسي): that says who someone is, not where the story is. An adjective after a state's noun (المنتخب التونسي), a count (60 مهاجرا تونسيا)
//!    or in the plural (المصريين) names the country or a group and is not a person's.
//!    (Such mentions still count toward a composite's half score.)
//!
//!    With a source `place`, a national institution or office of `HOME_INSTITUTIONS` named
//!    without a country (رئاسة الجمهورية، وزير الداخلية، النيابة العامة، المنتخب الوطني، في
//!    البلاد) counts for the topics the place is a term of, like a mention in its field, in
//!    an item that names no other country, no other country's topic (a subject's, such as
//!    oil, may stand beside it) and nothing against the place's topic (a guarded mention,
//!    a cue of another reading of its name). The national team (المنتخب الوطني، منتخبنا)
//!    is the home side even in an item that names other countries, unless a country's
//!    adjective follows it.
//! 7. Composite topics (`all_of`, `any_of`, `none_of`) are then decided from the tags above.
//!    Once one `all_of` member is tagged, the others need only half their `min_score`: the
//!    item is already about one part, so one body mention of the other (a boat that left
//!    Libya, in a migration story) joins them.

use std::collections::HashMap;
use std::fmt::Write as _;

use rustc_hash::FxHashMap;

use crate::config::TopicSpec;
use crate::model::{Field, TagMatch, TopicTag};
use crate::text::arabic::normalize_words;
use index::WordIndex;
use words::*;

/// Matches kept with a stored tag. A long article can mention Libya a hundred times; the
/// first 25 explain the tag, and storing every one made each item's tag rows kilobytes of
/// JSON.
pub const MAX_REPORTED_MATCHES: usize = 25;

/// Points a match in the title is worth, per weight unit.
pub const TITLE_WEIGHT: f64 = 3.0;
/// Points a match in the lead (the text's first sentence) is worth, per weight unit. A news
/// lead states its subject the way the title does ("طرابلس - أعلن…", "تشهد مدن ليبية…"), so
/// one mention there reaches the default `min_score` of 2 alone; below the title's 3, because
/// leads also name the other parties of a story.
pub const LEAD_WEIGHT: f64 = 2.0;
/// Points a match in the rest of the body text is worth, per weight unit.
pub const TEXT_WEIGHT: f64 = 1.0;

/// Items of a feed about some country below which no place is suggested.
pub const PLACE_HINT_MIN_ITEMS: usize = 5;
/// Share of those items that must be about one country alone for it to be suggested.
pub const PLACE_HINT_SHARE: f64 = 0.7;

/// A place suggested for a source by its items ([`Matcher::suggest_place`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceHint {
    /// The place, as `sources.toml` would hold it (مصر).
    pub place: String,
    /// The topic it is a term of.
    pub topic: String,
    /// Items about that country alone.
    pub items: usize,
    /// Items about any country.
    pub of: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Affix {
    /// Whole word only.
    Exact,
    /// Arabic affixes; `article` when the term's own ال was removed from the pattern,
    /// `stripped` when its final vowel letter was.
    Arabic {
        article: bool,
        stripped: Option<char>,
        bare: bool,
        short: bool,
        /// Which suffixes are allowed.
        suffixes: Suffixes,
    },
}

/// The suffixes a pattern takes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Suffixes {
    /// A term's: the nisba endings, plurals and pronouns (حكومته، ليبيين).
    All,
    /// A built-in country's: the nisba endings only (العراقي, but not العراقة "heritage").
    Nisba,
    /// A capital's: none (الرياضي is "sports", الرومي a bird, not Riyadh's or Rome's).
    None,
}

/// Which kind of home institution a pattern names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Home {
    /// A state office or body (وزير، النيابة العامة، البلاد).
    Institution,
    /// The national team (المنتخب الوطني).
    Team,
    /// "National" alone (الوطني).
    National,
}

/// What a pattern is to one rule.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// The term itself.
    Term,
    /// An `unless_near` / `only_near` context word.
    Near,
    /// A cue of the topic's reading (`sense`).
    OwnCue,
    /// A cue of the other reading (`other_sense`).
    OtherCue,
    /// A `not_in` phrase.
    Inside,
    /// A `not_after` word.
    After,
    /// An `exclude` word of the topic (`term` unused).
    Exclude,
    /// A country of [`PLACES`] or a capital of [`CAPITALS`] (`topic` and `term` unused),
    /// to find lists.
    Place,
    /// An event or hosting word of `VENUE_BEFORE` (`topic` and `term` unused).
    Venue,
    /// A movement phrase of `MOVEMENT`, or a word of `BORDERING` (`topic` and `term` unused).
    Movement,
    /// An origin phrase of `ORIGIN_BEFORE` (`topic` and `term` unused).
    OriginBefore,
    /// An origin word of `ORIGIN_AFTER` (`topic` and `term` unused).
    OriginAfter,
    /// A noun of `NAMED_AFTER` (`topic` and `term` unused).
    NamedAfter,
    /// A given name of `GIVEN_NAMES` (`topic` and `term` unused).
    GivenName,
    /// The «أبو» of a kunya, `KUNYA` (`topic` and `term` unused).
    Kunya,
    /// A noun of `SIDE` (`topic` and `term` unused).
    Side,
    /// A country of `ABROAD` (`topic` and `term` unused).
    Abroad,
    /// A national institution of `HOME_INSTITUTIONS`, `NATIONAL_TEAM` or `NATIONAL`
    /// (`topic` and `term` unused).
    Home(Home),
}

#[derive(Debug, Clone)]
struct Use {
    role: Role,
    topic: usize,
    term: usize,
    affix: Affix,
    words: usize,
}

#[derive(Debug, Clone)]
struct CompiledTerm {
    text: String,
    weight: f64,
    window: usize,
    unless_near: bool,
    only_near: bool,
    /// Has `sense` cues: without evidence, the term is not read as the topic's.
    sense: bool,
    /// Has `sense` or `other_sense` cues: read once per item.
    ambiguous: bool,
    /// Its matching form starts with «ب» (بنغازي): a «ب» found on it is not a proclitic.
    starts_with_ba: bool,
}

#[derive(Debug, Clone)]
struct CompiledTopic {
    spec: TopicSpec,
    terms: Vec<CompiledTerm>,
    /// Whether one of its terms is a country of `PLACES` or a capital of `CAPITALS`: a
    /// place's topic, not a subject's (migration, oil).
    is_place: bool,
}

/// All topics compiled into one matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    index: WordIndex,
    /// For each pattern of the index, every rule that uses it.
    uses: Vec<Vec<Use>>,
    topics: Vec<CompiledTopic>,
    has_composites: bool,
}

/// A topic's evaluation for one item, tagged or not (for explanations and dry runs).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Topic slug.
    pub slug: String,
    /// Whether the item gets the tag.
    pub tagged: bool,
    /// Score reached.
    pub score: f64,
    /// The exclude term that vetoed the topic, if any.
    pub vetoed_by: Option<String>,
    /// Matches, counted and suppressed.
    pub matches: Vec<TagMatch>,
}

struct Hit {
    /// Index into `Matcher::uses`: (pattern, use).
    use_idx: (usize, usize),
    field: Field,
    position: usize,
    /// Position in title and text read as one sequence: context rules look across the
    /// boundary, because a headline's "طرابلس" is explained by its lead paragraph.
    global: usize,
    /// The matched word(s), as a byte range of the field's normalized text.
    found: std::ops::Range<usize>,
    /// The word is the name's adjective (تونسي، الليبية، السوداني), not the name itself.
    nisba: bool,
    /// The word carries the article (التونسي، للسودان).
    definite: bool,
}

/// Why a match did not count; the `usize`s are hit indices of the word responsible.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Suppressed {
    Near {
        window: usize,
        cue: usize,
    },
    NotNear {
        window: usize,
    },
    Inside {
        guard: usize,
    },
    After {
        guard: usize,
    },
    /// An adjective mention in an item where a guarded adjective names a person.
    Person {
        guard: usize,
    },
    OtherSense {
        cue: usize,
        own: usize,
        other: usize,
    },
    NoSense,
    /// As many cues for each reading in the item (`own` each), and the source's place is a
    /// cue of the other one.
    Place {
        own: usize,
    },
    /// The adjective of an origin phrase (من أصل تونسي): a person's origin.
    Origin {
        guard: usize,
    },
    /// Part of the name of a street, a square or a business (ميدان لبنان).
    Name {
        guard: usize,
    },
    /// A former office holder's nationality (الوزير اللبناني السابق), in an item that names
    /// the topic no other way.
    Former,
    /// The adjective after a kunya and its name (أبو يحيى الليبي): a nom de guerre.
    Kunya {
        guard: usize,
    },
}

impl Suppressed {
    /// Whether the suppression says the item is about something else (another reading of
    /// the name, a person's surname or origin, a guarded phrase), not merely that a word
    /// lacked its context (مطروح inside المطروحة) or is part of a street's name.
    fn argues_against(&self) -> bool {
        !matches!(
            self,
            Suppressed::NotNear { .. }
                | Suppressed::NoSense
                | Suppressed::Name { .. }
                | Suppressed::Former
        )
    }
}

/// The reading a source's place leans to, by (topic, term): see `Matcher::place_reading`.
type PlaceLeans = FxHashMap<(usize, usize), Option<bool>>;

/// A topic's evaluation before anything is copied out: indices into the hits. Building
/// `TagMatch` strings only for the topics that are reported keeps tagging allocation-light.
#[derive(Default, Clone)]
struct RawEval {
    score: f64,
    vetoed_by: Option<usize>,
    matches: Vec<(usize, f64, Option<Suppressed>)>,
    members: Vec<usize>,
    tagged: bool,
    /// A counted mention that is more than a place passed through.
    firm: bool,
    /// Every counted mention is one person's nationality, in an item set abroad.
    people_abroad: bool,
}

/// The normalized fields and the hits found in them.
struct Scan<'a> {
    title: &'a str,
    text: &'a str,
    hits: Vec<Hit>,
    /// Each field's words, split once when a rule first reads the words around a mention.
    words: [std::cell::OnceCell<Vec<&'a str>>; 2],
}

impl<'a> Scan<'a> {
    fn new(title: &'a str, text: &'a str) -> Self {
        Scan {
            title,
            text,
            hits: Vec::new(),
            words: Default::default(),
        }
    }

    fn found(&self, h: &Hit) -> &str {
        match h.field {
            Field::Title => &self.title[h.found.clone()],
            Field::Text => &self.text[h.found.clone()],
        }
    }

    /// The words of a field.
    fn words(&self, field: Field) -> &[&'a str] {
        let (i, s) = match field {
            Field::Title => (0, self.title),
            Field::Text => (1, self.text),
        };
        self.words[i].get_or_init(|| s.split(' ').collect())
    }
}

/// The context of one term in one item: the hits of its context words, cues and guards.
#[derive(Default)]
struct TermContext {
    /// `unless_near` / `only_near` words: (first word, last word, hit), by first word.
    near: Vec<(usize, usize, usize)>,
    /// The most words any of them spans, less one.
    near_longest: usize,
    own_cues: Vec<usize>,
    other_cues: Vec<usize>,
    /// `not_in` phrases: (first word, last word, hit).
    inside: Vec<(usize, usize, usize)>,
    /// `not_after` words: (field, position of the word after it, hit).
    after: Vec<(Field, usize, usize)>,
}

impl TermContext {
    /// The nearest context word within `window` words of the span `a..=a_end`, if any.
    /// `near` is sorted by first word: a binary search finds the last one that starts
    /// early enough, and only spans that can still reach back to `a` are looked at, so
    /// this is linear in the mentions rather than mentions × context words.
    fn near(&self, a: usize, a_end: usize, window: usize) -> Option<usize> {
        let last = self.near.partition_point(|&(s, _, _)| s <= a_end + window);
        self.near[..last]
            .iter()
            .rev()
            .take_while(|&&(s, _, _)| s + self.near_longest + window >= a)
            .find(|&&(_, e, _)| e + window >= a)
            .map(|&(_, _, h)| h)
    }
}

impl Matcher {
    /// Compiles topics (already validated by `config`).
    pub fn compile(topics: &[TopicSpec]) -> Matcher {
        let mut pattern_ids: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut uses: Vec<Vec<Use>> = Vec::new();
        let mut add = |text: &str, exact: bool, role: Role, topic: usize, term: usize| {
            let Some((pattern, affix)) = pattern_for(text, exact) else {
                return;
            };
            let words = pattern.split(' ').count();
            let id = *pattern_ids.entry(pattern.clone()).or_insert_with(|| {
                patterns.push(pattern);
                uses.push(Vec::new());
                uses.len() - 1
            });
            uses[id].push(Use {
                role,
                topic,
                term,
                affix,
                words,
            });
        };
        let mut compiled = Vec::new();
        for (ti, t) in topics.iter().enumerate() {
            let mut terms = Vec::new();
            for (k, term) in t.terms.iter().enumerate() {
                add(&term.term, term.exact, Role::Term, ti, k);
                let lists = [
                    (&term.unless_near, Role::Near),
                    (&term.only_near, Role::Near),
                    (&term.sense, Role::OwnCue),
                    (&term.other_sense, Role::OtherCue),
                    (&term.not_in, Role::Inside),
                    (&term.not_after, Role::After),
                ];
                for (list, role) in lists {
                    for c in list {
                        add(c, false, role, ti, k);
                    }
                }
                terms.push(CompiledTerm {
                    text: term.term.clone(),
                    weight: term.weight,
                    window: term.window,
                    unless_near: !term.unless_near.is_empty(),
                    only_near: !term.only_near.is_empty(),
                    sense: !term.sense.is_empty(),
                    ambiguous: !(term.sense.is_empty()
                        && term.other_sense.is_empty()
                        && term.not_after.is_empty()),
                    starts_with_ba: normalize_words(&term.term).starts_with('ب'),
                });
            }
            for x in &t.exclude {
                add(x, false, Role::Exclude, ti, 0);
            }
            compiled.push(CompiledTopic {
                spec: t.clone(),
                terms,
                is_place: false,
            });
        }
        let builtin = [
            (PLACES, Role::Place),
            (CAPITALS, Role::Place),
            (VENUE_BEFORE, Role::Venue),
            (HOSTING, Role::Venue),
            (ORIGIN_BEFORE, Role::OriginBefore),
            (ORIGIN_AFTER, Role::OriginAfter),
            (BORDERING, Role::Movement),
            (INTO, Role::Movement),
            (COMPARED_WITH, Role::Movement),
            (NAMED_AFTER, Role::NamedAfter),
            (GIVEN_NAMES, Role::GivenName),
            (KUNYA, Role::Kunya),
            (SIDE, Role::Side),
            (ABROAD, Role::Abroad),
            (HOME_INSTITUTIONS, Role::Home(Home::Institution)),
            (NATIONAL_TEAM, Role::Home(Home::Team)),
            (NATIONAL, Role::Home(Home::National)),
        ];
        for (list, role) in builtin {
            // A given name is a name as written: دينا is not the stem of الدينية.
            let exact = matches!(role, Role::GivenName | Role::Kunya);
            for p in list {
                add(p, exact, role, usize::MAX, 0);
            }
        }
        for m in MOVEMENT {
            for t in TERRITORY {
                add(&format!("{m} {t}"), false, Role::Movement, usize::MAX, 0);
            }
        }
        // The host named by its state's title or its kind of place (تستضيف جمهورية مصر
        // العربية، احتضن ملعب بنغازي) is still the host.
        for v in HOSTING {
            for t in HOST_TITLES {
                add(&format!("{v} {t}"), false, Role::Venue, usize::MAX, 0);
            }
        }
        // Capitals are places by their name only: their few adjectives (بيروتي) are rare,
        // and the stems of the others are common words (الرياضي، الرومي). Countries take
        // the nisba endings only (العراقة is "heritage").
        let restricted: Vec<(usize, usize, Suffixes)> = CAPITALS
            .iter()
            .map(|p| (p, Suffixes::None))
            .chain(PLACES.iter().map(|p| (p, Suffixes::Nisba)))
            .filter_map(|(p, s)| {
                // The built-in loop added each once: find its use.
                let (pattern, _) = pattern_for(p, false)?;
                let id = *pattern_ids.get(&pattern)?;
                let k = uses[id].iter().position(|u| u.role == Role::Place)?;
                Some((id, k, s))
            })
            .collect();
        for (id, k, s) in restricted {
            if let Affix::Arabic { suffixes, .. } = &mut uses[id][k].affix {
                *suffixes = s;
            }
        }
        for u in uses
            .iter()
            .filter(|u| u.iter().any(|u| u.role == Role::Place))
        {
            for u in u.iter().filter(|u| u.role == Role::Term) {
                compiled[u.topic].is_place = true;
            }
        }
        let index = WordIndex::new(patterns.iter().map(String::as_str));
        Matcher {
            index,
            uses,
            has_composites: topics.iter().any(TopicSpec::is_composite),
            topics: compiled,
        }
    }

    /// Slugs of the compiled topics, in config order.
    pub fn slugs(&self) -> impl Iterator<Item = &str> {
        self.topics.iter().map(|t| t.spec.slug.as_str())
    }

    /// The tags an item gets, highest score first. Each carries at most
    /// [`MAX_REPORTED_MATCHES`] matches (the first ones, by field and position); the score
    /// counts them all, and [`Matcher::evaluate`] (`marsad explain`) lists them all.
    ///
    /// `place` is where the item's source reports from (`place` in `sources.toml`), if set.
    pub fn tag(&self, title: &str, text: &str, place: Option<&str>) -> Vec<TopicTag> {
        self.tag_normalized(
            &normalize_words(title),
            &normalize_words(text),
            lead(text),
            place,
        )
    }

    /// [`Matcher::tag`] on a title and text already in matching form
    /// ([`normalize_words`]), as cleaning computes them once per item
    /// (`CleanEntry::norm_title`, `norm_text`), with the text's lead and dateline ([`lead`]
    /// of the text before normalizing).
    pub fn tag_normalized(
        &self,
        title: &str,
        text: &str,
        lead: Lead,
        place: Option<&str>,
    ) -> Vec<TopicTag> {
        let (scan, raw) = self.evaluate_raw(title, text, lead, place);
        let mut tags: Vec<TopicTag> = raw
            .iter()
            .enumerate()
            .filter(|(_, r)| r.tagged)
            .map(|(i, r)| TopicTag {
                slug: self.topics[i].spec.slug.clone(),
                score: r.score,
                matches: {
                    let mut m = self.matches(&scan, &raw, i);
                    m.truncate(MAX_REPORTED_MATCHES);
                    m
                },
            })
            .collect();
        tags.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.slug.cmp(&b.slug)));
        tags
    }

    /// Every topic's evaluation for an item, in config order.
    pub fn evaluate(&self, title: &str, text: &str, place: Option<&str>) -> Vec<Evaluation> {
        let lead = lead(text);
        let (title, text) = (normalize_words(title), normalize_words(text));
        let (scan, raw) = self.evaluate_raw(&title, &text, lead, place);
        raw.iter()
            .enumerate()
            .map(|(i, r)| Evaluation {
                slug: self.topics[i].spec.slug.clone(),
                tagged: r.tagged,
                score: r.score,
                vetoed_by: r.vetoed_by.map(|h| scan.found(&scan.hits[h]).to_string()),
                matches: self.matches(&scan, &raw, i),
            })
            .collect()
    }

    /// A readable account of how every topic was decided for an item (`marsad explain`):
    /// each mention with the text's own spelling next to its matching form, its points,
    /// and the word that suppressed or switched it; composites with their members.
    pub fn explain(&self, title: &str, text: &str, place: Option<&str>) -> String {
        let lead = lead(text);
        let (norm_title, norm_text) = (normalize_words(title), normalize_words(text));
        let (scan, raw) = self.evaluate_raw(&norm_title, &norm_text, lead, place);
        let spellings = [raw_words(title), raw_words(text)];
        let spelled = |h: &Hit| {
            let (words, source) = match h.field {
                Field::Title => (&spellings[0], title),
                Field::Text => (&spellings[1], text),
            };
            let n = self.uses[h.use_idx.0][h.use_idx.1].words;
            let first = words.get(h.position);
            let last = words.get(h.position + n - 1).or(first);
            match (first, last) {
                (Some(a), Some(b)) => source[a.start..b.end.max(a.end)].to_string(),
                _ => String::new(),
            }
        };
        let mut out = String::new();
        if let Some(place) = place {
            // Each topic's block opens with a blank line; so does this one.
            out.push_str(&format!("\nsource place: {place}\n"));
        }
        for (r, t) in raw.iter().zip(&self.topics) {
            let s = &t.spec;
            // A composite is worth explaining when one of its members is tagged.
            let relevant = if s.is_composite() {
                !r.members.is_empty() || r.tagged
            } else {
                !r.matches.is_empty() || r.tagged || r.vetoed_by.is_some()
            };
            if !relevant {
                continue;
            }
            let verdict = match (r.vetoed_by, r.tagged) {
                (Some(v), _) => format!(
                    "not tagged: vetoed by exclude term «{}»",
                    spelled(&scan.hits[v])
                ),
                (None, true) => "TAGGED".into(),
                (None, false) if !s.is_composite() && r.score >= s.min_score && r.people_abroad => {
                    "not tagged: only the nationality of people in a story set abroad".into()
                }
                (None, false) if !s.is_composite() && r.score >= s.min_score && !r.firm => {
                    "not tagged: only venues, places passed through or a dateline".into()
                }
                (None, false) => "not tagged".into(),
            };
            if s.is_composite() {
                let mark = |list: &[String]| {
                    list.iter()
                        .map(|m| {
                            let on = self
                                .topics
                                .iter()
                                .position(|x| &x.spec.slug == m)
                                .is_some_and(|j| raw[j].tagged);
                            format!("{m} {}", if on { "✓" } else { "✗" })
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let mut parts = Vec::new();
                for (name, list) in [
                    ("all_of", &s.all_of),
                    ("any_of", &s.any_of),
                    ("none_of", &s.none_of),
                ] {
                    if !list.is_empty() {
                        parts.push(format!("{name} [{}]", mark(list)));
                    }
                }
                let _ = writeln!(out, "\n{}: {} → {verdict}", s.slug, parts.join(" "));
                continue;
            }
            let _ = writeln!(
                out,
                "\n{}: score {} (min {}) → {verdict}",
                s.slug, r.score, s.min_score
            );
            for &(h, points, suppressed) in &r.matches {
                let hit = &scan.hits[h];
                let u = &self.uses[hit.use_idx.0][hit.use_idx.1];
                let field = match hit.field {
                    Field::Title => "title",
                    Field::Text if hit.position < lead.dateline => "dateline",
                    Field::Text if hit.position < lead.words => "lead",
                    Field::Text => "text",
                };
                let note = suppressed
                    .map(|why| {
                        let word = |k: usize| spelled(&scan.hits[k]);
                        format!("  (not counted: {})", describe(why, word))
                    })
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {:>5} pts  {:<5} word {:<4} {} [{}] ← term {}{}",
                    points,
                    field,
                    hit.position,
                    spelled(hit),
                    scan.found(hit),
                    self.term_label(u),
                    note
                );
            }
        }
        out
    }

    /// The `TagMatch`es of topic `i` (a composite: those of its tagged members).
    fn matches(&self, scan: &Scan, raw: &[RawEval], i: usize) -> Vec<TagMatch> {
        let own = raw[i].matches.iter().map(|&(h, points, suppressed)| {
            let hit = &scan.hits[h];
            let u = &self.uses[hit.use_idx.0][hit.use_idx.1];
            TagMatch {
                term: self.term_label(u).to_string(),
                found: scan.found(hit).to_string(),
                field: hit.field,
                position: hit.position,
                points,
                suppressed: suppressed
                    .map(|s| describe(s, |k| scan.found(&scan.hits[k]).to_string())),
            }
        });
        let mut out: Vec<TagMatch> = own.collect();
        for &m in &raw[i].members {
            out.extend(self.matches(scan, raw, m));
        }
        out
    }

    /// The rule a counted word comes from: a topic's term, or a built-in national
    /// institution read in the source's place.
    fn term_label(&self, u: &Use) -> &str {
        match self.topics.get(u.topic) {
            Some(t) => &t.terms[u.term].text,
            None => "(a national institution, in the source's place)",
        }
    }

    /// Scores every topic; `title` and `text` are in matching form, the first `lead` words
    /// of `text` its lead.
    fn evaluate_raw<'a>(
        &self,
        title: &'a str,
        text: &'a str,
        Lead {
            words: lead,
            dateline,
        }: Lead,
        place: Option<&str>,
    ) -> (Scan<'a>, Vec<RawEval>) {
        let mut scan = Scan::new(title, text);
        let title_words = self.scan(scan.title, Field::Title, 0, &mut scan.hits);
        self.scan(scan.text, Field::Text, title_words, &mut scan.hits);
        let hits = &scan.hits;
        let use_of = |h: &Hit| &self.uses[h.use_idx.0][h.use_idx.1];

        // Context words, cues and guards, by the term they serve.
        let mut contexts: FxHashMap<(usize, usize), TermContext> = FxHashMap::default();
        let mut evals: Vec<RawEval> = vec![RawEval::default(); self.topics.len()];
        // Built-in phrases, by (field, word a mention must start or end at, hit): a venue
        // or origin phrase ends right before the mention; an origin word follows it.
        let mut venues: Vec<(Field, usize, usize)> = Vec::new();
        let mut named_after: Vec<(Field, usize, usize)> = Vec::new();
        let mut given_names: Vec<(Field, usize, usize)> = Vec::new();
        let mut kunyas: Vec<(Field, usize, usize)> = Vec::new();
        let mut movements: Vec<(Field, usize)> = Vec::new();
        let mut sides: Vec<(Field, usize)> = Vec::new();
        let mut abroad = false;
        let mut institutions: Vec<usize> = Vec::new();
        let mut origin_before: Vec<(Field, usize, usize)> = Vec::new();
        let mut origin_after: Vec<(Field, usize, usize)> = Vec::new();
        // Topics whose own `not_in` origin phrase (من أصل يمني) is in the item, whether or
        // not one of its terms matched inside it.
        let mut origin_phrases: Vec<(usize, usize)> = Vec::new();
        for (hi, h) in hits.iter().enumerate() {
            let u = use_of(h);
            let span = (h.global, h.global + u.words - 1, hi);
            match u.role {
                Role::Term | Role::Place => continue,
                Role::Exclude => {
                    evals[u.topic].vetoed_by.get_or_insert(hi);
                    continue;
                }
                Role::Venue => {
                    venues.push((h.field, h.position + u.words, hi));
                    continue;
                }
                Role::GivenName => {
                    given_names.push((h.field, h.position + u.words, hi));
                    continue;
                }
                // The word after the kunya's name (أبو يحيى الليبي).
                Role::Kunya => {
                    kunyas.push((h.field, h.position + u.words + 1, hi));
                    continue;
                }
                Role::NamedAfter => {
                    if !h.definite {
                        named_after.push((h.field, h.position + u.words, hi));
                    }
                    continue;
                }
                Role::Movement => {
                    movements.push((h.field, h.position + u.words));
                    continue;
                }
                Role::Side => {
                    sides.push((h.field, h.position + u.words));
                    continue;
                }
                Role::Abroad => {
                    abroad = true;
                    continue;
                }
                Role::Home(kind) => {
                    // "National" after a plural is a kind of thing, anyone's (شركات البترول
                    // الوطنية، المنتخبات الوطنية), not the home country's institution.
                    let words = scan.words(h.field);
                    let after_plural = kind == Home::National
                        && (1..=2)
                            .any(|k| h.position >= k && words[h.position - k].ends_with("ات"));
                    // A region's or the world's body is nobody's home (البرلمان العربي،
                    // البنك المركزي الأوروبي، القومية العربية).
                    let regional = words
                        .get(h.position + u.words)
                        .is_some_and(|w| SUPRANATIONAL.contains(w));
                    if !after_plural && !regional {
                        institutions.push(hi);
                    }
                    continue;
                }
                Role::OriginBefore => {
                    origin_before.push((h.field, h.position + u.words, hi));
                    continue;
                }
                Role::OriginAfter => {
                    origin_after.push((h.field, h.position, hi));
                    continue;
                }
                Role::Inside if scan.found(h).split(' ').any(is_origin_word) => {
                    origin_phrases.push((u.topic, hi));
                }
                _ => {}
            }
            let cx = contexts.entry((u.topic, u.term)).or_default();
            match u.role {
                Role::Near => cx.near.push(span),
                Role::OwnCue => cx.own_cues.push(hi),
                Role::OtherCue => cx.other_cues.push(hi),
                Role::Inside => cx.inside.push(span),
                Role::After => cx.after.push((h.field, h.position + u.words, hi)),
                Role::Term
                | Role::Exclude
                | Role::Place
                | Role::Venue
                | Role::NamedAfter
                | Role::GivenName
                | Role::Kunya
                | Role::Movement
                | Role::Side
                | Role::Abroad
                | Role::Home(_)
                | Role::OriginBefore
                | Role::OriginAfter => unreachable!("handled above"),
            }
        }
        // One word may be several institutions' key (الوطني، الوطنية share a stem), and one
        // name may hold two (المنتخب الوطني and الوطني, منتخبنا الوطني): one mention for
        // each run of words.
        institutions.sort_by_key(|&hi| (hits[hi].field == Field::Text, hits[hi].position));
        institutions.dedup_by(|next, kept| {
            let (k, n) = (&hits[*kept], &hits[*next]);
            k.field == n.field && n.position <= k.position + use_of(k).words
        });
        let (leans, home) = self.place_reading(place);
        for c in contexts.values_mut() {
            c.near.sort_unstable();
            c.near_longest = c.near.iter().map(|&(s, e, _)| e - s).max().unwrap_or(0);
        }

        // Guards and local context, mention by mention.
        let empty = TermContext::default();
        let mut mentions: Vec<(usize, Option<Suppressed>)> = Vec::new();
        for (hi, h) in hits.iter().enumerate() {
            let u = use_of(h);
            if u.role != Role::Term {
                continue;
            }
            let t = &self.topics[u.topic].terms[u.term];
            let c = contexts.get(&(u.topic, u.term)).unwrap_or(&empty);
            let end = h.global + u.words - 1;
            let inside = c
                .inside
                .iter()
                .find(|&&(s, e, _)| s <= h.global && end <= e)
                .map(|&(_, _, g)| Suppressed::Inside { guard: g });
            // A term's own `not_after` words, and for a definite adjective any common given
            // name (طاهر المصري، بيرم التونسي): a surname.
            let after = || {
                c.after
                    .iter()
                    .chain(given_names.iter().filter(|_| h.nisba && h.definite))
                    .find(|&&(f, p, _)| f == h.field && p == h.position)
                    .map(|&(_, _, g)| Suppressed::After { guard: g })
                    // After a kunya and its name (أبو يحيى الليبي، أبو عياض التونسي): a nom
                    // de guerre.
                    .or_else(|| {
                        kunyas
                            .iter()
                            .filter(|_| h.nisba && h.definite)
                            .find(|&&(f, p, _)| f == h.field && p == h.position)
                            .map(|&(_, _, g)| Suppressed::Kunya { guard: g })
                    })
            };
            let near = || c.near(h.global, end, t.window);
            // The adjective of an origin phrase (من أصل تونسي، لبناني الأصل) is a person's.
            let origin = || {
                if !h.nisba {
                    return None;
                }
                let last = h.position + u.words - 1;
                origin_before
                    .iter()
                    .find(|&&(f, p, _)| f == h.field && p == h.position)
                    .or_else(|| {
                        origin_after
                            .iter()
                            .find(|&&(f, p, _)| f == h.field && p == last + 1)
                    })
                    .map(|&(_, _, g)| Suppressed::Origin { guard: g })
            };
            // A street, square or restaurant named after the place (ميدان لبنان بالمهندسين،
            // مطعم القاهرة في تونس): a name, not the place.
            let name = || {
                if h.nisba || named_after.is_empty() {
                    return None;
                }
                let at = |p: usize| {
                    named_after
                        .iter()
                        .find(|&&(f, q, _)| f == h.field && q == p)
                        .map(|&(_, _, g)| Suppressed::Name { guard: g })
                };
                // The second of two names joined by و (ساحتي عدن وصنعاء).
                let joined = || {
                    if !scan.found(h).starts_with('و') {
                        return None;
                    }
                    hits.iter()
                        .filter(|o| {
                            let r = use_of(o).role;
                            o.field == h.field
                                && (r == Role::Term || r == Role::Place)
                                && o.position + use_of(o).words == h.position
                        })
                        .find_map(|o| at(o.position))
                };
                at(h.position).or_else(joined)
            };
            let suppressed = inside
                .or_else(after)
                .or_else(origin)
                .or_else(name)
                .or_else(|| {
                    if t.unless_near {
                        near().map(|cue| Suppressed::Near {
                            window: t.window,
                            cue,
                        })
                    } else if t.only_near && near().is_none() {
                        Some(Suppressed::NotNear { window: t.window })
                    } else {
                        None
                    }
                });
            mentions.push((hi, suppressed));
        }

        // The topic's own evidence: where its terms that have one reading were counted.
        let mut evidence: Vec<Vec<usize>> = vec![Vec::new(); self.topics.len()];
        for &(hi, s) in &mentions {
            let u = use_of(&hits[hi]);
            if s.is_none() && !self.topics[u.topic].terms[u.term].ambiguous {
                evidence[u.topic].push(hits[hi].global);
            }
        }
        // A guarded adjective marks a person, and the item's other adjectives that can be
        // that person follow it; the name itself (السودان، تونس) is still the country.
        // - A surname after its first name (محمد شياع السوداني): the same word alone
        //   elsewhere (السوداني) is the same man.
        // - An origin (من أصل تونسي، من أصول يمنية): an indefinite adjective elsewhere
        //   (تونسي وصل من لامبيدوزا، أول يمنية) is that person; a definite one names an
        //   institution (النيابة التونسية، المنتخب السوداني) and still counts.
        let mut surnames: FxHashMap<usize, Vec<(&str, usize)>> = FxHashMap::default();
        let mut origins: FxHashMap<usize, usize> = FxHashMap::default();
        for &(hi, s) in &mentions {
            let h = &hits[hi];
            let topic = use_of(h).topic;
            match s {
                Some(Suppressed::After { guard } | Suppressed::Kunya { guard }) => surnames
                    .entry(topic)
                    .or_default()
                    .push((bare(scan.found(h)), guard)),
                Some(Suppressed::Inside { guard }) if h.nisba && !h.definite => {
                    origins.entry(topic).or_insert(guard);
                }
                Some(Suppressed::Origin { guard }) => {
                    origins.entry(topic).or_insert(guard);
                }
                _ => {}
            }
        }
        for &(topic, guard) in &origin_phrases {
            origins.entry(topic).or_insert(guard);
        }
        if !(surnames.is_empty() && origins.is_empty()) {
            for (hi, s) in &mut mentions {
                let h = &hits[*hi];
                if s.is_some() || !h.nisba {
                    continue;
                }
                let topic = use_of(h).topic;
                let form = bare(scan.found(h));
                let surname = surnames
                    .get(&topic)
                    .and_then(|named| named.iter().find(|(f, _)| *f == form))
                    .map(|&(_, guard)| guard);
                // A definite adjective is the person too, unless it follows a state's or
                // an institution's noun (النيابة التونسية، المنتخب السوداني).
                let origin = origins
                    .get(&topic)
                    .copied()
                    .filter(|_| !h.definite || !after_state_noun(scan.words(h.field), h.position));
                if let Some(guard) = surname.or(origin) {
                    *s = Some(Suppressed::Person { guard });
                }
            }
        }
        // A former office holder's nationality (الوزير اللبناني السابق) says who someone was,
        // not where the story is: it counts only in an item that names the topic some other
        // way (its name, a place, an institution's adjective).
        {
            let former: Vec<bool> = mentions
                .iter()
                .map(|&(hi, s)| {
                    let h = &hits[hi];
                    s.is_none()
                        && h.nisba
                        && a_former_holders(scan.words(h.field), h.position + use_of(h).words - 1)
                })
                .collect();
            let mut named_otherwise = vec![false; self.topics.len()];
            for (&(hi, s), &was) in mentions.iter().zip(&former) {
                if s.is_none() && !was {
                    named_otherwise[use_of(&hits[hi]).topic] = true;
                }
            }
            for ((hi, s), was) in mentions.iter_mut().zip(former) {
                if was && !named_otherwise[use_of(&hits[*hi]).topic] {
                    *s = Some(Suppressed::Former);
                }
            }
        }
        // One reading per ambiguous term and item. Cues are counted by the word they start
        // at, so a cue that is also one of the topic's terms (لبنان) counts once.
        let distinct = |mut at: Vec<usize>| {
            at.sort_unstable();
            at.dedup();
            at.len()
        };
        let mut readings: FxHashMap<(usize, usize), Option<Suppressed>> = FxHashMap::default();
        for (hi, s) in &mut mentions {
            let u = use_of(&hits[*hi]);
            let t = &self.topics[u.topic].terms[u.term];
            if s.is_some() || !t.ambiguous {
                continue;
            }
            *s = *readings.entry((u.topic, u.term)).or_insert_with(|| {
                let c = contexts.get(&(u.topic, u.term)).unwrap_or(&empty);
                let own = distinct(
                    c.own_cues
                        .iter()
                        .map(|&k| hits[k].global)
                        .chain(evidence[u.topic].iter().copied())
                        .collect(),
                );
                let other = distinct(c.other_cues.iter().map(|&k| hits[k].global).collect());
                // An even item leans to the source's place; without one, to the default.
                let lean = leans.get(&(u.topic, u.term)).copied().flatten();
                if other > own || (other == own && lean.map_or(t.sense, |own| !own)) {
                    Some(match c.other_cues.first() {
                        Some(&cue) if other > own => Suppressed::OtherSense { cue, own, other },
                        _ if lean.is_some() => Suppressed::Place { own },
                        Some(&cue) => Suppressed::OtherSense { cue, own, other },
                        None => Suppressed::NoSense,
                    })
                } else {
                    None
                }
            });
        }
        // An adjective right before the topic's own name (العاصمة المصرية القاهرة) names the
        // same place, and follows the name's reading for the item.
        let read_otherwise: Vec<(usize, Field, usize, Suppressed)> = mentions
            .iter()
            .filter_map(|&(hi, s)| match s {
                Some(
                    why @ (Suppressed::OtherSense { .. }
                    | Suppressed::NoSense
                    | Suppressed::Place { .. }),
                ) => Some((
                    use_of(&hits[hi]).topic,
                    hits[hi].field,
                    hits[hi].position,
                    why,
                )),
                _ => None,
            })
            .collect();
        if !read_otherwise.is_empty() {
            for (hi, s) in &mut mentions {
                let h = &hits[*hi];
                let u = use_of(h);
                if s.is_none() && h.nisba {
                    *s = read_otherwise
                        .iter()
                        .find(|&&(t, f, p, _)| {
                            t == u.topic && f == h.field && p == h.position + u.words
                        })
                        .map(|&(.., why)| why);
                }
            }
        }

        // Where each topic's terms and every listed place start and end, to find
        // enumerations, in the title as in the text (بعد تونس ومصر..). Title and text are
        // numbered as one sequence with a gap between them: no list runs across the two.
        let mut edges: Vec<Edge> = Vec::new();
        let edge = |h: &Hit, topic: usize| {
            let start = h.global + usize::from(h.field == Field::Text);
            Edge {
                topic,
                start,
                end: start + use_of(h).words - 1,
                and: scan.found(h).starts_with('و'),
                person: h.nisba && h.definite,
            }
        };
        for &(hi, _) in &mentions {
            let h = &hits[hi];
            edges.push(edge(h, use_of(h).topic));
        }
        for h in hits {
            if use_of(h).role == Role::Place {
                edges.push(edge(h, PLACE));
            }
        }
        // A list needs two topics or a place; most items name one topic's words only.
        if edges
            .iter()
            .all(|e| e.topic == edges[0].topic && e.topic != PLACE)
        {
            edges.clear();
        }
        // By first word, and a copy by last word: each mention looks up only its neighbours.
        edges.sort_unstable_by_key(|e| (e.start, e.end, e.topic));
        let mut by_end = edges.clone();
        by_end.sort_unstable_by_key(|e| (e.end, e.start, e.topic));
        let lists = Lists {
            by_start: &edges,
            by_end: &by_end,
        };
        // Countries and capitals named in the lead, by word (the dateline, word 0, aside),
        // and whether by name (not by adjective: الجيش الإسرائيلي names an actor, not where
        // the story happens).
        let lead_places: Vec<(usize, bool)> = hits
            .iter()
            .filter(|h| {
                h.field == Field::Text
                    && h.position > 0
                    && h.position < lead
                    && use_of(h).role == Role::Place
            })
            .map(|h| (h.position, !h.nisba))
            .collect();
        // Where each topic is first named in the lead.
        let mut first_in_lead = vec![usize::MAX; self.topics.len()];
        for &(hi, s) in &mentions {
            let h = &hits[hi];
            if s.is_none() && h.field == Field::Text && h.position < lead {
                let f = &mut first_in_lead[use_of(h).topic];
                *f = (*f).min(h.position);
            }
        }
        // Where each topic is really named (a counted mention), to tell another country
        // named in the item from a guarded one of the topic's own (جنوب السودان).
        // Built only for an item that needs it: most have no venue to weigh.
        let counted = std::cell::OnceCell::new();
        let other_country = |t: usize| {
            let counted: &Vec<(usize, Field, usize)> = counted.get_or_init(|| {
                mentions
                    .iter()
                    .filter(|(_, s)| s.is_none())
                    .map(|&(hi, _)| (use_of(&hits[hi]).topic, hits[hi].field, hits[hi].position))
                    .collect()
            });
            hits.iter().any(|h| {
                matches!(use_of(h).role, Role::Place | Role::Abroad)
                    && !counted.contains(&(t, h.field, h.position))
            })
            // Or another country's topic, by a place of its own (محادثات دارفور).
            || counted
                .iter()
                .any(|&(j, _, _)| j != t && self.topics[j].is_place)
        };
        // Whether a country other than topic `t` is named by the adjective of a state's
        // acting body (السلطات التونسية) where `t` is not counted.
        let other_state_acts = |t: usize| {
            hits.iter().any(|h| {
                h.nisba
                    && use_of(h).role == Role::Place
                    && acting_state(scan.words(h.field), h.position)
                    && !mentions.iter().any(|&(hi, s)| {
                        s.is_none()
                            && use_of(&hits[hi]).topic == t
                            && hits[hi].field == h.field
                            && hits[hi].position == h.position
                    })
            })
        };
        let mut listed_ends: Vec<(usize, usize)> = Vec::new();
        let mut passed_ends: Vec<(usize, Field, usize)> = Vec::new();
        // Where a country's adjective stands (الليبية، التشادية), to find shared borders.
        let place_adjectives: Vec<(Field, usize)> = hits
            .iter()
            .filter(|h| h.nisba && use_of(h).role == Role::Place)
            .map(|h| (h.field, h.position))
            .collect();
        // Topics named only by nationality adjectives in the singular that follow no
        // state's or institution's noun and no count (not 60 مهاجرا تونسيا: a group), at
        // least one of them a person's: after a noun for a person (لاعبه التونسي، شاب
        // يمني), after a preposition (القبض على مصري) or opening its field (مصرية تتوج).
        let mut hosts_here = vec![false; self.topics.len()];
        let mut only_people = vec![true; self.topics.len()];
        let mut a_person = vec![false; self.topics.len()];
        for (hi, suppressed) in mentions.iter().copied() {
            let h = &hits[hi];
            let u = use_of(h);
            let listed = !lists.by_start.is_empty()
                && lists.enumerated(&edge(h, u.topic))
                && !between_two(scan.words(h.field), h.position);
            // The place of a list entry (وحزب الله في لبنان، والحوثيين في اليمن) is the
            // same entry: it adds nothing to the entry's one point.
            let entry_place = h.field == Field::Text
                && h.position >= 2
                && listed_ends.contains(&(u.topic, h.position - 2))
                && scan.words(Field::Text).get(h.position - 1) == Some(&"في");
            if listed && h.field == Field::Text {
                listed_ends.push((u.topic, h.position + u.words - 1));
            }
            // A country named in the lead after another country, before the lead named
            // this topic, is a party or a place the story touches: the lead's subject is
            // what it names first. Not the two sides of a relation (بين مصر والسودان).
            let party = h.field == Field::Text
                && h.position < lead
                && lead_places.iter().any(|&(p, _)| p == h.position)
                && lead_places.iter().any(|&(p, named)| {
                    named
                        && p < h.position
                        && p < first_in_lead[u.topic]
                        && !mentions_at(hits, &self.uses, u.topic, h.field, p)
                })
                && !between_two(scan.words(Field::Text), h.position);
            // In construct only (قمة تونس): an adjective after the event's noun (المؤتمر
            // اليمني، القمة التونسية الأوروبية) makes the event the country's own.
            // So does the capital's adjective after a hosting verb (تستضيف العاصمة المصرية
            // القاهرة): it stands for the capital, not for an actor.
            let venue = venues.iter().any(|&(f, p, v)| {
                f == h.field
                    && p == h.position
                    && !hits[v].definite
                    && (!h.nisba || scan.found(&hits[v]).ends_with("العاصمه"))
            });
            // Where others play, talk or confer (السودان يواجه توغو اليوم في بنغازي، يستضيف
            // ملعب شهداء بنينا مباريات المنتخب السوداني، مؤتمر طوكيو للتنمية في تونس): the
            // place after «في» or a stadium's noun, such an event named near it, and another
            // country named in the item (an Arab one, or one abroad).
            let host_after = scan
                .words(h.field)
                .get(h.position + u.words)
                .is_some_and(|w| HOSTING_AFTER.contains(w));
            // «ب» on the name is «في» (لعب مبارياته بمصر، فاز أمس ببنغازي).
            let with_ba = || {
                !h.nisba
                    && scan.found(h).starts_with('ب')
                    && !self.topics[u.topic].terms[u.term].starts_with_ba
            };
            let venue = venue
                || (hosted(scan.words(h.field), h.position, h.nisba)
                    || !h.nisba && host_after
                    || with_ba())
                    && event_near(scan.words(h.field), h.position)
                    && (other_country(u.topic)
                        || regional_event_near(scan.words(h.field), h.position));
            // The host named again among the parties of the talks it hosts (تستضيف القاهرة
            // جولة مفاوضات … يلتقي مسؤولون من مصر والولايات المتحدة وقطر) is the mediator:
            // the story is the other parties'.
            let host_listed = listed && hosts_here[u.topic] && other_country(u.topic);
            if venue {
                hosts_here[u.topic] = true;
            }
            // A mediator's or a sponsor's name (بوساطة مصرية قطرية، برعاية الجماهيرية الليبية،
            // في إطار مبادرة مصرية) in an item that names the parties: the policy's mediation,
            // the other parties' story.
            let mediating = mediators(scan.words(h.field), h.position) && other_country(u.topic);
            // Where someone comes from or heads to (قادما من القاهرة، باتجاه الأراضي
            // التونسية) is a place the story passes through.
            // One side of a crossing or a border (الجانب المصري من معبر رفح) is a place on
            // the way too; without «من» the side is a party (أكد الجانب المصري).
            let moving = movements.contains(&(h.field, h.position))
                || h.nisba
                    && sides.contains(&(h.field, h.position))
                    && scan.words(h.field).get(h.position + u.words) == Some(&"من")
                || h.nisba
                    && shared_border(scan.words(h.field), h.position, &|p| {
                        place_adjectives.contains(&(h.field, p))
                    })
                || border_neighbour(scan.words(h.field), h.position)
                || route_end(scan.words(h.field), h.position)
                || !h.nisba
                    && near_country(
                        scan.words(h.field),
                        h.position,
                        scan.words(h.field)[h.position],
                    )
                || mediating
                || host_listed
                // A crossing's name where another country's state acts (السلطات التونسية
                // … بالمعبر الحدودي رأس جدير): the policy's acting side owns the story.
                || crossing_name(scan.words(h.field), h.position)
                    && other_state_acts(u.topic)
                // The next entry of a list whose first was passed through or compared
                // with (متفوقا على تونس ومصر، قادما من تونس وليبيا).
                || listed
                    && scan.words(h.field)[h.position].starts_with('و')
                    && passed_ends
                        .iter()
                        .any(|&(_, f, end)| f == h.field && end + 1 == h.position);
            // The same place named again in apposition (قادما من العاصمة المصرية القاهرة):
            // one place, already counted as passed through or as a venue.
            // So is its country after «في» in an item that names others (ملعب بنغازي الدولي في
            // ليبيا): an address.
            let apposed = h.position > 0
                && (passed_ends.contains(&(u.topic, h.field, h.position - 1))
                    || scan.words(h.field)[h.position - 1] == "في"
                        && (2..=4).any(|k| {
                            h.position >= k
                                && passed_ends.contains(&(u.topic, h.field, h.position - k))
                        })
                        && other_country(u.topic));
            if (venue || moving || apposed) && suppressed.is_none() {
                passed_ends.push((u.topic, h.field, h.position + u.words - 1));
            }
            let points = match (suppressed, h.field) {
                (Some(_), _) => 0.0,
                _ if entry_place || apposed => 0.0,
                // One entry of a list of countries (تشاد ومصر وليبيا، بغداد ودمشق وبيروت
                // وصنعاء) is worth one body mention, whatever the name's weight; so is the
                // host of an event (قمة تونس، استضافت القاهرة), the place and not the story.
                _ if listed || venue || moving => TEXT_WEIGHT,
                // The dateline (القاهرة - كتب …) is where the copy was filed: one body
                // mention, whatever the name's weight.
                (None, Field::Text) if h.position < dateline => TEXT_WEIGHT,
                (None, Field::Title) => self.topics[u.topic].terms[u.term].weight * TITLE_WEIGHT,
                (None, Field::Text) if h.position < lead && !party => {
                    self.topics[u.topic].terms[u.term].weight * LEAD_WEIGHT
                }
                (None, Field::Text) => self.topics[u.topic].terms[u.term].weight * TEXT_WEIGHT,
            };
            // A place passed through, a host or a dateline says where, not what: such
            // mentions add up, but alone they do not tag (rebels قادمين من ليبيا in the
            // title and the lead of a Chadian story).
            // Who reports (مصدر مصري، أفاد تلفزيون «القاهرة الإخبارية» المصري) is not what:
            // alone it does not tag either.
            let reporter = h.nisba && reporters_adjective(scan.words(h.field), h.position);
            let filed = h.field == Field::Text && h.position < dateline;
            let passing = venue || moving || reporter || filed;
            if points > 0.0 && !passing {
                evals[u.topic].firm = true;
            }
            // The dateline is where the copy was filed, and a place passed through, a
            // venue or who reports says where, not what: none of them names the country's
            // people or says that the country is the story (a Lebanese arrested in Berlin
            // بعد وصوله من بيروت).
            if points > 0.0 && only_people[u.topic] && !filed && !passing {
                let words = scan.words(h.field);
                // After an indefinite person noun in the accusative (مواطنًا ليبيًا), the
                // adjective has lost its tanween to normalizing and reads as the name.
                let accusative = h.position > 0
                    && words[h.position - 1].ends_with('ا')
                    && a_persons_adjective(words, h.position);
                // The dual's oblique is the plural's (ليبيين), but a dual verb after it
                // (ليبيين يحملان قنبلة) says two people.
                let dual = h.nisba
                    && scan.found(h).ends_with("ين")
                    && words
                        .get(h.position + u.words)
                        .is_some_and(|w| w.ends_with("ان") && w.starts_with(['ي', 'ت', 'ك']));
                if dual {
                    a_person[u.topic] = true;
                } else if (h.nisba || accusative)
                    && singular_adjective(scan.found(h))
                    && !after_state_noun(words, h.position)
                    && !after_count(words, h.position)
                {
                    a_person[u.topic] |= a_persons_adjective(words, h.position);
                } else {
                    only_people[u.topic] = false;
                }
            }
            evals[u.topic].score += points;
            evals[u.topic].matches.push((hi, points, suppressed));
        }
        // A national institution named without a country (رئاسة الجمهورية، المنتخب الوطني)
        // is the source's own country's, in an item that names no other country and no
        // other topic: a domestic paper's reader reads it so.
        // Whether the item names a country of `PLACES` other than topic `t` where `t` is
        // named and counted; a place inside a guarded name (جنوب السودان) is another one.
        // With `by_name`, only a country named by its name (في فلسطين), not an adjective
        // (صحيفة يني شفق التركية: who reports, not where).
        let place_elsewhere = |evals: &[RawEval], t: usize, by_name: bool| {
            let spots: Vec<(Field, usize)> = evals[t]
                .matches
                .iter()
                .filter(|(_, _, s)| s.is_none())
                .map(|&(hi, _, _)| (hits[hi].field, hits[hi].position))
                .collect();
            hits.iter().any(|h| {
                use_of(h).role == Role::Place
                    && !(by_name && h.nisba)
                    && !spots.contains(&(h.field, h.position))
            })
        };
        if !institutions.is_empty() {
            for &t in &home {
                let foreign_place = place_elsewhere(&evals, t, false);
                // Another country's topic makes the item someone else's too; a subject's
                // (an Egyptian paper's oil minister) does not.
                let other_topic = evals.iter().enumerate().any(|(j, e)| {
                    j != t
                        && self.topics[j].is_place
                        && !self.topics[j].spec.is_composite()
                        && e.score > 0.0
                });
                // Nor when the item argues against the topic: a mention guarded or read
                // otherwise (سلفاكير for Sudan's name), or a cue of another reading.
                let contrary = evals[t]
                    .matches
                    .iter()
                    .any(|(_, _, s)| s.as_ref().is_some_and(Suppressed::argues_against))
                    || hits.iter().any(|h| {
                        let u = use_of(h);
                        u.topic == t && u.role == Role::OtherCue
                    });
                if contrary {
                    continue;
                }
                let elsewhere = abroad || foreign_place || other_topic;
                for &hi in &institutions {
                    let h = &hits[hi];
                    // The national team is the home side whoever it plays and wherever
                    // (المنتخب الوطني يواجه موريتانيا), unless an adjective after it makes
                    // it another country's (المنتخب الوطني المغربي).
                    let team = {
                        let end = h.position + use_of(h).words;
                        use_of(h).role == Role::Home(Home::Team)
                            && !hits.iter().any(|p| {
                                p.field == h.field
                                    && p.position == end
                                    && p.nisba
                                    && use_of(p).role == Role::Place
                            })
                    };
                    if elsewhere && !team {
                        continue;
                    }
                    let points = match h.field {
                        Field::Title => TITLE_WEIGHT,
                        Field::Text if h.position < lead => LEAD_WEIGHT,
                        Field::Text => TEXT_WEIGHT,
                    };
                    evals[t].score += points;
                    evals[t].matches.push((hi, points, None));
                    evals[t].firm = true;
                }
            }
        }
        // A person's nationality in a story set abroad (an Egyptian crowned in Arizona, a
        // Tunisian attacker in Nice) says who, not where: it does not tag alone.
        for (t, (people, person)) in only_people.into_iter().zip(a_person).enumerate() {
            if people && person && evals[t].firm && (abroad || place_elsewhere(&evals, t, true)) {
                evals[t].firm = false;
                evals[t].people_abroad = true;
            }
        }
        for (e, t) in evals.iter_mut().zip(&self.topics) {
            e.score = (e.score * 1000.0).round() / 1000.0;
            e.tagged = !t.spec.is_composite()
                && e.vetoed_by.is_none()
                && e.score >= t.spec.min_score
                && e.firm;
        }
        self.decide_composites(&mut evals);
        (scan, evals)
    }

    /// Composite topics are decided from the others; they may nest (no cycles: config checks).
    fn decide_composites(&self, evals: &mut [RawEval]) {
        if !self.has_composites {
            return;
        }
        let index = |slug: &str| self.topics.iter().position(|t| t.spec.slug == slug);
        // Repeat until nothing changes: depth is bounded by the number of composites.
        for _ in 0..self.topics.len() {
            let mut changed = false;
            for (i, t) in self.topics.iter().enumerate() {
                let s = &t.spec;
                if !s.is_composite() {
                    continue;
                }
                let is = |slug: &String| index(slug).is_some_and(|j| evals[j].tagged);
                // Once one `all_of` member is tagged, the item is about that part, and the
                // others need only half their `min_score`: a migration story that says once,
                // deep in the body, that the boat left Libya is Libyan migration.
                let part = |slug: &String| {
                    index(slug).is_some_and(|j| {
                        evals[j].tagged
                            || (evals[j].vetoed_by.is_none()
                                && evals[j].score > 0.0
                                && evals[j].score >= self.topics[j].spec.min_score / 2.0)
                    })
                };
                let tagged = evals[i].vetoed_by.is_none()
                    && s.all_of.iter().any(is)
                    && s.all_of.iter().all(part)
                    && (s.any_of.is_empty() || s.any_of.iter().any(is))
                    && !s.none_of.iter().any(is);
                let members: Vec<usize> = s
                    .all_of
                    .iter()
                    .chain(&s.any_of)
                    .filter_map(|m| index(m))
                    .filter(|&j| evals[j].tagged || (tagged && evals[j].score > 0.0))
                    .collect();
                let score = members.iter().map(|&j| evals[j].score).sum();
                if evals[i].tagged != tagged || evals[i].score != score {
                    changed = true;
                }
                evals[i].tagged = tagged;
                evals[i].score = score;
                evals[i].members = members;
            }
            if !changed {
                break;
            }
        }
    }

    /// The place most of a feed's items are about, when they are about one country: a
    /// national outlet added without its `place` loses the home news that names no
    /// country (a minister, prices in pounds), and this is the hint to give it one. Each
    /// item is `(title, text)`, tagged without a place. `None` unless at least
    /// [`PLACE_HINT_MIN_ITEMS`] items are about a country and [`PLACE_HINT_SHARE`] of them
    /// about the same one alone.
    pub fn suggest_place<'t>(
        &self,
        items: impl IntoIterator<Item = (&'t str, &'t str)>,
    ) -> Option<PlaceHint> {
        let mut alone = vec![0usize; self.topics.len()];
        let mut placed = 0;
        for (title, text) in items {
            let tags = self.tag(title, text, None);
            let countries: Vec<usize> = tags
                .iter()
                .filter_map(|t| self.topics.iter().position(|c| c.spec.slug == t.slug))
                .filter(|&i| self.topics[i].is_place)
                .collect();
            if !countries.is_empty() {
                placed += 1;
            }
            if let [one] = countries.as_slice() {
                alone[*one] += 1;
            }
        }
        let (best, &items) = alone.iter().enumerate().max_by_key(|&(_, n)| *n)?;
        if placed < PLACE_HINT_MIN_ITEMS || (items as f64) < PLACE_HINT_SHARE * placed as f64 {
            return None;
        }
        let topic = &self.topics[best];
        // The topic's name when it reads as its place (ليبيا، السودان), else its first term
        // that names a country.
        let place = if self.place_reading(Some(&topic.spec.name)).1.contains(&best) {
            topic.spec.name.clone()
        } else {
            topic.terms.iter().find_map(|t| {
                let home = self.place_reading(Some(&t.text)).1;
                home.contains(&best).then(|| t.text.clone())
            })?
        };
        Some(PlaceHint {
            place,
            topic: topic.spec.slug.clone(),
            items,
            of: placed,
        })
    }

    /// How many ambiguous terms' readings `place` is a cue of: 0 means a source with that
    /// place is tagged as one without (`marsad check` warns).
    pub fn place_readings(&self, place: &str) -> usize {
        self.place_reading(Some(place))
            .0
            .values()
            .filter(|l| l.is_some())
            .count()
    }

    /// What the source's place says, read as the words it would be in an item: which
    /// reading of each ambiguous term it is a cue of, by (topic, term) (`Some(true)` the
    /// topic's own, `sense`; `Some(false)` the other, `other_sense`; `None` both), and the
    /// topics it is a term of (its home topics).
    fn place_reading(&self, place: Option<&str>) -> (PlaceLeans, Vec<usize>) {
        let (mut leans, mut home) = (FxHashMap::default(), Vec::new());
        let Some(place) = place else {
            return (leans, home);
        };
        let mut hits = Vec::new();
        self.scan(&normalize_words(place), Field::Text, 0, &mut hits);
        for h in &hits {
            let u = &self.uses[h.use_idx.0][h.use_idx.1];
            let own = match u.role {
                Role::OwnCue => true,
                Role::OtherCue => false,
                Role::Term if !home.contains(&u.topic) => {
                    home.push(u.topic);
                    continue;
                }
                _ => continue,
            };
            leans
                .entry((u.topic, u.term))
                .and_modify(|l: &mut Option<bool>| {
                    if *l != Some(own) {
                        *l = None;
                    }
                })
                .or_insert(Some(own));
        }
        (leans, home)
    }

    /// Adds the accepted hits in `text` (already normalized); returns its number of words.
    fn scan(&self, text: &str, field: Field, offset: usize, hits: &mut Vec<Hit>) -> usize {
        let mut found = Vec::new();
        let words = self.index.find(text, &mut found);
        for f in found {
            let prefix = &text[f.words.0..f.at.0];
            let suffix = &text[f.at.1..f.words.1];
            // A key serves many rules (a country is a term, a cue of other topics and a
            // place), most with the same affix rule: check each rule once per hit.
            let mut last: Option<(&Affix, bool)> = None;
            for (k, u) in self.uses[f.pattern].iter().enumerate() {
                let ok = match last {
                    Some((a, ok)) if *a == u.affix => ok,
                    _ => {
                        let ok = accepts(&u.affix, prefix, suffix);
                        last = Some((&u.affix, ok));
                        ok
                    }
                };
                // A language (باللغة الإنجليزية، اللغة التركية) is no country's place.
                let language = matches!(u.role, Role::Place | Role::Abroad)
                    && text[..f.words.0]
                        .trim_end()
                        .rsplit(' ')
                        .next()
                        .is_some_and(|w| LANGUAGE_NOUNS.contains(&w));
                if ok && !language {
                    hits.push(Hit {
                        use_idx: (f.pattern, k),
                        field,
                        position: f.word,
                        global: offset + f.word,
                        found: f.words.0..f.words.1,
                        nisba: is_nisba(&u.affix, &text[f.at.0..f.at.1], suffix),
                        definite: proclitic_chain(prefix) == Some(true)
                            || matches!(u.affix, Affix::Arabic { article: true, .. }),
                    });
                }
            }
        }
        words
    }

    /// How often each term matches in `items` (title, text): for each topic in config order,
    /// for each of its terms, the number of items with at least one counted or suppressed
    /// mention. `marsad check` warns on terms that match a large share of stored items.
    pub fn term_item_counts<'a>(
        &self,
        items: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<Vec<usize>> {
        let mut counts: Vec<Vec<usize>> =
            self.topics.iter().map(|t| vec![0; t.terms.len()]).collect();
        let mut seen: Vec<(usize, usize)> = Vec::new();
        for (title, text) in items {
            let (title, text) = (normalize_words(title), normalize_words(text));
            let mut scan = Scan::new(&title, &text);
            let n = self.scan(scan.title, Field::Title, 0, &mut scan.hits);
            self.scan(scan.text, Field::Text, n, &mut scan.hits);
            seen.clear();
            for h in &scan.hits {
                let u = &self.uses[h.use_idx.0][h.use_idx.1];
                if u.role == Role::Term && !seen.contains(&(u.topic, u.term)) {
                    seen.push((u.topic, u.term));
                    counts[u.topic][u.term] += 1;
                }
            }
        }
        counts
    }
}

/// A matched word without its conjunction (والسوداني → السوداني), to compare two mentions'
/// forms.
fn bare(found: &str) -> &str {
    found
        .strip_prefix(['و', 'ف'])
        .filter(|r| r.chars().count() >= 3)
        .unwrap_or(found)
}

/// Whether a match with this affix rule and this suffix is the name's nisba adjective
/// (تونسي، التونسية، الليبي، ليبيين) rather than the name (تونس، ليبيا، بليبيا).
fn is_nisba(affix: &Affix, word: &str, suffix: &str) -> bool {
    match affix {
        // An exact term is an adjective when it is written as one (يمنية، يمنيين).
        Affix::Exact => {
            word.chars().count() >= 4
                && ["ي", "يه", "يين", "يون", "يات"]
                    .iter()
                    .any(|e| word.ends_with(e))
        }
        Affix::Arabic {
            stripped: Some(last),
            ..
        } => {
            // ليبيا → stem ليبي: "ليبي" alone and ليبية are adjectives, ليبيا is the name.
            !(suffix.len() == last.len_utf8() && suffix.starts_with(*last))
        }
        Affix::Arabic { stripped: None, .. } => suffix.starts_with('ي'),
    }
}

/// Why a mention did not count, in words; `word(hit)` spells the responsible word.
fn describe(why: Suppressed, word: impl Fn(usize) -> String) -> String {
    match why {
        Suppressed::Near { window, cue } => {
            format!("context word «{}» within {window} words", word(cue))
        }
        Suppressed::NotNear { window } => format!("no context word within {window} words"),
        Suppressed::Inside { guard } => format!("inside the phrase «{}»", word(guard)),
        Suppressed::After { guard } => format!("right after «{}»", word(guard)),
        Suppressed::Person { guard } => format!(
            "the adjective describes the person named by «{}» elsewhere in the item",
            word(guard)
        ),
        Suppressed::OtherSense { cue, own, other } => format!(
            "read in its other sense in this item: cue «{}» ({other} cues for the other sense, {own} for this topic)",
            word(cue)
        ),
        Suppressed::NoSense => "no cue of this topic's sense in the item".into(),
        Suppressed::Place { own } => format!(
            "read in its other sense: {own} cues for each in the item, and the source's place is a cue of the other"
        ),
        Suppressed::Origin { guard } => {
            format!("a person's origin, next to «{}»", word(guard))
        }
        Suppressed::Name { guard } => {
            format!("part of a name, after «{}»", word(guard))
        }
        Suppressed::Former => {
            "a former office holder's nationality, and the item names the topic no other way".into()
        }
        Suppressed::Kunya { guard } => {
            format!("a nom de guerre, after «{} …»", word(guard))
        }
    }
}

fn accepts(affix: &Affix, prefix: &str, suffix: &str) -> bool {
    match affix {
        Affix::Exact => prefix.is_empty() && suffix.is_empty(),
        Affix::Arabic {
            article,
            stripped,
            bare,
            short,
            suffixes,
        } => {
            // When the term's own ال was taken off the pattern, the word must carry an
            // article, alone or after proclitics (ال، وال، بال، لل، فلل…).
            let prefix_ok = match proclitic_chain(prefix) {
                Some(has_article) => has_article || !*article,
                None => false,
            };
            if !prefix_ok {
                return false;
            }
            // The name itself, its final letter restored after a stripped stem.
            let whole = match stripped {
                Some(last) => suffix.strip_prefix(*last).is_some_and(str::is_empty),
                None => suffix.is_empty(),
            };
            match suffixes {
                Suffixes::None => return whole,
                Suffixes::Nisba => {
                    return whole
                        || match stripped {
                            // ليبيا → ليبي: the stem is the adjective; its endings follow.
                            Some(_) => {
                                (*bare && suffix.is_empty())
                                    || STRIPPED_NISBA_SUFFIXES.contains(&suffix)
                            }
                            None => {
                                NISBA_SUFFIXES.contains(&suffix)
                                    && (!*short || SHORT_SUFFIXES.contains(&suffix))
                            }
                        };
                }
                Suffixes::All => {}
            }
            match stripped {
                Some(last) => {
                    suffix.strip_prefix(*last).is_some_and(str::is_empty)
                        || STRIPPED_SUFFIXES.contains(&suffix)
                        || (*bare && suffix.is_empty())
                }
                None if *short => SHORT_SUFFIXES.contains(&suffix),
                None => SUFFIXES.contains(&suffix),
            }
        }
    }
}

/// The byte range in `raw` of each word of `normalize_words(raw)`, for showing the text's
/// own spelling. Whitespace-separated tokens normalize independently; a token that
/// normalizes to several words (`طرابلس،الشمال`) gives its whole range to each.
fn raw_words(raw: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    for token in raw.split_whitespace() {
        let start = at + raw[at..].find(token).unwrap_or(0);
        at = start + token.len();
        let norm = normalize_words(token);
        if norm.is_empty() {
            continue;
        }
        // Trim punctuation around a one-word token, so the spelling shows the word alone.
        let trimmed = token.trim_matches(|c: char| !c.is_alphanumeric());
        let range = if norm.split(' ').count() == 1 && !trimmed.is_empty() {
            let s = start + token.find(trimmed).unwrap_or(0);
            s..s + trimmed.len()
        } else {
            start..at
        };
        for _ in norm.split(' ') {
            out.push(range.clone());
        }
    }
    out
}

/// Reasons `marsad check` gives for a term that will tag far more than its topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TermWarning {
    /// Topic slug.
    pub topic: String,
    /// The term as written.
    pub term: String,
    /// Why it is suspicious.
    pub reason: String,
}

/// Terms that are stop words or shorter than three letters: as a term, such a word tags a
/// large share of all items (`"من"` alone matched a quarter of a newsroom's store).
pub fn term_warnings(topics: &[TopicSpec]) -> Vec<TermWarning> {
    let mut out = Vec::new();
    for t in topics {
        for term in &t.terms {
            let norm = normalize_words(&term.term);
            let reason = if STOP_WORDS.contains(&norm.as_str()) {
                Some("is a stop word: it occurs in nearly every item".to_string())
            } else if !norm.contains(' ') && norm.chars().count() < 3 {
                Some(format!(
                    "is shorter than three letters ({:?} after normalizing): it occurs inside many words' affixes",
                    norm
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                out.push(TermWarning {
                    topic: t.slug.clone(),
                    term: term.term.clone(),
                    reason,
                });
            }
        }
    }
    out
}

/// Share of stored items above which `marsad check` warns that a term matches too much: a
/// name that tags one stored item in five is either the desk's whole beat or a common word.
pub const MAX_TERM_SHARE: f64 = 0.2;

/// Fewer stored items than this say nothing about a term's share: a new desk's first fetch
/// is a handful of items about its own beat.
pub const MIN_ITEMS_FOR_SHARE: usize = 200;

/// Terms that match more than [`MAX_TERM_SHARE`] of `total` stored items, from
/// [`Matcher::term_item_counts`] over those items; nothing below [`MIN_ITEMS_FOR_SHARE`].
pub fn share_warnings(
    topics: &[TopicSpec],
    counts: &[Vec<usize>],
    total: usize,
) -> Vec<TermWarning> {
    let mut out = Vec::new();
    if total < MIN_ITEMS_FOR_SHARE {
        return out;
    }
    for (t, per_term) in topics.iter().zip(counts) {
        for (term, &n) in t.terms.iter().zip(per_term) {
            let share = n as f64 / total as f64;
            if share > MAX_TERM_SHARE {
                out.push(TermWarning {
                    topic: t.slug.clone(),
                    term: term.term.clone(),
                    reason: format!(
                        "matches {n} of {total} stored items ({:.0}%, more than {:.0}%)",
                        share * 100.0,
                        MAX_TERM_SHARE * 100.0
                    ),
                });
            }
        }
    }
    out
}

/// The index pattern and affix rule for a term.
fn pattern_for(term: &str, exact: bool) -> Option<(String, Affix)> {
    let norm = normalize_words(term);
    if norm.is_empty() {
        return None;
    }
    let arabic = norm.chars().any(crate::text::arabic::is_arabic_letter);
    if exact || !arabic {
        return Some((norm, Affix::Exact));
    }
    let mut words: Vec<String> = norm.split(' ').map(str::to_string).collect();
    let mut article = false;
    // An article as written: ألمانيا and إلبصان begin with a hamza'd alif that folds to the
    // article's letters, and are matched whole (الألمانية is ال + ألماني + ة).
    let written_article = term.trim_start().starts_with("ال");
    if written_article && words[0].starts_with("ال") && words[0].chars().count() > 3 {
        words[0] = words[0]["ال".len()..].to_string();
        article = true;
    }
    let last = words.last_mut().expect("non-empty");
    let mut stripped = None;
    let mut bare = false;
    if let Some(c) = last
        .chars()
        .last()
        .filter(|c| matches!(c, 'ا' | 'ه' | 'ي') && last.chars().count() >= 4)
    {
        last.pop();
        stripped = Some(c);
        // A stem ending in ي is itself a word (ليبيا → ليبي); others are not
        // (سبها → سبه is another word entirely).
        bare = last.ends_with('ي');
    }
    let short = last.chars().count() <= 3 && words.len() == 1;
    Some((
        words.join(" "),
        Affix::Arabic {
            article,
            stripped,
            bare,
            short,
            suffixes: Suffixes::All,
        },
    ))
}

/// Whether topic `topic` has a term matched at word `at` of `field`.
fn mentions_at(hits: &[Hit], uses: &[Vec<Use>], topic: usize, field: Field, at: usize) -> bool {
    hits.iter().any(|h| {
        let u = &uses[h.use_idx.0][h.use_idx.1];
        h.field == field && h.position == at && u.role == Role::Term && u.topic == topic
    })
}

mod index;
mod lead;
mod places;
mod words;

pub use lead::{LEAD_MAX_WORDS, Lead, dateline_words, lead, lead_words};
use places::*;

#[cfg(test)]
mod tests;
