//! Claims on shared fetch work: due sources and per-host slots, held by one instance until
//! it releases them or their lease lapses (a dead instance's claims come back).
//!
//! Each claim is one statement that picks its row with `FOR UPDATE SKIP LOCKED` and updates
//! it: two instances racing for the same row never both get it (the loser skips the row
//! the winner has locked, and sees the winner's lease once it commits). A select followed
//! by a separate update would let both read the row as free.

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::store::{Claim, StoreError};

impl PgStore {
    /// Claims source `id` for `owner` until `until` if it is due at `now` and no other
    /// owner holds it (an owner's own claim is renewed: a config reload restarts its
    /// scheduler, which must not wait for its own lease).
    pub async fn claim_source(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let claimed: Option<String> = sqlx::query_scalar(
            "UPDATE sources SET lease_owner = $2, lease_until = $3
             WHERE id = (SELECT id FROM sources
                          WHERE id = $1
                            AND (next_due IS NULL OR next_due <= $4)
                            AND (lease_until IS NULL OR lease_until <= $4 OR lease_owner = $2)
                          FOR UPDATE SKIP LOCKED)
             RETURNING id",
        )
        .bind(id)
        .bind(owner)
        .bind(until.timestamp())
        .bind(now.timestamp())
        .fetch_optional(&self.pool)
        .await?;
        if claimed.is_some() {
            return Ok(Claim::Claimed);
        }
        let row: Option<(Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT next_due, lease_until FROM sources WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let at = |t: i64| DateTime::from_timestamp(t, 0).unwrap_or(now);
        Ok(match row {
            Some((_, Some(lease))) if lease > now.timestamp() => Claim::Held(at(lease)),
            Some((Some(due), _)) if due > now.timestamp() => Claim::NotDue(at(due)),
            // Due and free, but locked by a claim in flight (SKIP LOCKED skipped it), or
            // the row is not there yet: another instance is taking it right now.
            _ => Claim::Held(now + chrono::Duration::seconds(1)),
        })
    }

    /// Gives up `owner`'s claim on source `id` (after its fetch was recorded).
    pub async fn release_source(&self, id: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sources SET lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims one of `host`'s `limit` slots for `owner` until `until`; `None` when all
    /// are held at `now`.
    pub async fn claim_host_slot(
        &self,
        host: &str,
        limit: u32,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<u32>, StoreError> {
        let limit = i32::try_from(limit.max(1)).unwrap_or(i32::MAX);
        // The slot rows exist once for good; a larger limit later adds rows, a smaller one
        // leaves the extra rows unused (`slot < limit`).
        sqlx::query(
            "INSERT INTO host_slots (host, slot) SELECT $1, g FROM generate_series(0, $2 - 1) g
             ON CONFLICT DO NOTHING",
        )
        .bind(host)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        let slot: Option<i32> = sqlx::query_scalar(
            "UPDATE host_slots SET owner = $3, until = $4
             WHERE (host, slot) = (SELECT host, slot FROM host_slots
                                    WHERE host = $1 AND slot < $2
                                      AND (until IS NULL OR until <= $5)
                                    ORDER BY slot LIMIT 1
                                    FOR UPDATE SKIP LOCKED)
             RETURNING slot",
        )
        .bind(host)
        .bind(limit)
        .bind(owner)
        .bind(until.timestamp())
        .bind(now.timestamp())
        .fetch_optional(&self.pool)
        .await?;
        Ok(slot.and_then(|s| u32::try_from(s).ok()))
    }

    /// Gives up `owner`'s claim on a host slot.
    pub async fn release_host_slot(
        &self,
        host: &str,
        slot: u32,
        owner: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE host_slots SET owner = NULL, until = NULL
             WHERE host = $1 AND slot = $2 AND owner = $3",
        )
        .bind(host)
        .bind(i32::try_from(slot).unwrap_or(i32::MAX))
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A job only one instance runs at a time (re-tagging, retention, start-up maintenance),
/// held until dropped: a session-level advisory lock on a connection of its own, so that
/// dropping it (or the instance dying) ends the session and frees the lock.
#[derive(Debug)]
pub struct PgExclusive {
    _conn: sqlx::PgConnection,
}

impl PgStore {
    /// Waits until no other instance runs `job`, then holds it.
    pub async fn exclusive(&self, job: &str) -> Result<PgExclusive, StoreError> {
        let mut conn = self.pool.acquire().await?.detach();
        sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
            .bind(format!("marsad job {job}"))
            .execute(&mut conn)
            .await?;
        Ok(PgExclusive { _conn: conn })
    }

    /// Holds `job` if no other instance runs it now; `None` otherwise (nothing waits).
    pub async fn try_exclusive(&self, job: &str) -> Result<Option<PgExclusive>, StoreError> {
        let mut conn = self.pool.acquire().await?.detach();
        let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtextextended($1, 0))")
            .bind(format!("marsad job {job}"))
            .fetch_one(&mut conn)
            .await?;
        Ok(held.then_some(PgExclusive { _conn: conn }))
    }
}
