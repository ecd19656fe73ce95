//! Rows that need work computed elsewhere (search terms of items stored before the index,
//! fingerprints of another version), read and written back in batches; and the store's own
//! re-keying of content hashes when their encoding changes.

use super::codec::{
    CONTENT_HASH_VERSION, CONTENT_HASH_VERSION_KEY, Visible, content_hash, to_parts,
};
use super::{SqliteStore, StoreError, StoryMember};

impl SqliteStore {
    /// Items the search index lacks, oldest id first: (id, title, text). The index is
    /// written with its items, so these are items stored before it existed (or rebuilt).
    pub async fn items_missing_search(
        &self,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, title, text FROM items WHERE id > COALESCE((SELECT MAX(rowid) FROM items_fts), 0) ORDER BY id LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Adds items' search terms (`NewItem::search_terms` form) to the index, in one
    /// transaction.
    pub async fn add_search_terms(&self, terms: &[(i64, String)]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        for (id, t) in terms {
            sqlx::query("INSERT INTO items_fts (rowid, terms) VALUES (?, ?)")
                .bind(id)
                .bind(t)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces stored fingerprints (id, fingerprint), in one transaction.
    pub async fn set_fingerprints(&self, fingerprints: &[(i64, u128)]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        for &(id, fp) in fingerprints {
            let (lo, hi) = to_parts(fp);
            sqlx::query("UPDATE items SET fingerprint = ?, fingerprint_hi = ? WHERE id = ?")
                .bind(lo)
                .bind(hi)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.common.rewritten();
        Ok(())
    }

    /// Items with a fingerprint sorted at or after `since` (unix seconds), oldest first:
    /// what a story index is loaded from.
    pub async fn story_members(&self, since: i64) -> Result<Vec<StoryMember>, StoreError> {
        let rows: Vec<(i64, i64, i64, i64, i64, String)> = sqlx::query_as(
            "SELECT id, sort_ts, fingerprint, fingerprint_hi, story_id, source_id FROM items
             WHERE sort_ts >= ? AND (fingerprint != 0 OR fingerprint_hi != 0) ORDER BY sort_ts, id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, sort_ts, lo, hi, story_id, source_id)| StoryMember {
                id,
                source_id,
                sort_ts,
                fingerprint: super::codec::from_parts(lo, hi),
                story_id,
            })
            .collect())
    }

    /// Recomputes stored content hashes made with another encoding than
    /// [`CONTENT_HASH_VERSION`]'s, from the stored fields they cover, so that an unchanged
    /// item is not taken for a changed one at its next fetch. Each batch commits by itself;
    /// the version is recorded after the last, so an interrupted run starts again at the
    /// next open. Returns the items done.
    pub(super) async fn rekey_content_hashes(&self) -> Result<u64, StoreError> {
        if self.meta(CONTENT_HASH_VERSION_KEY).await?.as_deref() == Some(CONTENT_HASH_VERSION) {
            return Ok(0);
        }
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
        );
        let (mut done, mut after) = (0u64, i64::MIN);
        loop {
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT id, title, content_html, summary, url, author, updated FROM items
                 WHERE id > ? ORDER BY id LIMIT 500",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            let Some(&(last, ..)) = rows.last() else {
                break;
            };
            let mut tx = self.write().await?;
            for (id, title, content_html, summary, url, author, updated) in &rows {
                let hash = content_hash(&Visible {
                    title,
                    content_html,
                    summary,
                    url: url.as_deref(),
                    author: author.as_deref(),
                    updated: *updated,
                });
                sqlx::query("UPDATE items SET content_hash = ? WHERE id = ?")
                    .bind(hash)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            done += rows.len() as u64;
            after = last;
        }
        self.set_meta(CONTENT_HASH_VERSION_KEY, CONTENT_HASH_VERSION)
            .await?;
        if done > 0 {
            tracing::info!(
                items = done,
                version = CONTENT_HASH_VERSION,
                "re-keyed stored content hashes"
            );
        }
        Ok(done)
    }
}
