use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// Each error as `line:col: message`.
fn positioned(err: &ConfigErrors) -> Vec<String> {
    err.0
        .iter()
        .map(|e| format!("{}:{}: {}", e.line, e.col, e.message))
        .collect()
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
    assert!(
        c.storage
            .database
            .sqlite_path()
            .unwrap()
            .ends_with("data/marsad.db")
    );
    let e = load_embedded().unwrap();
    assert_eq!(e.sources.len(), c.sources.len());
    assert_eq!(
        e.storage.database,
        Database::Sqlite("config/../data/marsad.db".into())
    );
}

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let (dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://127.0.0.1/f.xml\"\ninterval = \"10m\"\n",
        TOPIC,
    );
    let c = load(&main).unwrap();
    assert_eq!(
        c.storage.database,
        Database::Sqlite(dir.path().join("db/m.db"))
    );
    assert!(matches!(c.sources[0].schedule, Schedule::Every(d) if d == Duration::from_secs(600)));
    assert_eq!(c.sources[0].language, "ar");
    assert!(c.sources[0].enabled);
}

/// Loads a config whose `marsad.toml` is `main` (sources and topics as `setup` writes).
fn load_main(main: &str) -> Result<Config, String> {
    let (_dir, path) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://127.0.0.1/f.xml\"\n",
        TOPIC,
    );
    std::fs::write(
        &path,
        format!("sources_file = \"sources.toml\"\ntopics_file = \"topics.toml\"\n{main}"),
    )
    .unwrap();
    load(&path).map_err(|e| {
        e.to_string()
            .replace(&*path.to_string_lossy(), "marsad.toml")
    })
}

#[test]
fn database_takes_a_sqlite_path_or_a_postgres_url_and_names_a_wrong_one() {
    let db = |v: &str| {
        load_main(&format!("[storage]\ndatabase = \"{v}\"\n")).map(|c| c.storage.database)
    };
    let url = "postgres://marsad:s3cret@db.example:5432/marsad";
    assert_eq!(db(url), Ok(Database::Postgres(url.into())));
    assert_eq!(
        db(url).unwrap().to_string(),
        "postgres://marsad:***@db.example:5432/marsad",
        "the password is not shown"
    );
    assert_eq!(
        db("postgresql:///marsad?host=/run/postgresql"),
        Ok(Database::Postgres(
            "postgresql:///marsad?host=/run/postgresql".into()
        ))
    );
    assert!(matches!(db("sqlite:data/x.db"), Ok(Database::Sqlite(p)) if p.ends_with("data/x.db")));
    assert!(
        matches!(db("sqlite:///var/lib/m.db"), Ok(Database::Sqlite(p)) if p == Path::new("/var/lib/m.db"))
    );
    assert_eq!(
        db("postgres:///marsad"),
        Err("marsad.toml:4:12: database: a PostgreSQL URL needs a host (postgres://user@host/database)".into())
    );
    assert_eq!(
        db("mysql://h/m"),
        Err("marsad.toml:4:12: database: unknown scheme mysql://: a SQLite file path, sqlite:path or a postgres:// URL".into())
    );
}

