//! PostgreSQL as a second store (issue 24): the test server harness, the schema of
//! `migrations/postgres/` held against the SQLite schema and search, and the store opened
//! on it through the public API. The store's own tests run on both backends
//! (`src/store/tests.rs`).
//!
//! They need the server binaries (`initdb`, `pg_ctl`: Debian's `postgresql` package),
//! which `.ci/run` installs when missing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::pg::{self, PgServer};
use sqlx::Connection as _;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Applies `migrations/postgres/*.sql` in name order to a new database `name`.
fn migrated(server: &PgServer, name: &str) {
    server.create_database(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("migrations/postgres"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in &files {
        server.psql_file(name, f);
    }
}

#[test]
fn a_server_from_the_distributions_binaries_answers_on_loopback_and_is_gone_after_drop() {
    let server = PgServer::start();
    let port = server.port();
    assert_eq!(server.psql("postgres", "SELECT 1 + 1").trim(), "2");
    let version: u32 = server
        .psql("postgres", "SHOW server_version_num")
        .trim()
        .parse()
        .unwrap();
    assert!(version >= 130_000, "{version}");
    assert_eq!(
        server.psql("postgres", "SHOW listen_addresses").trim(),
        "127.0.0.1"
    );
    let user = server.psql("postgres", "SELECT current_user");
    assert_eq!(user.trim(), pg::USER);
    drop(server);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server still listens after drop"
    );
}

/// (column → (declared type, not null)) of each table of a SQLite database.
async fn sqlite_schema(db: &Path) -> BTreeMap<String, BTreeMap<String, (String, bool)>> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
           AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'items_fts%' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let cols: Vec<(String, String, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT name, type, \"notnull\" OR pk FROM pragma_table_info('{t}')"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        out.insert(
            t,
            cols.into_iter().map(|(c, ty, nn)| (c, (ty, nn))).collect(),
        );
    }
    out
}

#[tokio::test]
async fn the_postgres_migrations_apply_and_mirror_the_sqlite_schema() {
    let server = PgServer::start();
    migrated(&server, "schema");

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    marsad::store::Store::open(&db).await.unwrap().close().await;
    let sqlite = sqlite_schema(&db).await;

    let rows = server.psql(
        "schema",
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    );
    let mut postgres: BTreeMap<String, BTreeMap<String, (String, bool)>> = BTreeMap::new();
    for line in rows.lines() {
        let f: Vec<&str> = line.split('|').collect();
        postgres
            .entry(f[0].into())
            .or_default()
            .insert(f[1].into(), (f[2].into(), f[3] == "NO"));
    }
    // SQLite's contentless search table is item_search there: (item id, terms).
    let search = postgres.remove("item_search").expect("item_search");
    assert_eq!(
        search,
        BTreeMap::from([
            ("item_id".into(), ("bigint".into(), true)),
            ("terms".into(), ("tsvector".into(), true)),
        ])
    );
    // Claims on shared fetch work exist only where several instances share a database.
    let slots = postgres.remove("host_slots").expect("host_slots");
    assert_eq!(
        slots.keys().collect::<Vec<_>>(),
        ["host", "owner", "slot", "until"]
    );
    let sources = postgres.get_mut("sources").unwrap();
    for lease in ["lease_owner", "lease_until"] {
        assert!(sources.remove(lease).is_some(), "sources.{lease}");
    }
    assert_eq!(
        postgres.keys().collect::<Vec<_>>(),
        sqlite.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, columns) in &sqlite {
        let pg = &postgres[table];
        assert_eq!(
            pg.keys().collect::<BTreeSet<_>>(),
            columns.keys().collect::<BTreeSet<_>>(),
            "the columns of {table}"
        );
        for (col, (ty, not_null)) in columns {
            let (pg_ty, pg_not_null) = &pg[col];
            let fits = match ty.as_str() {
                "TEXT" => pg_ty == "text",
                "REAL" => pg_ty == "double precision",
                // Unix seconds and ids are 64-bit; counts and flags may be narrower.
                "INTEGER" => ["bigint", "integer", "boolean"].contains(&pg_ty.as_str()),
                _ => false,
            };
            assert!(fits, "{table}.{col}: SQLite {ty}, PostgreSQL {pg_ty}");
            assert_eq!(pg_not_null, not_null, "{table}.{col} NOT NULL");
        }
    }
    for (table, col) in [
        ("items", "id"),
        ("items", "fingerprint"),
        ("items", "sort_ts"),
        ("items", "story_id"),
    ] {
        assert_eq!(postgres[table][col].0, "bigint", "{table}.{col}");
    }

    // Deleting an item takes its tags, search terms and page record along, as in SQLite.
    server.psql(
        "schema",
        "INSERT INTO sources (id, name, url) VALUES ('a', 'أ', 'http://a/f');
         INSERT INTO items (id, source_id, guid, title, fetched_at, sort_ts, summary,
                            content_html, text, language, dir, fingerprint, content_hash)
           VALUES (7, 'a', 'g7', 'خبر', 1, 1, '', '', 'نص', 'ar', 'rtl', 0, 'h');
         INSERT INTO item_topics VALUES (7, 'libya', 3.0, '[]');
         INSERT INTO item_search VALUES (7, to_tsvector('simple', 'نص'));
         INSERT INTO item_pages (source_id, guid, feed_hash, body_from, fetched_at)
           VALUES ('a', 'g7', 'f', 'feed', 1), ('a', 'other', 'f', 'feed', 1);",
    );
    let counts = "SELECT (SELECT COUNT(*) FROM item_topics) || ' ' || (SELECT COUNT(*) FROM item_search) || ' ' || (SELECT COUNT(*) FROM item_pages)";
    assert_eq!(server.psql("schema", counts).trim(), "1 1 2");
    server.psql("schema", "DELETE FROM items WHERE id = 7");
    assert_eq!(server.psql("schema", counts).trim(), "0 0 1");
    // Ids reserved ahead of the insert come from the identity's sequence.
    let ids = server.psql(
        "schema",
        "SELECT string_agg(nextval(pg_get_serial_sequence('items', 'id'))::text, ' ')
         FROM generate_series(1, 3)",
    );
    assert_eq!(ids.trim(), "1 2 3");
}

