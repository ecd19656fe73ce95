//! The built-in word lists of the tagger: places, the words around a mention that say what
//! it is (a venue, a way through, an origin, a home institution), given names, months and
//! stop words. Each list's comment says what a word on it does to a mention and whether it
//! is written in matching form or as a term; the rules that read them are in the parent
//! module.

/// Months' names in matching form: Egyptian, Levantine and Maghrebi calendars.
pub(super) const MONTHS: &[&str] = &[
    "يناير",
    "فبراير",
    "مارس",
    "ابريل",
    "مايو",
    "يونيو",
    "يوليو",
    "اغسطس",
    "سبتمبر",
    "اكتوبر",
    "نوفمبر",
    "ديسمبر",
    "كانون",
    "شباط",
    "اذار",
    "نيسان",
    "ايار",
    "حزيران",
    "تموز",
    "اب",
    "ايلول",
    "تشرين",
    "جانفي",
    "فيفري",
    "افريل",
    "ماي",
    "جوان",
    "جويليه",
    "اوت",
];

/// A language's noun (matching form): the adjective after it names a language.
pub(super) const LANGUAGE_NOUNS: &[&str] = &["اللغه", "باللغه", "للغه", "واللغه", "لغه", "بلغه"];

/// Countries (and, in [`CAPITALS`], capitals), to recognise a list of them: a name joined
/// by و to one of these (or to another topic's term) is one entry of a list. Written as
/// terms, so nisba forms count (مغربية وجزائرية وتونسية). Only names that are not common words: مالي ("financial")
/// and the like are left out.
pub(super) const PLACES: &[&str] = &[
    "مصر",
    "ليبيا",
    "تونس",
    "سودان",
    "لبنان",
    "سوريا",
    "سورية",
    "عراق",
    "اردن",
    "سعودي",
    "الكويت",
    "قطر",
    "البحرين",
    "الامارات",
    "عمان",
    "جزائر",
    "مغرب",
    "موريتانيا",
    "فلسطين",
    "اسرائيل",
    "ايران",
    "تركيا",
    "اليمن",
    "اثيوبيا",
    "اريتريا",
    "الصومال",
    "جيبوتي",
    "تشاد",
    "النيجر",
    "نيجيريا",
    "كينيا",
    "اوغندا",
    "امريكا",
    "الولايات المتحدة",
    "روسيا",
    "الصين",
    "فرنسا",
    "بريطانيا",
    "ألمانيا",
    "ايطاليا",
    "اسبانيا",
    "اليونان",
    "افغانستان",
    "باكستان",
    "الهند",
    "كوريا",
];

/// Capitals and world cities that name their country's story (matching form), whole
/// words only: a ministry "in Kyiv" is no domestic paper's own.
pub(super) const CAPITALS: &[&str] = &[
    "بغداد",
    "دمشق",
    "بيروت",
    "صنعاء",
    "الرياض",
    "طهران",
    "انقرة",
    "الدوحة",
    "ابوظبي",
    "الرباط",
    "الخرطوم",
    "القاهرة",
    "موسكو",
    "واشنطن",
    "باريس",
    "لندن",
    "برلين",
    "روما",
    "مدريد",
    "بروكسل",
    "جنيف",
    "فيينا",
    "اثينا",
    "كييف",
    "نيويورك",
    "بكين",
    "طوكيو",
    "نيودلهي",
    "اسطنبول",
    "كابول",
    "القدس",
    "غزة",
];

/// Event words (and, in `HOSTING`, hosting verbs): a place named right after one (قمة
/// تونس، مهرجان القاهرة، استضافت القاهرة، عقد في تونس) is where an event is held, worth one body mention in any
/// field. The story is the event: a summit, a festival, other parties' talks. Not with the
/// article or an adjective (القمة التونسية، المؤتمر اليمني): then the event is the country's.
pub(super) const VENUE_BEFORE: &[&str] = &[
    "قمة",
    "مهرجان",
    "مؤتمر",
    "منتدى",
    "ملتقى",
    "معرض",
    "عقد في",
    "عقدت في",
    "تعقد في",
    "يعقد في",
    "انعقد في",
    "انعقدت في",
    "المنعقد في",
    "المنعقدة في",
];

