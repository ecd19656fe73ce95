//! `marsad migrate-store`: copies a SQLite database into a new PostgreSQL one, the step
//! before pointing several instances at it.

use std::fmt;
use std::path::Path;

use marsad::config::{Config, Database};
use marsad::store::{Copied, Store};

use super::{Refusal, Report};

/// What a copy did.
#[derive(Debug)]
pub struct Migrated {
    /// The SQLite file copied from.
    pub from: String,
    /// The PostgreSQL database copied into (without its password).
    pub to: String,
    /// Rows written per table.
    pub copied: Copied,
    /// Items whose search terms were written in the new database.
    pub indexed: u64,
}

impl Report for Migrated {}

impl fmt::Display for Migrated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.copied;
        writeln!(f, "copied {} into {}:", self.from, self.to)?;
        writeln!(f, "  sources   {}", c.sources)?;
        writeln!(
            f,
            "  items     {} (search index written for {})",
            c.items, self.indexed
        )?;
        writeln!(f, "  tags      {}", c.tags)?;
        writeln!(f, "  pages     {}", c.pages)?;
        writeln!(f, "  facts     {}", c.meta)?;
        writeln!(
            f,
            "next: set [storage] database = \"{}\" in every instance's marsad.toml and start them",
            self.to
        )
    }
}

/// Copies `from` (default: the config's database) into `to`, which must be an empty
/// PostgreSQL database.
pub async fn run(cfg: &Config, from: Option<&str>, to: &str) -> anyhow::Result<Migrated> {
    let from = match from {
        Some(f) => {
            Database::parse(f, Path::new("")).map_err(|e| Refusal::usage(format!("--from: {e}")))?
        }
        None => cfg.storage.database.clone(),
    };
    let Database::Sqlite(path) = &from else {
        return Err(Refusal::usage("--from: a SQLite database (a path or sqlite:path)").into());
    };
    // Opening creates a missing file; a typo must not copy an empty database.
    if !path.is_file() {
        return Err(Refusal::new(format!("--from: no database file at {}", path.display())).into());
    }
    let to =
        Database::parse(to, Path::new("")).map_err(|e| Refusal::usage(format!("--to: {e}")))?;
    let Database::Postgres(url) = &to else {
        return Err(
            Refusal::usage("--to: a PostgreSQL URL (postgres://user@host/database)").into(),
        );
    };
    let source = Store::open_with(path, cfg.storage.busy_timeout).await?;
    let target = Store::open_url(url, cfg.storage.busy_timeout).await?;
    let (items, ..) = source.counts().await?;
    let bar = super::progress_bar(u64::try_from(items).unwrap_or(0));
    let copied = source.copy_into(&target, &|n| bar.set_position(n)).await;
    bar.finish_and_clear();
    let copied = match copied {
        Ok(c) => c,
        Err(e @ marsad::store::StoreError::NotEmpty { .. }) => {
            return Err(Refusal::new(e.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    let indexed = marsad::app::maintenance::run(&target).await?.indexed;
    source.close().await;
    target.close().await;
    Ok(Migrated {
        from: from.to_string(),
        to: to.to_string(),
        copied,
        indexed,
    })
}
