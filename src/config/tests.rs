use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn setup(sources: &str, topics: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let main = write(
        dir.path(),
        "marsad.toml",
        "sources_file = \"sources.toml\"\ntopics_file = \"topics.toml\"\n[storage]\ndatabase = \"db/m.db\"\n",
    );
    write(dir.path(), "sources.toml", sources);
    write(dir.path(), "topics.toml", topics);
    (dir, main)
}

const TOPIC: &str = "[[topics]]\nslug = \"libya\"\nname = \"ليبيا\"\nterms = [\"ليبيا\"]\n";

#[test]
fn the_shipped_config_loads() {
    let c = load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/marsad.toml"
    )))
    .unwrap();
    assert!(c.sources.len() >= 8);
    assert!(c.topics.iter().any(|t| t.slug == "libya"));
    assert!(c.storage.database.ends_with("data/marsad.db"));
    let e = load_embedded().unwrap();
    assert_eq!(e.sources.len(), c.sources.len());
    assert_eq!(e.storage.database, Path::new("config/../data/marsad.db"));
}

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let (dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://127.0.0.1/f.xml\"\ninterval = \"10m\"\n",
        TOPIC,
    );
    let c = load(&main).unwrap();
    assert_eq!(c.storage.database, dir.path().join("db/m.db"));
    assert!(matches!(c.sources[0].schedule, Schedule::Every(d) if d == Duration::from_secs(600)));
    assert_eq!(c.sources[0].language, "ar");
    assert!(c.sources[0].enabled);
}

#[test]
fn a_typo_in_a_key_gets_file_line_col_and_a_hint() {
    let (_dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"الجزيرة\"\nurl = \"http://x/f\"\nintervl = \"10m\"\n",
        TOPIC,
    );
    let err = load(&main).unwrap_err();
    assert_eq!(err.0.len(), 1);
    let e = &err.0[0];
    assert!(e.file.ends_with("sources.toml"));
    assert_eq!((e.line, e.col), (5, 1));
    assert!(
        e.message.contains("unknown field `intervl`"),
        "{}",
        e.message
    );
    assert!(
        e.message.ends_with("did you mean `interval`?"),
        "{}",
        e.message
    );
}

#[test]
fn semantic_errors_are_all_reported_with_positions() {
    let (_dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x/f\"\n\n[[sources]]\nid = \"a\"\nname = \"B\"\nurl = \"ftp://x/f\"\ncron = \"61 * * * *\"\n",
        "[[topics]]\nslug = \"x\"\nname = \"س\"\n",
    );
    let err = load(&main).unwrap_err();
    let text: Vec<String> = err
        .0
        .iter()
        .map(|e| format!("{}:{}: {}", e.line, e.col, e.message))
        .collect();
    assert_eq!(text.len(), 4, "{text:#?}");
    assert_eq!(text[0], "7:6: duplicate source id \"a\"");
    assert!(
        text[1].starts_with("9:7: url scheme \"ftp\""),
        "{}",
        text[1]
    );
    assert!(text[2].starts_with("10:8: cron: "), "{}", text[2]);
    assert!(
        text[3].starts_with("2:8: topic \"x\" has no terms"),
        "{}",
        text[3]
    );
    assert!(
        err.to_string()
            .contains("sources.toml:7:6: duplicate source id")
    );
}

#[test]
fn a_syntax_error_on_an_arabic_line_counts_columns_in_characters() {
    let (_dir, main) = setup("", "[[topics]]\nslug = \"libya\"\nname = \"ليبيا\" x\n");
    let e = &load(&main).unwrap_err().0[0];
    assert_eq!((e.line, e.col), (3, 16), "{e}");
}

#[test]
fn five_field_cron_lines_are_accepted() {
    assert!(parse_cron("*/20 * * * *").is_ok());
    assert!(parse_cron("0 */20 * * * *").is_ok());
    assert!(parse_cron("every minute").is_err());
}