/// Hosting verbs: a place right after one is a venue as after a word of `VENUE_BEFORE`,
/// and so is a place after one and a state's title (تستضيف جمهورية مصر العربية).
pub(super) const HOSTING: &[&str] = &[
    "استضافت",
    "تستضيف",
    "يستضيف",
    "استضاف",
    "احتضنت",
    "تحتضن",
    "يحتضن",
    "احتضن",
];

/// Words between a hosting verb and the host's name: a state's titles and the kinds of
/// place that host (احتضن ملعب بنغازي، تستضيف مدينة سرت).
pub(super) const HOST_TITLES: &[&str] = &["جمهورية", "دولة", "العاصمة", "ملعب", "استاد", "مدينة"];

/// Hosting nouns after the host's name (يختار ليبيا لاستقبال مبارياته): the place before one is
/// a venue as after a hosting verb.
pub(super) const HOSTING_AFTER: &[&str] = &["لاستقبال", "لاستضافه", "لاحتضان"];

/// Into a country's territory (تهريب أحد المطلوبين إلى الأراضي التونسية): where someone
/// heads, as after a word of `MOVEMENT`; «إلى» alone may be a visit's or a policy's aim.
pub(super) const INTO: &[&str] = &[
    "إلى الأراضي",
    "إلى أراضي",
    "إلى التراب",
    "إلى المياه",
    "إلى السواحل",
];

/// A mediator's or sponsor's nouns (بوساطة، برعاية، مبادرة), as normalized: a country named
/// right after one brokers other parties' talks.
pub(super) const MEDIATION: &[&str] = &[
    "وساطه",
    "بوساطه",
    "الوساطه",
    "وسيط",
    "الوسيط",
    "وسطاء",
    "الوسطاء",
    "رعايه",
    "برعايه",
    "مبادره",
    "بمبادره",
    // Sponsored it (اجتماع ثلاثي في طرابلس رعته ليبيا).
    "رعته",
    "رعاه",
    "رعتها",
    "رعاها",
    "ترعاه",
    "يرعاه",
    "ترعاها",
    "يرعاها",
];

/// «Father of», as a kunya opens a name: a definite adjective after it and one more word
/// (أبو يحيى الليبي، أبو عياض التونسي، مقتل أبي محمد المصري) is a nom de guerre, a surname.
/// Written as normalized, with و.
pub(super) const KUNYA: &[&str] = &["ابو", "ابا", "ابي", "وابو", "وابي"];

/// Common given names: a definite adjective of a place right after one (طاهر المصري، بيرم
/// التونسي، مشير المصري) is a surname, as after a term's `not_after` word. Only names that
/// are not also common words before an adjective: علي is على after folding, عمر is "age"
/// (عمر المصريين), أمل "hope", جمال "beauty", سيد "master".
pub(super) const GIVEN_NAMES: &[&str] = &[
    "صبيح",
    "محمد",
    "أحمد",
    "محمود",
    "مصطفى",
    "إبراهيم",
    "إسماعيل",
    "يوسف",
    "خالد",
    "طارق",
    "طاهر",
    "ياسر",
    "هاني",
    "سامي",
    "سامر",
    "رامي",
    "وليد",
    "عمرو",
    "حسين",
    "حسام",
    "هشام",
    "عصام",
    "أسامة",
    "باسم",
    "بسام",
    "ماهر",
    "مازن",
    "نزار",
    "منيب",
    "مشير",
    "فادي",
    "زياد",
    "عماد",
    "مراد",
    "مجدي",
    "حمدي",
    "رمزي",
    "فتحي",
    "صبري",
    "فوزي",
    "شوقي",
    "حازم",
    "أيمن",
    "تامر",
    "معتز",
    "بيرم",
    "طلعت",
    "عبدالله",
    "ناصر",
    "عثمان",
    "حمزة",
    "أنس",
    "بلال",
    "فاطمة",
    "مريم",
    "ليلى",
    "سارة",
    "نادية",
    "رانيا",
    "دينا",
    "ريم",
    "هالة",
    "سلمى",
    "شيرين",
    "نيفين",
    "ياسمين",
    "رشا",
    "غادة",
    "داليا",
    "نهى",
];

