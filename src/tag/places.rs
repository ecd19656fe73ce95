//! How the words around a mention read it: whether a nationality adjective is a
//! person's, the host of someone else's event, a place passed through, one side of a
//! border, a reporter's, or one entry of a list. Each reading is a function of the
//! matching-form words of one field and a word position; [`super::Matcher`] decides what
//! the readings are worth.

use super::words::*;

/// The `Edge::topic` of a place of [`PLACES`].
pub(super) const PLACE: usize = usize::MAX;

/// Whether a normalized word is "origin" (اصل، اصول، الاصل، واصوله …): a `not_in` phrase
/// with one marks a person's origin.
pub(super) fn is_origin_word(word: &str) -> bool {
    let w = word.strip_prefix(['و', 'ف']).unwrap_or(word);
    let w = w.strip_prefix("ال").unwrap_or(w);
    ["اصل", "اصول", "اصله", "اصلها", "اصوله", "اصولها"].contains(&w)
}

/// A noun as its article form, without its conjunction or a preposition before the
/// article (والحكومة، بالمعبر، كالجيش → الحكومة، المعبر، الجيش; للمنتخب → المنتخب).
fn article_form(word: &str) -> std::borrow::Cow<'_, str> {
    let w = word.strip_prefix(['و', 'ف']).unwrap_or(word);
    let w = w
        .strip_prefix(['ب', 'ل', 'ك'])
        .filter(|r| r.starts_with("ال"))
        .unwrap_or(w);
    match w.strip_prefix("لل") {
        Some(r) => format!("ال{r}").into(),
        None => w.into(),
    }
}

/// Whether the adjective at `at` is one of two after «الحدود» (الحدود المصرية الليبية، قرب
/// الحدود الليبية التشادية): a border two countries share locates a story, as a neighbour
/// does. `adjective_at` says whether a country's adjective stands at a word.
pub(super) fn shared_border(
    words: &[&str],
    at: usize,
    adjective_at: &dyn Fn(usize) -> bool,
) -> bool {
    let border = |i: usize| words.get(i).is_some_and(|w| article_form(w) == "الحدود");
    (at >= 1 && border(at - 1) && adjective_at(at + 1))
        || (at >= 2 && border(at - 2) && adjective_at(at - 1))
}

/// A nationality adjective in the singular (مصري، التونسية، ليبيًا), not a plural
/// (المصريين، التونسيون), which names a group.
pub(super) fn singular_adjective(word: &str) -> bool {
    !["ين", "ون", "يات"].iter().any(|e| word.ends_with(e))
}

/// Whether the adjective at `at` says who one person is: it follows a noun of
/// `PERSON_NOUNS` (with its article, a clitic or a possessive: لاعبه التونسي), a
/// preposition (على مصري، بينهم اللبناني، أحدهما لبناني), or opens its field (مصرية تتوج بلقب). So does a
/// dual (اللبنانيان سيموني تابت وتاسو جريصاتي: two people, never a state), and an
/// indefinite adjective after a definite word (منفذ الهجوم بمدينة نيس الفرنسية، تونسي):
/// an adjective agrees with its noun in the article, so this one is a predicate, what
/// somebody is.
pub(super) fn a_persons_adjective(words: &[&str], at: usize) -> bool {
    let Some(before) = at.checked_sub(1).and_then(|i| words.get(i)) else {
        return true;
    };
    let among = [
        "بينهم",
        "بينهما",
        "منهم",
        "ومنهم",
        "احدهما",
        "احدهم",
        "احداهما",
    ];
    if ["علي", "الي", "عن", "مع"].contains(before) || among.contains(before) {
        return true;
    }
    let word = words.get(at).copied().unwrap_or_default();
    if word.ends_with("يان") || word.ends_with("يتان") {
        return true;
    }
    let definite = |w: &str| {
        let w = w.strip_prefix(['و', 'ف']).unwrap_or(w);
        w.starts_with("ال")
            || w.starts_with("لل")
            || ["بال", "كال"].iter().any(|p| w.starts_with(p))
    };
    if !definite(word) && definite(before) {
        return true;
    }
    // The word as written, and without a conjunction (وشاب): فتاه starts with ف too.
    let forms = [Some(*before), before.strip_prefix(['و', 'ف'])];
    forms.into_iter().flatten().any(|w| {
        let w = w
            .strip_prefix(['ب', 'ل', 'ك'])
            .filter(|r| r.starts_with("ال"))
            .unwrap_or(w);
        let w = w
            .strip_prefix("لل")
            .or_else(|| w.strip_prefix("ال"))
            .unwrap_or(w);
        PERSON_NOUNS.contains(&w)
            || ["ه", "ها"]
                .iter()
                .filter_map(|p| w.strip_suffix(p))
                .any(|stem| PERSON_NOUNS.contains(&stem))
    })
}

