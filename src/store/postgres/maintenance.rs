//! Rows that need work computed elsewhere (search terms of items stored before the index,
//! fingerprints of another version), read and written back in batches; and the store's own
//! re-keying of content hashes when their encoding changes. Each write is an idempotent
//! step (an upsert or an update to a value every instance computes alike), so instances
//! doing the same work at once end with the same rows.

use super::codec::{
    CONTENT_HASH_VERSION, CONTENT_HASH_VERSION_KEY, Visible, content_hash, from_parts, to_parts,
};
use super::{Change, PgStore, StoreError, StoryMember, notify};

impl PgStore {
    /// Items the search index lacks, oldest id first: (id, title, text). The index is
    /// written with its items, so these are items stored before it existed (or rebuilt).
    pub async fn items_missing_search(
        &self,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, title, text FROM items
             WHERE id > COALESCE((SELECT MAX(item_id) FROM item_search), 0) ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Adds items' search terms (`NewItem::search_terms` form) to the index, in one
    /// transaction.
    pub async fn add_search_terms(&self, terms: &[(i64, String)]) -> Result<(), StoreError> {
        let ids: Vec<i64> = terms.iter().map(|(id, _)| *id).collect();
        let texts: Vec<&str> = terms.iter().map(|(_, t)| t.as_str()).collect();
        let mut tx = self.write().await?;
        // DISTINCT ON keeps one row per item (an upsert may not touch a row twice in one
        // statement); the last given wins, as when each is written in turn.
        sqlx::query(
            "INSERT INTO item_search (item_id, terms)
             SELECT DISTINCT ON (id) id, strip(to_tsvector('simple', t))
             FROM UNNEST($1::BIGINT[], $2::TEXT[]) WITH ORDINALITY AS u(id, t, n)
             ORDER BY id, n DESC
             ON CONFLICT (item_id) DO UPDATE SET terms = excluded.terms",
        )
        .bind(&ids)
        .bind(&texts)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces stored fingerprints (id, fingerprint), in one transaction.
    pub async fn set_fingerprints(&self, fingerprints: &[(i64, u128)]) -> Result<(), StoreError> {
        let (mut ids, mut lo, mut hi) = (vec![], vec![], vec![]);
        for &(id, fp) in fingerprints {
            let (l, h) = to_parts(fp);
            ids.push(id);
            lo.push(l);
            hi.push(h);
        }
        // The last fingerprint given for an item wins, as when each is written in turn.
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE items i SET fingerprint = u.lo, fingerprint_hi = u.hi
             FROM (SELECT DISTINCT ON (id) id, lo, hi
                   FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[]) WITH ORDINALITY AS u(id, lo, hi, n)
                   ORDER BY id, n DESC) u
             WHERE i.id = u.id",
        )
        .bind(&ids)
        .bind(&lo)
        .bind(&hi)
        .execute(&mut *tx)
        .await?;
        notify(&mut tx, Change::Rewritten).await?;
        tx.commit().await?;
        self.common.rewritten();
        Ok(())
    }

    /// Items with a fingerprint sorted at or after `since` (unix seconds), oldest first:
    /// what a story index is loaded from.
    pub async fn story_members(&self, since: i64) -> Result<Vec<StoryMember>, StoreError> {
        let rows: Vec<(i64, i64, i64, i64, i64, String)> = sqlx::query_as(
            "SELECT id, sort_ts, fingerprint, fingerprint_hi, story_id, source_id FROM items
             WHERE sort_ts >= $1 AND (fingerprint <> 0 OR fingerprint_hi <> 0) ORDER BY sort_ts, id",
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
                fingerprint: from_parts(lo, hi),
                story_id,
            })
            .collect())
    }

    /// Recomputes stored content hashes made with another encoding than
    /// [`CONTENT_HASH_VERSION`]'s, from the stored fields they cover, so that an unchanged
    /// item is not taken for a changed one at its next fetch. Each batch commits by itself;
    /// the version is recorded after the last, so an interrupted run starts again at the
    /// next open. Instances opening at once may each run it: they write the same hashes.
    /// Returns the items done.
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
            String,
        );
        let (mut done, mut after) = (0u64, i64::MIN);
        loop {
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT id, title, content_html, summary, url, author, updated, content_hash
                 FROM items WHERE id > $1 ORDER BY id LIMIT 500",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            let Some(&(last, ..)) = rows.last() else {
                break;
            };
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let old: Vec<&str> = rows.iter().map(|r| r.7.as_str()).collect();
            let hashes: Vec<String> = rows
                .iter()
                .map(
                    |(_, title, content_html, summary, url, author, updated, _)| {
                        content_hash(&Visible {
                            title,
                            content_html,
                            summary,
                            url: url.as_deref(),
                            author: author.as_deref(),
                            updated: *updated,
                        })
                    },
                )
                .collect();
            let mut tx = self.write().await?;
            // Only hashes still as read: an item another instance saved meanwhile already
            // carries a hash of the current encoding.
            sqlx::query(
                "UPDATE items i SET content_hash = u.hash
                 FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[]) AS u(id, old, hash)
                 WHERE i.id = u.id AND i.content_hash = u.old",
            )
            .bind(&ids)
            .bind(&old)
            .bind(&hashes)
            .execute(&mut *tx)
            .await?;
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