/// Nouns of streets, squares, bridges and businesses: a place in construct right after one
/// (ميدان لبنان بالمهندسين، شارع لبنان، مطعم القاهرة، مستشفى مصر الدولي، ساحتي عدن وصنعاء
/// in Baghdad) is part of a name, not a mention: such names are everywhere in the region's
/// local news, and say nothing of where the story is. Not with the article (الشارع
/// اللبناني is Lebanese public opinion) and not for an adjective.
pub(super) const NAMED_AFTER: &[&str] = &[
    "شارع",
    "ميدان",
    "ساحة",
    "ساحتي",
    "جادة",
    "جسر",
    "مجسر",
    "مجسري",
    "كوبري",
    "نفق",
    "مطعم",
    "مقهى",
    "فندق",
    "مستشفى",
];

/// Words of a movement: a place right after one, or after one and a word of [`TERRITORY`]
/// (باتجاه الأراضي التونسية، قادما من العاصمة المصرية), is where someone comes from or heads
/// to, worth one body mention in any field: the story is where the movement is seen.
pub(super) const MOVEMENT: &[&str] = &[
    "باتجاه",
    "نحو",
    "قادما من",
    "قادمة من",
    "قادمين من",
    "قادمون من",
    "عائدا من",
    "عائدة من",
    "عائدين من",
    "عائدون من",
    "قدم من",
    "قدموا من",
    "قدمت من",
    "ينحدر من",
    "تنحدر من",
    "ينحدرون من",
    "وصوله من",
    "وصولها من",
    "وصولهم من",
    "غادر",
    "غادرت",
    "يغادر",
    "تغادر",
    "مغادرا",
    "مغادرة",
    "متوجها الى",
    "متوجهة الى",
    "متوجهين الى",
    "يتوجه الى",
    "تتوجه الى",
    "سيتوجه الى",
    "ستتوجه الى",
];

/// Words that locate a place by its neighbour (رفح المحاذية لمصر، على الحدود مع ليبيا): the
/// neighbour right after one is a landmark, worth one body mention in any field like a
/// place passed through.
/// Words that compare with a country (يتفوق على مصر): the country right after one is a
/// yardstick, worth one body mention like a place passed through.
pub(super) const COMPARED_WITH: &[&str] = &[
    "يتفوق علي",
    "تتفوق علي",
    "تفوق علي",
    "متفوقا علي",
    "متفوقه علي",
    "متقدما علي",
    "متقدمه علي",
];

pub(super) const BORDERING: &[&str] = &["المحاذية", "المحاذي", "المتاخمة", "المتاخم", "الحدود مع"];

/// National institutions that a domestic outlet names without its country (matching
/// form): the state's offices, general authorities and companies, the weather authority,
/// the oversight authority, customs, the water company, municipalities and their councils,
/// ministers and governors, prosecutors and police, the armed forces and their
/// spokesman, public universities, schools and hospitals, the national exams (الثانوية
/// العامة، الشهادة الإعدادية، البكالوريا), chambers of commerce and the federation of
/// industries, the professions' syndicates, "the country" itself (في البلاد، محافظات
/// الجمهورية), the local market (الأسواق المحلية) and the local currency (a price in جنيه،
/// دينار، ليرة; not ريال, which is also Real Madrid). Not when an adjective of
/// `SUPRANATIONAL` follows (البرلمان العربي). A national paper's minister or price with no country named is its
/// own country's, as its reader takes it. The national team and "national" alone have
/// lists of their own (`NATIONAL_TEAM`, `NATIONAL`).
pub(super) const HOME_INSTITUTIONS: &[&str] = &[
    "رياسه الجمهوريه",
    "رييس الجمهوريه",
    "مجلس الوزراء",
    "رييس الوزراء",
    "رييس الحكومه",
    "مجلس النواب",
    "البرلمان",
    "البنك المركزي",
    "وزير",
    "وزاره",
    "محافظ",
    "النايب العام",
    "النيابه العامه",
    "الشرطه",
    "مديريه الامن",
    "الدفاع المدني",
    "الهيئه العامه",
    "الشركه العامه",
    "الجامعات الحكوميه",
    "المدارس الحكوميه",
    "المستشفيات الحكوميه",
    "البلاد",
    "نقابه",
    "جنيه",
    "جنيهات",
    "دينار",
    "دنانير",
    "ليره",
    "ليرات",
    "الثانويه العامه",
    "الغرفه التجاريه",
    "اتحاد الصناعات",
    "القوات المسلحه",
    "المتحدث العسكري",
    "محافظات الجمهوريه",
    "السوق المحلي",
    "السوق المحليه",
    "الاسواق المحليه",
    "المجلس البلدي",
    "عميد بلديه",
    "البلديه",
    "هييه الرقابه الاداريه",
    "شركه مياه الشرب",
    "مصلحه الجمارك",
    "هييه الارصاد",
    "الشهاده الاعداديه",
    "البكالوريا",
    "الباكالوريا",
];