/// Whether a noun of `REPORTERS` stands within the three words before the adjective at
/// `at` (مصدر مصري، مصادر أمنية مصرية، تلفزيون القاهرة الإخبارية المصري). Not after و: a
/// list of media (للإذاعة والتلفزيون: الأعمال التونسية) is the story.
pub(super) fn reporters_adjective(words: &[&str], at: usize) -> bool {
    words[at.saturating_sub(3)..at.min(words.len())]
        .iter()
        .any(|w| {
            let w = w
                .strip_prefix(['ب', 'ل'])
                .filter(|r| r.chars().count() > 2)
                .unwrap_or(w);
            let w = w.strip_prefix("ال").unwrap_or(w);
            REPORTERS.contains(&w)
        })
}

/// Whether a count comes right before the adjective (60 مهاجرا تونسيا، 40 ألف تونسي): a
/// group, not one person.
pub(super) fn after_count(words: &[&str], at: usize) -> bool {
    words[at.saturating_sub(2)..at.min(words.len())]
        .iter()
        .any(|w| {
            w.chars()
                .any(|c| c.is_ascii_digit() || ('٠'..='٩').contains(&c))
                || ["الف", "الاف", "مئات", "عشرات", "مليون", "ملايين"].contains(w)
        })
}

/// Whether one of the two words before `at` is a noun of `STATE_NOUNS` (with its
/// conjunction or preposition: والحكومة، للمنتخب).
pub(super) fn after_state_noun(words: &[&str], at: usize) -> bool {
    words[at.saturating_sub(2)..at.min(words.len())]
        .iter()
        .any(|w| STATE_NOUNS.contains(&article_form(w).as_ref()))
}

/// Whether the adjective ending at word `at` is a former office holder's nationality.
pub(super) fn a_former_holders(words: &[&str], at: usize) -> bool {
    let former = if words[at].ends_with('ه') {
        FORMER_FEMININE
    } else {
        FORMER_MASCULINE
    };
    words.get(at + 1).is_some_and(|w| former.contains(w))
}

/// Whether the word at `at` is a later side of a border or crossing «بين» two or three
/// countries (الحدود المشتركة بين ليبيا وتونس، معبر رأس جدير الذي يربط بين ليبيا وتونس،
/// المنطقة الحدودية المعروفة بالمثلث بين السودان ومصر وليبيا): the story is the first
/// side's, and the others locate it, as a neighbour does. The border's word may stand up to
/// three words before «بين» (الشريط الحدودي البري والبحري بين تونس وليبيا), and the
/// conjunction may be written apart (بين تونس و ليبيا).
pub(super) fn border_neighbour(words: &[&str], at: usize) -> bool {
    const BORDER: &[&str] = &[
        "الحدود",
        "الحدودي",
        "الحدوديه",
        "المشتركه",
        "يربط",
        "تربط",
        "الفاصل",
        "الفاصله",
        "معبر",
        "المعبر",
        "منفذ",
        "المنفذ",
    ];
    let apart = at >= 1 && words[at - 1] == "و";
    let second = apart || words.get(at).is_some_and(|w| w.starts_with('و'));
    second
        && (2..=4 + usize::from(apart)).any(|k| {
            at >= k
                && words
                    .get(at - k)
                    .is_some_and(|w| *w == "بين" || *w == "وبين")
                && words[(at - k).saturating_sub(3)..at - k]
                    .iter()
                    .any(|w| BORDER.contains(w))
        })
}

/// How many words from a place the event that it hosts may be named.
pub(super) const EVENT_WINDOW: usize = 12;

/// Whether a place after `word` is where something is held: «في», or a stadium (ملعب،
/// بملعب، استاد، ستاد).
pub(super) fn hosts(word: &str) -> bool {
    word == "في"
        || ["ملعب", "استاد", "ستاد"].iter().any(|n| {
            word.strip_suffix(n)
                .is_some_and(|p| proclitic_chain(p) == Some(false))
        })
}

/// Nouns for a kind of place that may stand between «في» and the place's name (في مدينة
/// بنغازي، بالعاصمة الليبية).
pub(super) const PLACE_NOUNS: &[&str] = &["مدينه", "العاصمه", "محافظه", "ولايه"];