/// The labeled news items of `tests/fixtures/topics/labeled.jsonl`: (id, title, text).
fn labeled() -> Vec<(String, String, String)> {
    std::fs::read_to_string(root().join("tests/fixtures/topics/labeled.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (s("id"), s("title"), s("text"))
        })
        .collect()
}

#[tokio::test]
async fn postgres_full_text_over_the_stored_stems_finds_what_sqlite_finds() {
    use marsad::text::arabic::{search_query, search_terms};
    let items = labeled();
    let terms: Vec<String> = items
        .iter()
        .map(|(_, title, text)| search_terms(&format!("{title}\n{text}")))
        .collect();

    // SQLite, through the store.
    let dir = tempfile::tempdir().unwrap();
    let store = marsad::store::Store::open(&dir.path().join("m.db"))
        .await
        .unwrap();
    store
        .sync_sources(&[marsad::store::SourceRow {
            id: "a".into(),
            name: "أ".into(),
            url: "http://a/f".into(),
        }])
        .await
        .unwrap();
    let batch: Vec<marsad::model::NewItem> = items
        .iter()
        .zip(&terms)
        .map(|((id, title, text), terms)| marsad::model::NewItem {
            entry: marsad::model::CleanEntry {
                guid: id.clone(),
                url: None,
                canonical_url: None,
                title: title.clone(),
                author: None,
                published: None,
                updated: None,
                summary: String::new(),
                content_html: String::new(),
                text: text.clone(),
                language: "ar".into(),
                dir: "rtl",
                source_credit: None,
                fingerprint: 0,
                norm_title: String::new(),
                norm_text: String::new(),
            },
            tags: Vec::new(),
            search_terms: terms.clone(),
        })
        .collect();
    store
        .save_items("a", &batch, chrono::Utc::now(), &mut ())
        .await
        .unwrap();

    // PostgreSQL, by the schema's own machinery.
    let server = PgServer::start();
    migrated(&server, "search");
    let mut sql = String::from("INSERT INTO sources (id, name, url) VALUES ('a', 'a', 'a');\n");
    for (n, ((id, _, _), t)) in items.iter().zip(&terms).enumerate() {
        assert!(!t.contains('$') && !id.contains('$'));
        sql.push_str(&format!(
            "INSERT INTO items (id, source_id, guid, title, fetched_at, sort_ts, summary,
               content_html, text, language, dir, fingerprint, content_hash)
             VALUES ({n}, 'a', $g${id}$g$, '', 0, 0, '', '', '', 'ar', 'rtl', 0, '');
             INSERT INTO item_search VALUES ({n}, to_tsvector('simple', $t${t}$t$));\n"
        ));
    }
    let file = dir.path().join("items.sql");
    std::fs::write(&file, sql).unwrap();
    server.psql_file("search", &file);

    // Each item's lexemes are its stems as given: PostgreSQL splits them as FTS5's ascii
    // tokenizer does, neither stemming nor dropping any.
    let lexemes = server.psql(
        "search",
        "SELECT i.guid || '|' || array_to_string(tsvector_to_array(s.terms), ' ')
         FROM items i JOIN item_search s ON s.item_id = i.id ORDER BY i.id",
    );
    let lexemes: Vec<&str> = lexemes.lines().collect();
    assert_eq!(lexemes.len(), items.len());
    for (line, ((id, _, _), t)) in lexemes.iter().zip(items.iter().zip(&terms)) {
        let (guid, found) = line.split_once('|').unwrap();
        assert_eq!(guid, id);
        let found: BTreeSet<&str> = found.split(' ').filter(|w| !w.is_empty()).collect();
        let given: BTreeSet<&str> = t.split(' ').filter(|w| !w.is_empty()).collect();
        assert_eq!(found, given, "{id}");
    }

    // The same searches find the same items.
    let mut found_any = 0;
    for q in [
        "ليبيا",
        "طرابلس",
        "الليبية",
        "النفط",
        "مجلس النواب",
        "حكومة الوحدة الوطنية",
        "غزة",
        "السودان",
        "الانتخابات",
        "الدبيبة",
        "2024",
        "زرافة",
    ] {
        let stems = search_query(q);
        let mut sqlite: Vec<String> = store
            .items(&marsad::store::ItemQuery {
                search: stems.clone(),
                dedup: false,
                limit: 500,
                ..marsad::store::ItemQuery::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.guid)
            .collect();
        sqlite.sort();
        let postgres = server.psql(
            "search",
            &format!(
                "SELECT i.guid FROM items i JOIN item_search s ON s.item_id = i.id
                 WHERE s.terms @@ plainto_tsquery('simple', $q${}$q$) ORDER BY i.guid",
                stems.join(" ")
            ),
        );
        let mut postgres: Vec<String> = postgres.lines().map(str::to_string).collect();
        postgres.sort();
        assert_eq!(postgres, sqlite, "{q}");
        found_any += usize::from(!sqlite.is_empty());
    }
    assert!(found_any >= 8, "most queries find something: {found_any}");
    store.close().await;
}

