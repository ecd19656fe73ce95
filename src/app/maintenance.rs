//! Start-up maintenance: stored rows whose derived values were made by an older version of
//! the code (or not at all) are brought up to date before the service starts. The store
//! says which rows need work and takes the results back; the values are computed here, with
//! the same functions ingest uses ([`crate::story`], [`crate::text`]).

use tracing::info;

use crate::store::{Store, StoreError};
use crate::story::fingerprint;
use crate::text::arabic::{normalize_words, search_terms};

/// The `meta` key recording which [`fingerprint::VERSION`] made the stored fingerprints; a
/// database without it has version 1.
const FINGERPRINT_VERSION_KEY: &str = "fingerprint_version";

/// Rows read and written back per transaction.
const BATCH: u32 = 500;

/// What [`run`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Items added to the search index.
    pub indexed: u64,
    /// Items whose fingerprint was recomputed.
    pub refingerprinted: u64,
}

/// Runs every step; each is a no-op on an up-to-date database.
pub async fn run(store: &Store) -> Result<Report, StoreError> {
    let indexed = backfill_search(store).await?;
    let refingerprinted = refingerprint(store).await?;
    Ok(Report {
        indexed,
        refingerprinted,
    })
}

/// Indexes items stored before the search index existed (or before it was rebuilt), from
/// their stored title and text.
async fn backfill_search(store: &Store) -> Result<u64, StoreError> {
    let mut done = 0u64;
    loop {
        let rows = store.items_missing_search(BATCH).await?;
        if rows.is_empty() {
            break;
        }
        let terms: Vec<(i64, String)> = rows
            .into_iter()
            .map(|(id, title, text)| (id, search_terms(&format!("{title}\n{text}"))))
            .collect();
        store.add_search_terms(&terms).await?;
        done += terms.len() as u64;
    }
    if done > 0 {
        info!(items = done, "indexed stored items for search");
    }
    Ok(done)
}