/// Adjectives that make an institution a region's or the world's (البرلمان العربي، البنك
/// المركزي الأوروبي), in matching form.
pub(super) const SUPRANATIONAL: &[&str] = &[
    "العربي",
    "العربيه",
    "الاوروبي",
    "الاوروبيه",
    "الافريقي",
    "الافريقيه",
    "الخليجي",
    "الخليجيه",
    "الدولي",
    "الدوليه",
    "العالمي",
    "العالميه",
    "الاممي",
    "الامميه",
];

/// The national team, first or Olympic, the home side whoever it plays (matching form).
pub(super) const NATIONAL_TEAM: &[&str] = &[
    "المنتخب الوطني",
    "منتخبنا",
    "المنتخب الاول",
    "المنتخب الاولمبي",
    "المنتخب الاوليمبي",
    "منتخب الشباب",
    "منتخبا الشباب",
    "منتخب الناشيين",
];

/// "National" alone (المعهد الوطني، المدرب الوطني، الشبكة القومية): the home country's,
/// unless it follows a plural (شركات البترول الوطنية are anyone's).
pub(super) const NATIONAL: &[&str] = &["الوطني", "الوطنيه", "القومي", "القوميه"];

/// Countries whose naming sets a story abroad for the Arab countries' topics, with their
/// adjectives (الألمانية، الأمريكي): Europe, the Americas, Asia and Africa beyond the Arab
/// world, where the people-by-nationality stories of Arab desks happen, and whose ministers
/// are not a domestic paper's own (وزارة الدفاع الأوكرانية). Names that are also common
/// words are left out (مالي "financial", كوبا "a cup", جورجيا a given name).
pub(super) const ABROAD: &[&str] = &[
    "امريكا",
    "الولايات المتحده",
    // Seats of power that name their country (البنتاغون: the United States).
    "البنتاغون",
    "البنتاجون",
    "البيت الابيض",
    "الكرملين",
    "كندا",
    "البرازيل",
    "الارجنتين",
    "المكسيك",
    "روسيا",
    "الصين",
    "اليابان",
    "كوريا",
    "استراليا",
    "فرنسا",
    "بريطانيا",
    "انجلترا",
    "انجليزي",
    "انكلترا",
    "انكليزي",
    "ألمانيا",
    "ايطاليا",
    "اسبانيا",
    "البرتغال",
    "اليونان",
    "بلجيكا",
    "هولندا",
    "سويسرا",
    "النمسا",
    "السويد",
    "النرويج",
    "الدنمارك",
    "ايرلندا",
    "بولندا",
    "اوكرانيا",
    "رومانيا",
    "المجر",
    "التشيك",
    "صربيا",
    "بلغاريا",
    "كرواتيا",
    "فنلندا",
    "ارمينيا",
    "اذربيجان",
    "كازاخستان",
    "اندونيسيا",
    "ماليزيا",
    "الفلبين",
    "تايلاند",
    "فيتنام",
    "سنغافوره",
    "بنغلاديش",
    "سريلانكا",
    "ميانمار",
    "نيوزيلندا",
    "فنزويلا",
    "كولومبيا",
    "تشيلي",
    "جنوب افريقيا",
    "افريقيا الوسطي",
    "السنغال",
    "الكاميرون",
    "الكونغو",
    "تنزانيا",
    "رواندا",
];

/// Nouns for one side of a crossing or border, before a nationality adjective and «من».
pub(super) const SIDE: &[&str] = &["الجانب", "الشطر"];

/// Words for a country's land, coast or border, between a movement word and its name.
pub(super) const TERRITORY: &[&str] = &[
    "",
    "الأراضي",
    "أراضي",
    "الحدود",
    "حدود",
    "السواحل",
    "سواحل",
    "التراب",
    "المياه",
    "العاصمة",
    "مدينة",
    "محافظة",
    "ولاية",
    "بلدة",
    "البلاد إلى",
];