#[tokio::test]
async fn the_store_opens_a_postgres_url_migrates_once_and_keeps_what_it_saved() {
    use marsad::store::{ItemQuery, SourceRow, Store};
    let server = PgServer::start();
    server.create_database("store");
    let url = server.url("store");
    let timeout = std::time::Duration::from_secs(5);
    // Two instances starting together: sqlx's migration lock lets one apply the schema.
    let (one, two) = tokio::join!(
        Store::open_url(&url, timeout),
        Store::open_url(&url, timeout)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert!(matches!(one, Store::Postgres(_)));
    let applied = server.psql(
        "store",
        "SELECT version || ' ' || success FROM _sqlx_migrations ORDER BY version",
    );
    assert_eq!(applied.trim(), "1 true");
    one.sync_sources(&[SourceRow {
        id: "a".into(),
        name: "أ".into(),
        url: "http://a/f".into(),
    }])
    .await
    .unwrap();
    let item = marsad::model::NewItem {
        entry: marsad::model::CleanEntry {
            guid: "g1".into(),
            url: Some("https://a.test/1".into()),
            canonical_url: Some("a.test/1".into()),
            title: "خبر عن طرابلس".into(),
            author: None,
            published: None,
            updated: None,
            summary: String::new(),
            content_html: "<p>نص</p>".into(),
            text: "نص".into(),
            language: "ar".into(),
            dir: "rtl",
            source_credit: None,
            fingerprint: 0,
            norm_title: String::new(),
            norm_text: String::new(),
        },
        tags: Vec::new(),
        search_terms: "خبر طرابلس نص".into(),
    };
    let report = one
        .save_items("a", &[item], chrono::Utc::now(), &mut ())
        .await
        .unwrap();
    assert_eq!(report.new, 1);
    one.close().await;
    let found = two
        .items(&ItemQuery {
            search: vec!["طرابلس".into()],
            ..ItemQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|i| i.guid.as_str()).collect::<Vec<_>>(),
        ["g1"]
    );
    assert_eq!(
        server
            .psql(
                "store",
                "SELECT id || ' ' || story_id || ' ' || guid FROM items"
            )
            .trim(),
        "1 1 g1"
    );
    two.close().await;
}