#[test]
fn term_tables_are_read_with_their_options() {
    let (_dir, main) = setup(
        "",
        "[[topics]]\nslug = \"libya\"\nname = \"ليبيا\"\nmin_score = 3\nterms = [\"ليبيا\", { term = \"طرابلس\", unless_near = [\"لبنان\"], window = 5 }, { term = \"سرت\", exact = true, weight = 2 }]\n",
    );
    let c = load(&main).unwrap();
    let t = &c.topics[0];
    assert_eq!(t.min_score, 3.0);
    assert_eq!(t.terms[0], TermSpec::plain("ليبيا"));
    assert_eq!(t.terms[1].unless_near, vec!["لبنان".to_string()]);
    assert_eq!(t.terms[1].window, 5);
    assert!(t.terms[2].exact);
    assert_eq!(t.terms[2].weight, 2.0);
}

#[test]
fn readings_and_phrase_guards_are_read_and_a_guard_must_be_longer_than_its_term() {
    let (_dir, main) = setup(
        "",
        "[[topics]]\nslug = \"sudan\"\nname = \"السودان\"\nterms = [{ term = \"سودان\", not_in = [\"جنوب السودان\"], not_after = [\"شياع\"], other_sense = [\"جوبا\"], sense = [\"الخرطوم\"] }]\n",
    );
    let t = &load(&main).unwrap().topics[0].terms[0];
    assert_eq!(t.not_in, ["جنوب السودان"]);
    assert_eq!(t.not_after, ["شياع"]);
    assert_eq!(t.other_sense, ["جوبا"]);
    assert_eq!(t.sense, ["الخرطوم"]);

    let (_dir, main) = setup(
        "",
        "[[topics]]\nslug = \"sudan\"\nname = \"السودان\"\nterms = [{ term = \"سودان\", not_in = [\"السوداني\"] }]\n",
    );
    let e = load(&main).unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert_eq!(
        e.0[0].message,
        "not_in phrase \"السوداني\" must have more words than the term \"سودان\" (use not_after for a word before it)"
    );
    assert_eq!((e.0[0].line, e.0[0].col), (4, 10));
}

#[test]
fn composite_topics_must_name_known_topics() {
    let (_dir, main) = setup(
        "",
        &format!(
            "{TOPIC}[[topics]]\nslug = \"libya-oil\"\nname = \"نفط\"\nall_of = [\"libya\", \"oil\"]\n"
        ),
    );
    let e = load(&main).unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert_eq!(e.0[0].message, "unknown topic \"oil\"");
    assert_eq!((e.0[0].line, e.0[0].col), (8, 20));
}

#[test]
fn server_limits_and_busy_timeout_have_defaults_and_can_be_set() {
    let (dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x/f\"\n",
        TOPIC,
    );
    let c = load(&main).unwrap();
    assert_eq!(c.server.header_timeout, Duration::from_secs(10));
    assert_eq!(c.server.write_timeout, Duration::from_secs(30));
    assert_eq!(c.server.max_connections, 1024);
    assert_eq!(c.storage.busy_timeout, Duration::from_secs(10));

    write(
        dir.path(),
        "marsad.toml",
        "[server]\nlisten = \"127.0.0.1:1\"\nbase_url = \"http://x\"\nheader_timeout = \"5s\"\nwrite_timeout = \"1m\"\nmax_connections = 64\n[storage]\ndatabase = \"db/m.db\"\nbusy_timeout = \"2s\"\n",
    );
    let c = load(&main).unwrap();
    assert_eq!(c.server.header_timeout, Duration::from_secs(5));
    assert_eq!(c.server.write_timeout, Duration::from_secs(60));
    assert_eq!(c.server.max_connections, 64);
    assert_eq!(c.storage.busy_timeout, Duration::from_secs(2));

    write(
        dir.path(),
        "marsad.toml",
        "[server]\nlisten = \"127.0.0.1:1\"\nbase_url = \"http://x\"\nheader_timeout = \"0s\"\nmax_connections = 0\n[storage]\ndatabase = \"db/m.db\"\nbusy_timeout = \"soon\"\n",
    );
    let text: Vec<String> = load(&main)
        .unwrap_err()
        .0
        .iter()
        .map(|e| format!("{}:{}: {}", e.line, e.col, e.message))
        .collect();
    assert_eq!(text.len(), 3, "{text:#?}");
    assert_eq!(
        text[0],
        "4:18: header_timeout: duration \"0s\" must be longer than zero"
    );
    assert_eq!(
        text[1],
        "8:16: busy_timeout: missing number before 's' in duration \"soon\""
    );
    assert_eq!(text[2], "5:19: max_connections must be at least 1");
}