/// Words before an adjective that make it a person's origin (من أصل تونسي، من أصول
/// لبنانية), and after it (تونسي الأصل).
pub(super) const ORIGIN_BEFORE: &[&str] = &[
    "من أصل",
    "من أصول",
    "ذو أصول",
    "ذات أصول",
    "ذوي أصول",
    "أصوله",
    "أصولها",
    // One person's passport; a group holding it (يحملون الجنسية) may be the story.
    "يحمل الجنسية",
    "تحمل الجنسية",
    // A passport (جواز سفر تونسيا); the country's passport (جواز السفر التونسي) is its own.
    "جواز سفر",
];

pub(super) const ORIGIN_AFTER: &[&str] = &["الأصل", "الجنسية"];

/// Nouns of a state or an institution (normalized, with the article): a definite adjective
/// after one (النيابة العامة التونسية، المنتخب السوداني) names the institution, not a person.
pub(super) const STATE_NOUNS: &[&str] = &[
    "الحكومه",
    "الدوله",
    "الجيش",
    "الشرطه",
    "الامن",
    "النيابه",
    "القضاء",
    "المحكمه",
    "البرلمان",
    "المجلس",
    "النواب",
    "الوزاره",
    "الوزير",
    "الوزراء",
    "الرئيس",
    "الرئاسه",
    "الخارجيه",
    "الداخليه",
    "الدفاع",
    "العدل",
    "السلطات",
    "السلطه",
    "السفاره",
    "السفير",
    "القنصليه",
    "الاتحاد",
    "المنتخب",
    "الدوري",
    "النادي",
    "البنك",
    "المصرف",
    "الشعب",
    "الجنسيه",
    "العاصمه",
    "الاراضي",
    "الحدود",
    "السواحل",
    "المياه",
    "القوات",
    "الحرس",
    "البحريه",
    "الجمارك",
    "الشركه",
    "الموسسه",
    "الهيئه",
    "الجامعه",
    "العامه",
    "العموميه",
    "الوطنيه",
    "الاعلام",
    "التلفزيون",
    "الوكاله",
    "الحزب",
    "الحركه",
    "الموتمر",
];

/// Nouns for one person, or for a gang or clan of people (matching form, without the
/// article), before a nationality adjective that then says who the person is.
pub(super) const PERSON_NOUNS: &[&str] = &[
    "مواطن",
    "مواطنه",
    "مواطنا",
    "شاب",
    "شابه",
    "شابا",
    "فتاه",
    "فتي",
    "رجل",
    "رجلا",
    "امراه",
    "سيده",
    "طفل",
    "طفله",
    "قاصر",
    "طالب",
    "طالبه",
    "لاعب",
    "لاعبه",
    "ملاكم",
    "عداء",
    "روايي",
    "كاتب",
    "كاتبه",
    "شاعر",
    "فنان",
    "فنانه",
    "مغني",
    "مغنيه",
    "ممثل",
    "ممثله",
    "مهندس",
    "مهندسه",
    "شيخ",
    "مسن",
    "طبيب",
    "طبيبه",
    "عامل",
    "عامله",
    "لاجي",
    "لاجيه",
    "مهاجر",
    "مهاجره",
    "مهاجرا",
    "متهم",
    "مشتبه",
    "منفذ",
    "مسلح",
    "سايح",
    "سايحه",
    "باحث",
    "باحثه",
    "ناشط",
    "ناشطه",
    "مدرب",
    "ملكه",
    "نجم",
    "نجمه",
    "اسلامي",
    "متشدد",
    "جهادي",
    "ارهابي",
    "داعشي",
    // A gang or a clan is its people, by their origin (عشائر لبنانية في ألمانيا).
    "عصابه",
    "مافيا",
    "عشيره",
    "عشاير",
];

/// Nouns of a news source, before a nationality adjective that then says who reports.
pub(super) const REPORTERS: &[&str] = &[
    "مصدر",
    "مصادر",
    "وكاله",
    "صحيفه",
    "صحف",
    "تلفزيون",
    "التلفزيون",
    "قناه",
    "اذاعه",
];

/// Words after an adjective that make it a former office holder's (الوزير اللبناني السابق,
/// لاعب كرة القدم التونسي السابق): who the person was, not the state they serve. By the
/// adjective's gender: "former" must agree with it to describe the same noun (in نجم الكرة
/// المصرية السابق the star is former, Egyptian football is not).
pub(super) const FORMER_MASCULINE: &[&str] = &["السابق", "الاسبق"];

pub(super) const FORMER_FEMININE: &[&str] = &["السابقه", "الاسبق"];

