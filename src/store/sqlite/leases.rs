//! Claims on shared fetch work, for a SQLite file: one `marsad serve` schedules its
//! fetches, so every claim is granted; [`crate::store::Store::shared`] tells the
//! scheduler not to ask. Kept so that the store's surface is the same for every backend.

use chrono::{DateTime, Utc};

use super::SqliteStore;
use crate::store::{Claim, StoreError};

impl SqliteStore {
    /// Always [`Claim::Claimed`].
    pub async fn claim_source(
        &self,
        _id: &str,
        _owner: &str,
        _now: DateTime<Utc>,
        _until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        Ok(Claim::Claimed)
    }

    /// Nothing to give up.
    pub async fn release_source(&self, _id: &str, _owner: &str) -> Result<(), StoreError> {
        Ok(())
    }

    /// Always slot 0: the in-process per-host limit applies.
    pub async fn claim_host_slot(
        &self,
        _host: &str,
        _limit: u32,
        _owner: &str,
        _now: DateTime<Utc>,
        _until: DateTime<Utc>,
    ) -> Result<Option<u32>, StoreError> {
        Ok(Some(0))
    }

    /// Nothing to give up.
    pub async fn release_host_slot(
        &self,
        _host: &str,
        _slot: u32,
        _owner: &str,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}