/// Recomputes the stored fingerprints when they were made by another version of the
/// fingerprint function, so that new items are compared with fingerprints of the same kind.
/// From each item's stored title and text, which is what cleaning fingerprinted. Each batch
/// commits by itself; the version is recorded after the last, so an interrupted run starts
/// again at the next start.
async fn refingerprint(store: &Store) -> Result<u64, StoreError> {
    let version = fingerprint::VERSION.to_string();
    if store.meta(FINGERPRINT_VERSION_KEY).await?.as_deref() == Some(version.as_str()) {
        return Ok(0);
    }
    let (mut done, mut after) = (0u64, i64::MIN);
    loop {
        let rows = store.item_texts(after, BATCH).await?;
        let Some(&(last, ..)) = rows.last() else {
            break;
        };
        let fps: Vec<(i64, u128)> = rows
            .iter()
            .map(|(id, _, title, text)| {
                let fp =
                    fingerprint::of_item(text, &normalize_words(title), &normalize_words(text));
                (*id, fp)
            })
            .collect();
        store.set_fingerprints(&fps).await?;
        done += fps.len() as u64;
        after = last;
    }
    store.set_meta(FINGERPRINT_VERSION_KEY, &version).await?;
    if done > 0 {
        info!(
            items = done,
            version = fingerprint::VERSION,
            "recomputed story fingerprints"
        );
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use sqlx::Connection as _;

    use super::*;
    use crate::model::{CleanEntry, NewItem};
    use crate::store::{ItemQuery, SourceRow};
    use crate::text::arabic::search_query;

    const TEXT: &str = "واصلت قوات حكومة الوفاق الوطني الليبية الضغط على قوات اللواء المتقاعد خليفة حفتر جنوبي طرابلس فأجبرتها على التراجع في حين دعا حفتر لإسقاط اتفاق الصخيرات";
    const SHORT: &str = "نص قصير عن طرابلس";

    fn item(guid: &str, title: &str, text: &str) -> NewItem {
        let (norm_title, norm_text) = (normalize_words(title), normalize_words(text));
        let entry = CleanEntry {
            fingerprint: fingerprint::of_item(text, &norm_title, &norm_text),
            norm_title,
            norm_text,
            ..CleanEntry::for_test(guid, title, text)
        };
        NewItem {
            entry,
            tags: Vec::new(),
            search_terms: search_terms(&format!("{title}\n{text}")),
        }
    }

    async fn store_with_items() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).await.unwrap();
        store
            .sync_sources(&[SourceRow {
                id: "a".into(),
                name: "أ".into(),
                url: "http://a/f".into(),
            }])
            .await
            .unwrap();
        let items = [item("1", "خبر", TEXT), item("2", "قوات حفتر", SHORT)];
        store
            .save_items("a", &items, chrono::Utc::now(), &mut ())
            .await
            .unwrap();
        (dir, store)
    }

    async fn fingerprints(store: &Store) -> Vec<u128> {
        let mut m = store.story_members(i64::MIN).await.unwrap();
        m.sort_by_key(|m| m.story_id);
        m.into_iter().map(|m| m.fingerprint).collect()
    }

    #[tokio::test]
    async fn fingerprints_of_another_version_are_recomputed_and_the_current_ones_left() {
        let (_dir, store) = store_with_items().await;
        // A new database's fingerprints are of this version once maintenance has run.
        assert_eq!(run(&store).await.unwrap().refingerprinted, 2);
        let version = fingerprint::VERSION.to_string();
        assert_eq!(
            store.meta(FINGERPRINT_VERSION_KEY).await.unwrap(),
            Some(version.clone())
        );
        let want: Vec<u128> = [("خبر", TEXT), ("قوات حفتر", SHORT)]
            .iter()
            .map(|(title, text)| {
                fingerprint::of_item(text, &normalize_words(title), &normalize_words(text))
            })
            .collect();
        assert_eq!(fingerprints(&store).await, want);

        // Stand-ins for fingerprints of an older version.
        let old = [(1, 7u128), (2, 9u128)];
        store.set_fingerprints(&old).await.unwrap();
        store.set_meta(FINGERPRINT_VERSION_KEY, "1").await.unwrap();
        assert_eq!(run(&store).await.unwrap().refingerprinted, 2);
        assert_eq!(fingerprints(&store).await, want);
        assert_eq!(
            store.meta(FINGERPRINT_VERSION_KEY).await.unwrap(),
            Some(version)
        );

        // Fingerprints recorded as the current version are left as they are.
        store.set_fingerprints(&old).await.unwrap();
        assert_eq!(run(&store).await.unwrap(), Report::default());
        assert_eq!(fingerprints(&store).await, [7, 9]);
    }

    #[tokio::test]
    async fn items_missing_from_the_search_index_are_indexed() {
        let (dir, store) = store_with_items().await;
        run(&store).await.unwrap();
        let search = |q: &str| ItemQuery {
            search: search_query(q),
            dedup: false,
            ..ItemQuery::default()
        };
        let guids = |items: Vec<crate::model::StoredItem>| {
            let mut g: Vec<String> = items.into_iter().map(|i| i.guid).collect();
            g.sort();
            g
        };
        assert_eq!(
            guids(store.items(&search("طرابلس")).await.unwrap()),
            ["1", "2"]
        );
        // As a database from before the index (or after its rebuild) holds it.
        let url = format!("sqlite://{}", dir.path().join("m.db").display());
        let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM items_fts")
            .execute(&mut other)
            .await
            .unwrap();
        other.close().await.unwrap();
        assert!(store.items(&search("طرابلس")).await.unwrap().is_empty());

        assert_eq!(run(&store).await.unwrap().indexed, 2);
        assert_eq!(
            guids(store.items(&search("طرابلس")).await.unwrap()),
            ["1", "2"]
        );
        assert_eq!(guids(store.items(&search("الليبي")).await.unwrap()), ["1"]);
        assert_eq!(run(&store).await.unwrap(), Report::default());
    }
}
