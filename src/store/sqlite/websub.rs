//! WebSub subscriptions: the hub's subscribers and marsad's own subscriptions to its
//! sources' hubs.

use super::{SqliteStore, StoreError};
use crate::store::types::{HubSubscription, SourceSubscription};

impl SqliteStore {
    /// Stores a confirmed subscription, or renews the one of the same topic and callback
    /// (its id and cursor stay); returns its id. A new subscription's cursor is the outbox's
    /// end, written in the same transaction: it is sent the items stored from now on, even
    /// if the process stops right after.
    pub async fn websub_subscribe(&self, s: &HubSubscription) -> Result<i64, StoreError> {
        let mut tx = self.writer.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO websub_subscriptions (topic, callback, host, secret, expires_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (topic, callback) DO UPDATE SET
                host = excluded.host, secret = excluded.secret, expires_at = excluded.expires_at
             RETURNING id",
        )
        .bind(&s.topic)
        .bind(&s.callback)
        .bind(&s.host)
        .bind(&s.secret)
        .bind(s.expires_at)
        .bind(s.created_at)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO outbox_cursors (endpoint, seq) VALUES ('websub:' || ?, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0))
             ON CONFLICT (endpoint) DO NOTHING",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes a subscription and its cursor; returns its id if there was one.
    pub async fn websub_unsubscribe(
        &self,
        topic: &str,
        callback: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "DELETE FROM websub_subscriptions WHERE topic = ? AND callback = ? RETURNING id",
        )
        .bind(topic)
        .bind(callback)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            sqlx::query("DELETE FROM outbox_cursors WHERE endpoint = ?")
                .bind(format!("websub:{id}"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Every subscription, expired ones included, by id.
    pub async fn websub_subscriptions(&self) -> Result<Vec<HubSubscription>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, topic, callback, host, secret, expires_at, created_at
             FROM websub_subscriptions ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Removes subscriptions whose lease ended before `now` (unix seconds) and their
    /// cursors; returns how many went.
    pub async fn websub_expire(&self, now: i64) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "DELETE FROM outbox_cursors WHERE endpoint IN
                (SELECT 'websub:' || id FROM websub_subscriptions WHERE expires_at < ?)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let gone = sqlx::query("DELETE FROM websub_subscriptions WHERE expires_at < ?")
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone)
    }

    /// marsad's subscriptions to its sources' hubs.
    pub async fn source_subscriptions(&self) -> Result<Vec<SourceSubscription>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT source_id, hub, topic, token, secret, state, expires_at, updated_at
             FROM websub_sources ORDER BY source_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Writes a source's subscription (one per source).
    pub async fn set_source_subscription(&self, s: &SourceSubscription) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO websub_sources (source_id, hub, topic, token, secret, state, expires_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (source_id) DO UPDATE SET hub = excluded.hub, topic = excluded.topic,
                token = excluded.token, secret = excluded.secret, state = excluded.state,
                expires_at = excluded.expires_at, updated_at = excluded.updated_at",
        )
        .bind(&s.source_id)
        .bind(&s.hub)
        .bind(&s.topic)
        .bind(&s.token)
        .bind(&s.secret)
        .bind(&s.state)
        .bind(s.expires_at)
        .bind(s.updated_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Forgets a source's subscription.
    pub async fn remove_source_subscription(&self, source_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM websub_sources WHERE source_id = ?")
            .bind(source_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