/// Whether the place named at `at` is where something is held: right after a word that
/// [`hosts`], or after a noun of `PLACE_NOUNS` that follows one or carries «ب» itself (في
/// مدينة بنغازي، بمدينة بنغازي). A country's adjective stands for the place only as the
/// capital's (بالعاصمة الليبية) or a stadium's (على ملعب المنزه التونسي): elsewhere it
/// names an actor.
pub(super) fn hosted(words: &[&str], at: usize, adjective: bool) -> bool {
    let before = |k: usize| at.checked_sub(k).and_then(|i| words.get(i)).copied();
    let place_noun = |w: &str| {
        let bare = w.strip_prefix('و').unwrap_or(w);
        if PLACE_NOUNS.contains(&bare) {
            Some(false)
        } else {
            bare.strip_prefix('ب')
                .filter(|r| PLACE_NOUNS.contains(r))
                .map(|_| true)
        }
    };
    let after_noun = |noun: Option<&str>, k: usize| match noun.and_then(place_noun) {
        Some(with_ba) => with_ba || before(k).is_some_and(hosts),
        None => false,
    };
    if adjective {
        let capital = |w: &str| w.ends_with("العاصمه");
        let stadium = before(2).is_some_and(|w| w != "في" && hosts(w));
        return before(1).is_some_and(capital) && after_noun(before(1), 2) || stadium;
    }
    before(1).is_some_and(hosts) || after_noun(before(1), 2)
}

/// Whether a word of `EVENTS` (with its proclitics and suffixes: بلقاء، مبارياته) stands
/// within [`EVENT_WINDOW`] words of `at`.
pub(super) fn event_near(words: &[&str], at: usize) -> bool {
    let end = (at + EVENT_WINDOW).min(words.len());
    words[at.saturating_sub(EVENT_WINDOW)..end].iter().any(|w| {
        (0..=3).any(|cut| {
            w.char_indices().nth(cut).is_some_and(|(i, _)| {
                proclitic_chain(&w[..i]).is_some() && {
                    let rest = &w[i..];
                    EVENTS.iter().any(|e| rest.starts_with(e))
                }
            })
        })
    })
}

/// Whether a noun of `MEDIATION` stands within the two words before `at` (بوساطة مصرية،
/// برعاية الجماهيرية الليبية، الوساطة القطرية المصرية, بوساطة مصر وقطر), with its conjunction.
pub(super) fn mediators(words: &[&str], at: usize) -> bool {
    words[at.saturating_sub(2)..at.min(words.len())]
        .iter()
        .any(|w| {
            MEDIATION.contains(w) || w.strip_prefix('و').is_some_and(|r| MEDIATION.contains(&r))
        })
}

/// Whether the name at `at` is a border crossing's: right after a crossing's noun, or after
/// one and its adjective (معبر رفح، بالمعبر الحدودي رأس جدير، منفذ السلوم البري).
pub(super) fn crossing_name(words: &[&str], at: usize) -> bool {
    const CROSSING: &[&str] = &["معبر", "منفذ", "المعبر", "المنفذ"];
    let noun = |i: usize| {
        words.get(i).is_some_and(|w| {
            // With its preposition, before the article or not: بالمعبر، للمعبر، بمعبر.
            let bare = w.strip_prefix('و').unwrap_or(w);
            CROSSING.contains(&article_form(w).as_ref())
                || bare
                    .strip_prefix(['ب', 'ل'])
                    .is_some_and(|r| CROSSING.contains(&r))
        })
    };
    (at >= 1 && noun(at - 1))
        || (at >= 2 && ["الحدودي", "البري"].contains(&words[at - 1]) && noun(at - 2))
}

/// Whether a country's adjective at `at` names a state's acting body (السلطات التونسية،
/// سلطات الأمن الليبية، القوات العسكرية الجزائرية): at a crossing, the side that acts.
pub(super) fn acting_state(words: &[&str], at: usize) -> bool {
    const ACTORS: &[&str] = &[
        "السلطات",
        "سلطات",
        "الامن",
        "القوات",
        "قوات",
        "الجيش",
        "الحرس",
        "الشرطه",
        "الحكومه",
        "الداخليه",
        "الوحدات",
    ];
    words[at.saturating_sub(2)..at.min(words.len())]
        .iter()
        .any(|w| ACTORS.contains(&w.strip_prefix('و').unwrap_or(w)))
}

/// Whether an event of `EVENTS` within [`EVENT_WINDOW`] words of `at` is a region's (القمة
/// العربية، البطولة الأفريقية): its parties are other countries, named or not.
pub(super) fn regional_event_near(words: &[&str], at: usize) -> bool {
    let start = at.saturating_sub(EVENT_WINDOW);
    let end = (at + EVENT_WINDOW).min(words.len());
    (start..end).any(|i| {
        // The region's adjective may follow another (المؤتمر القومي العربي).
        words[(i + 1).min(words.len())..(i + 3).min(words.len())]
            .iter()
            .any(|next| SUPRANATIONAL.contains(next))
            && event_near(&words[i..=i], 0)
    })
}