/// Stems of the words for a match, talks or a conference (مباراة، لقاء، مواجهة، تصفيات،
/// مباحثات، مفاوضات، مؤتمر، منتدى، قمة، بطولة), in matching form: an event whose parties the item
/// names.
/// A stem ending in ه also stands as ت before a pronoun (مباراته), not as مواجهات
/// (clashes).
pub(super) const EVENTS: &[&str] = &[
    "مباراه",
    "مبارات",
    "مباريات",
    "لقاء",
    "مواجهه",
    "مواجهت",
    "تصفيات",
    "وديه",
    "مباحثات",
    "محادثات",
    "مفاوضات",
    "موتمر",
    "منتدي",
    "ملتقي",
    "قمه",
    "بطوله",
    "كاس",
    "مشاورات",
    "اجتماع",
];

/// Words so common in Arabic news that, as a term, they tag nearly every item: particles,
/// prepositions, the article, pronouns and the commonest verbs of reporting. After
/// normalization (ى → ي, أ → ا, ة → ه).
pub(super) const STOP_WORDS: &[&str] = &[
    "ال",
    "من",
    "في",
    "علي",
    "الي",
    "عن",
    "مع",
    "ان",
    "او",
    "ام",
    "ما",
    "لا",
    "لم",
    "لن",
    "قد",
    "ثم",
    "هو",
    "هي",
    "هم",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "التي",
    "الذي",
    "الذين",
    "كان",
    "كانت",
    "بعد",
    "قبل",
    "بين",
    "حتي",
    "كل",
    "غير",
    "عند",
    "منذ",
    "خلال",
    "حول",
    "ضد",
    "عبر",
    "لدي",
    "قال",
    "قالت",
    "اكد",
    "اكدت",
    "وقال",
    "يوم",
    "اليوم",
    "عام",
    "امس",
    "the",
    "of",
    "and",
    "in",
    "to",
    "a",
    "on",
    "for",
];

/// Whether `prefix` is a proclitic chain, (و|ف)? (ب|ك|ل)? (ال)? with ل + ال written لل,
/// and if so whether it ends in the article. «ك» ("like") comes only before the article
/// (كالقاهرة): before a bare word it is far more often the word's own first letter
/// (كابينة is not ك + أبين + ة).
pub(super) fn proclitic_chain(prefix: &str) -> Option<bool> {
    let mut rest = prefix;
    if let Some(r) = rest.strip_prefix(['و', 'ف']) {
        rest = r;
    }
    if let Some(r) = rest.strip_prefix("لل") {
        return r.is_empty().then_some(true);
    }
    if let Some(r) = rest.strip_prefix('ك') {
        return (r == "ال").then_some(true);
    }
    if let Some(r) = rest.strip_prefix(['ب', 'ك', 'ل']) {
        rest = r;
    }
    match rest {
        "" => Some(false),
        "ال" => Some(true),
        _ => None,
    }
}

/// Suffixes allowed after a stem that keeps its last letter (طرابلس، حفتر، تونس).
pub(super) const SUFFIXES: &[&str] = &[
    "", "ي", "يه", "يون", "يين", "يات", "يان", "ه", "ها", "هم", "هما", "ات", "ين", "ون", "ان", "يا",
];
/// Suffixes allowed after a short (≤ 3 letters) stem, where more would hit other words.
pub(super) const SHORT_SUFFIXES: &[&str] = &["", "ي", "يه", "يون", "يين", "يا"];
/// Suffixes allowed after a stem whose final ا/ه/ي was removed (ليبيا → ليبي…).
pub(super) const STRIPPED_SUFFIXES: &[&str] = &[
    "ي",
    "يه",
    "يون",
    "يين",
    "يان",
    "ه",
    "ها",
    "هم",
    "ين",
    "ون",
    "ات",
    "اوي",
    "اويه",
    "اويون",
    "اويين",
];
/// The nisba endings a country's name takes (ي، ية، يون، يين، يات، يان، يًا).
pub(super) const NISBA_SUFFIXES: &[&str] = &["", "ي", "يه", "يون", "يين", "يات", "يان", "يا"];
/// The same after a stem that is already the adjective (ليبي: ليبية، ليبيين، ليبيون…).
pub(super) const STRIPPED_NISBA_SUFFIXES: &[&str] = &["ه", "ين", "ون", "ات", "ان"];