#[test]
fn a_lease_no_longer_than_the_fetch_timeout_is_refused() {
    let lease = |v: &str| {
        load_main(&format!("[fetch]\ntimeout = \"30s\"\nlease = \"{v}\"\n")).map(|c| c.fetch.lease)
    };
    assert_eq!(lease("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(
        lease("30s"),
        Err("marsad.toml:5:9: lease: must be longer than the fetch timeout (30s), or a slow fetch's claim expires while it runs".into())
    );
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
    let text = positioned(&err);
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
    let text = positioned(&load(&main).unwrap_err());
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

fn source_with(line: &str) -> String {
    format!("[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x/f\"\n{line}\n")
}

/// The next firing of source `a`'s schedule after Wednesday 2 December 2026, 10:00 UTC.
fn next_after_wednesday(line: &str) -> String {
    let (_dir, main) = setup(&source_with(line), TOPIC);
    let c = load(&main).unwrap_or_else(|e| panic!("{line}: {e}"));
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    crate::fetch::schedule::next_regular(&c.sources[0].schedule, now)
        .format("%a %H:%M")
        .to_string()
}

#[test]
fn crontab_weekdays_mean_what_they_mean_in_crontab() {
    for (dow, day) in [
        ("0", "Sun"),
        ("1", "Mon"),
        ("2", "Tue"),
        ("3", "Wed"),
        ("4", "Thu"),
        ("5", "Fri"),
        ("6", "Sat"),
        ("7", "Sun"),
        ("mon", "Mon"),
        ("SAT", "Sat"),
        ("MON-FRI", "Thu"),
    ] {
        assert_eq!(
            next_after_wednesday(&format!("cron = \"0 9 * * {dow}\"")),
            format!("{day} 09:00"),
            "weekday {dow}"
        );
    }
}

#[test]
fn cron_schedules_faster_than_a_minute_or_never_firing_are_refused_with_positions() {
    let (_dir, main) = setup(
        &format!(
            "{}\n{}\n{}",
            source_with("cron = \"* * * * * *\""),
            source_with("cron = \"0 0 30 2 *\"")
                .replace("\"a\"", "\"b\"")
                .replace("x/f", "x/b"),
            source_with("cron = \"0 9 * * 8\"")
                .replace("\"a\"", "\"c\"")
                .replace("x/f", "x/c"),
        ),
        TOPIC,
    );
    let text = positioned(&load(&main).unwrap_err());
    assert_eq!(
        text,
        vec![
            "5:8: cron: \"* * * * * *\" fires more than once a minute; the shortest schedule is one minute (give the seconds field one value, e.g. \"0\")",
            "11:8: cron: \"0 0 30 2 *\" never fires (no such date from now on)",
            "17:8: cron: day-of-week field \"8\" in \"0 9 * * 8\": 8 is not a weekday (0-7 with 0 and 7 Sunday, or sun..sat)",
        ]
    );
}

#[test]
fn article_selectors_are_compiled_and_a_bad_one_has_its_position() {
    let (_dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x/f\"\nfull_text = true\ncontent_selector = \".entry-content\"\nremove_selectors = [\".share\", \"div.related > ul\"]\n",
        TOPIC,
    );
    let c = load(&main).unwrap();
    let s = &c.sources[0];
    assert!(s.full_text);
    assert_eq!(
        s.article.content.as_ref().map(|c| c.css()),
        Some(".entry-content")
    );
    let remove: Vec<&str> = s.article.remove.iter().map(|r| r.css()).collect();
    assert_eq!(remove, [".share", "div.related > ul"]);

    let (_dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"الجزيرة\"\nurl = \"http://x/f\"\nfull_text = true\ncontent_selector = \"div[\"\nremove_selectors = [\".ok\", \"p::\"]\n",
        TOPIC,
    );
    let err = load(&main).unwrap_err();
    let got: Vec<(usize, usize, bool)> = err
        .0
        .iter()
        .map(|e| (e.line, e.col, e.message.contains("invalid CSS selector")))
        .collect();
    assert_eq!(got, [(6, 20, true), (7, 28, true)], "{err}");
    assert!(
        err.0[0]
            .message
            .starts_with("content_selector: invalid CSS selector \"div[\""),
        "{err}"
    );
    assert!(
        err.0[1]
            .message
            .starts_with("remove_selectors: invalid CSS selector \"p::\""),
        "{err}"
    );
}

#[test]
fn cron_macros_are_accepted() {
    assert_eq!(next_after_wednesday("cron = \"@hourly\""), "Wed 11:00");
    assert_eq!(next_after_wednesday("cron = \"@weekly\""), "Sun 00:00");
}

#[test]
fn admin_token_is_off_by_default_and_must_not_be_guessable() {
    let (dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x/f\"\n",
        TOPIC,
    );
    assert_eq!(load(&main).unwrap().server.admin_token, None);
    let with = |token: &str| {
        write(
            dir.path(),
            "marsad.toml",
            &format!(
                "[server]\nlisten = \"127.0.0.1:1\"\nbase_url = \"http://x\"\nadmin_token = \"{token}\"\n"
            ),
        );
        load(&main)
    };
    assert_eq!(
        with("0123456789abcdef")
            .unwrap()
            .server
            .admin_token
            .as_deref(),
        Some("0123456789abcdef")
    );
    let e = with("secret").unwrap_err();
    let text = positioned(&e);
    assert_eq!(text, ["4:15: admin_token: at least 16 characters"]);
}

#[test]
fn the_shipped_full_text_rules_compile() {
    let c = load_embedded().unwrap();
    let f24 = c.sources.iter().find(|s| s.id == "france24-ar").unwrap();
    assert!(f24.full_text);
    assert_eq!(
        f24.article.content.as_ref().map(|c| c.css()),
        Some(".t-content__body")
    );
    // Unverified outlets stay off.
    for id in ["aljazeera", "bbc-arabic", "dw-arabic", "skynews-arabia"] {
        let s = c.sources.iter().find(|s| s.id == id).unwrap();
        assert!(!s.full_text, "{id}");
    }
}

#[test]
fn webhooks_are_read_and_bad_urls_secrets_and_names_have_positions() {
    let (dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x/f\"\n",
        TOPIC,
    );
    let c = load(&main).unwrap();
    assert!(c.webhooks.is_empty());
    assert_eq!(c.push, PushSettings::default());
    // 32 bytes: "0123456789abcdef0123456789abcdef" in base64.
    let good = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    write(
        dir.path(),
        "marsad.toml",
        &format!(
            "[storage]\ndatabase = \"m.db\"\n[push]\nretry_for = \"3d\"\nmax_streams = 10\n[[webhooks]]\nurl = \"https://newsroom.example/hooks/marsad?k=1\"\ntopics = [\"libya\"]\nsecret = \"{good}\"\n[[webhooks]]\nname = \"wire\"\nurl = \"http://127.0.0.1:9/h\"\nsecret = \"{good}\"\nsources = [\"a\"]\n"
        ),
    );
    let c = load(&main).unwrap();
    assert_eq!(c.push.retry_for, Duration::from_secs(3 * 86400));
    assert_eq!(c.push.max_streams, 10);
    let hooks: Vec<(&str, &str, &[String], &[String])> = c
        .webhooks
        .iter()
        .map(|h| {
            (
                h.name.as_str(),
                h.url.as_str(),
                &h.topics[..],
                &h.sources[..],
            )
        })
        .collect();
    assert_eq!(
        hooks,
        [
            (
                "newsroom.example",
                "https://newsroom.example/hooks/marsad?k=1",
                &["libya".to_string()][..],
                &[][..]
            ),
            (
                "wire",
                "http://127.0.0.1:9/h",
                &[][..],
                &["a".to_string()][..]
            ),
        ]
    );
    assert_eq!(c.webhooks[0].secret, b"0123456789abcdef0123456789abcdef");
    assert!(!format!("{:?}", c.webhooks[0]).contains("MDEy"));

    write(
        dir.path(),
        "marsad.toml",
        "[storage]\ndatabase = \"m.db\"\n[push]\nsubscribe = false\nallow_private_callbacks = true\nfallback_interval = \"12h\"\nwebsub_lease = \"2d\"\nmax_subscriptions_per_host = 3\n",
    );
    let c = load(&main).unwrap();
    assert_eq!(
        (
            c.push.subscribe,
            c.push.allow_private_callbacks,
            c.push.fallback_interval,
            c.push.websub_lease,
            c.push.max_subscriptions_per_host
        ),
        (
            false,
            true,
            Duration::from_secs(12 * 3600),
            Duration::from_secs(2 * 86400),
            3
        )
    );
    write(
        dir.path(),
        "marsad.toml",
        "[storage]\ndatabase = \"m.db\"\n[push]\nwebsub_lease = \"1m\"\nmax_subscriptions_per_host = 0\nfallback_interval = \"soon\"\n",
    );
    let text = positioned(&load(&main).unwrap_err());
    assert_eq!(
        text,
        [
            "5:30: max_subscriptions_per_host must be at least 1",
            "6:21: fallback_interval: missing number before 's' in duration \"soon\"",
            "4:16: websub_lease must be at least 5 minutes",
        ]
    );

    write(
        dir.path(),
        "marsad.toml",
        &format!(
            "[storage]\ndatabase = \"m.db\"\n[push]\nmax_streams = 0\n[[webhooks]]\nurl = \"ftp://x/h\"\nsecret = \"{good}\"\n[[webhooks]]\nurl = \"http://x/h\"\nsecret = \"MDEy\"\n[[webhooks]]\nurl = \"http://x/h\"\nsecret = \"whsec_***\"\n[[webhooks]]\nurl = \"http://x/h\"\nsecret = \"whsec_MDEy\"\ntopics = [\"libia\"]\n[[webhooks]]\nurl = \"http://x/h\"\nsecret = \"{good}\"\n[[webhooks]]\nurl = \"http://x/h\"\nsecret = \"{good}\"\n"
        ),
    );
    let e = load(&main).unwrap_err();
    let text = positioned(&e);
    assert_eq!(
        text,
        [
            "4:15: max_streams must be at least 1",
            "6:7: webhook url \"ftp://x/h\": use an http or https URL with a host",
            "10:10: secret must start with \"whsec_\" followed by base64 (a Standard Webhooks secret, e.g. from `echo whsec_$(openssl rand -base64 32)`)",
            "13:10: secret: the part after \"whsec_\" is not base64: Invalid symbol 42, offset 0.",
            "16:10: secret: 3 bytes after base64 decoding; use 24 to 64 random bytes (`echo whsec_$(openssl rand -base64 32)`)",
            "17:11: unknown topic \"libia\"",
            "22:7: a second webhook named \"x\": give each endpoint its own `name` (it keys the endpoint's deliveries)",
        ]
    );
}

#[test]
fn a_source_place_is_read_trimmed_and_an_empty_one_is_refused_with_its_position() {
    let (_dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x/a\"\nplace = \" لبنان \"\n\n[[sources]]\nid = \"b\"\nname = \"B\"\nurl = \"http://x/b\"\n",
        TOPIC,
    );
    let c = load(&main).unwrap();
    assert_eq!(c.sources[0].place.as_deref(), Some("لبنان"));
    assert_eq!(c.sources[1].place, None);
    assert_eq!(c.source_place("a"), Some("لبنان"));
    assert_eq!(c.source_place("b"), None);
    assert_eq!(c.source_place("nope"), None);

    let (_dir, main) = setup(
        "[[sources]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x/a\"\nplace = \"  \"\n",
        TOPIC,
    );
    let err = load(&main).unwrap_err();
    let text = positioned(&err);
    assert_eq!(
        text,
        ["5:9: place: empty (write a country or city, e.g. \"لبنان\")"]
    );
}