/// Whether the country named at `at` is one a place is near (قرب ليبيا، بالقرب من
/// مصر): the place is outside it, across its border. `word` is the name in matching form.
pub(super) fn near_country(words: &[&str], at: usize, word: &str) -> bool {
    let name = word.strip_prefix("ال").unwrap_or(word);
    let near = (at >= 1 && words[at - 1] == "قرب")
        || (at >= 2
            && words[at - 1] == "من"
            && ["بالقرب", "قريبا", "قريبه"].contains(&words[at - 2]));
    near && PLACES.contains(&name)
}

/// Whether the word at `at` ends a route «من … إلى» (تهريب الوقود من ولاية الطارف إلى
/// تونس): where goods or people head, as after a movement word.
pub(super) fn route_end(words: &[&str], at: usize) -> bool {
    at >= 3 && words[at - 1] == "الي" && words[at.saturating_sub(5)..at - 1].contains(&"من")
}

/// Whether a list entry at `at` is one of the two sides of a relation (بين مصر والسودان،
/// بين بلاده ومصر والسودان): "between" names the parties of a border or a dispute, which are
/// each the subject, unlike "among" (من بين الدول).
pub(super) fn between_two(words: &[&str], at: usize) -> bool {
    (1..=3).any(|k| {
        at >= k
            && words
                .get(at - k)
                .is_some_and(|w| *w == "بين" || *w == "وبين")
            && (at - k == 0 || words[at - k - 1] != "من")
    })
}

/// A term mention or a place in the text, for finding enumerations.
#[derive(Clone, Copy)]
pub(super) struct Edge {
    pub(super) topic: usize,
    pub(super) start: usize,
    pub(super) end: usize,
    /// Its word starts with the conjunction و.
    pub(super) and: bool,
    /// A definite adjective used as a noun may head a person's name (المصري عمر مرموش).
    pub(super) person: bool,
}

/// The text's mentions and places, sorted by first and by last word.
pub(super) struct Lists<'a> {
    pub(super) by_start: &'a [Edge],
    pub(super) by_end: &'a [Edge],
}

impl Lists<'_> {
    pub(super) fn starting_at(&self, word: usize) -> &[Edge] {
        let a = self.by_start.partition_point(|e| e.start < word);
        let b = self.by_start.partition_point(|e| e.start <= word);
        &self.by_start[a..b]
    }

    pub(super) fn ending_at(&self, word: usize) -> &[Edge] {
        let a = self.by_end.partition_point(|e| e.end < word);
        let b = self.by_end.partition_point(|e| e.end <= word);
        &self.by_end[a..b]
    }

    /// Whether a mention joins another topic's mention or another place with و, as in an
    /// enumeration (مصر والسودان، تشاد ومصر وليبيا): the text then names the parties of a
    /// story, not its subject. A compound (النفط الليبي) is not one, and neither is a place
    /// that is one of the topic's own terms (طرابلس وبنغازي for Libya). Binary searches on
    /// the two sorted copies: a few steps per mention however dense the text.
    pub(super) fn enumerated(&self, me: &Edge) -> bool {
        let other = |o: &Edge| {
            if o.topic == PLACE {
                !self
                    .starting_at(o.start)
                    .iter()
                    .any(|t| t.topic == me.topic)
            } else {
                o.topic != me.topic
            }
        };
        let before = me.and && me.start > 0 && self.ending_at(me.start - 1).iter().any(&other);
        if before {
            return true;
        }
        // The next name, or a run of names written with commas (مصر، الجزائر، والمغرب: the
        // commas are gone in the matching form) that ends with one carrying و.
        let mut at = me.end + 1;
        for _ in 0..4 {
            let next = self.starting_at(at);
            if next.iter().any(|o| o.and && other(o)) {
                return true;
            }
            match next.iter().find(|o| !o.and && other(o)) {
                Some(o) => at = o.end + 1,
                None => break,
            }
        }
        // A roster of people by nationality, each with a name of one to three words
        // (المصري عمر مرموش، والتونسي إلياس السخيري، والجزائري فارس شايبي).
        me.person
            && ((me.and
                && (2..=4).any(|gap| {
                    me.start >= gap
                        && self
                            .ending_at(me.start - gap)
                            .iter()
                            .any(|o| o.person && other(o))
                }))
                || (2..=4).any(|gap| {
                    self.starting_at(me.end + gap)
                        .iter()
                        .any(|o| o.and && o.person && other(o))
                }))
    }
}
