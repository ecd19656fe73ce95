//! `marsad`: a thin clap front. Parses arguments, sets up logging, loads the config,
//! dispatches to the command bodies in `cli/` and prints what they return.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use cli::{Refusal, Report};

/// mimalloc rather than glibc's malloc: see Cargo.toml (measured in bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "marsad",
    version,
    about = "مرصد: watches Arabic news feeds, tags them by topic, republishes clean feeds"
)]
struct Cli {
    /// Main config file [default: config/marsad.toml, else the copy built into the binary]
    #[arg(long, global = true, env = "MARSAD_CONFIG")]
    config: Option<PathBuf>,
    /// Log format on stderr
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scheduler and the HTTP server
    Serve,
    /// Fetch every enabled source once now, then exit
    Fetch {
        /// Ignore backoff and Retry-After, and fetch and parse every feed in full (no
        /// conditional GET, no unchanged-body skip)
        #[arg(long)]
        force: bool,
    },
    /// Parse, clean and tag one feed (file or URL) without storing it
    Inspect {
        /// A file path or an http(s) URL
        path_or_url: String,
        /// Print one JSON document
        #[arg(long)]
        json: bool,
        /// Also fetch each item's page and show the article extracted from it, with the
        /// rule that found it (the source's rules when the URL is a configured feed)
        #[arg(long)]
        full_text: bool,
        /// With --full-text: try this content_selector instead of the source's
        #[arg(long, requires = "full_text")]
        selector: Option<String>,
        /// With --full-text: a remove_selectors entry to try (repeatable)
        #[arg(long, requires = "full_text")]
        remove: Vec<String>,
    },
    /// Validate the config files
    Check,
    /// Show sources and their fetch state
    Sources {
        #[command(subcommand)]
        command: SourcesCommand,
    },
    /// Explain why an item has its topics
    Explain {
        /// Item id (as in /api/items/{id})
        item_id: i64,
    },
    /// Re-tag every stored item with the current rules
    Retag,
    /// Remove items past [storage] retention_days / max_items_per_source now
    Prune,
    /// Items, stories, sources and database size
    Stats,
    /// Copy a SQLite database into a new, empty PostgreSQL database (then point every
    /// instance's [storage] database at it)
    MigrateStore {
        /// The SQLite database: a path or sqlite:PATH (default: the config's)
        #[arg(long)]
        from: Option<String>,
        /// The PostgreSQL database: postgres://user:password@host/dbname
        #[arg(long)]
        to: String,
    },
    /// Work with topic rules
    Topics {
        #[command(subcommand)]
        command: TopicsCommand,
    },
}

#[derive(Subcommand)]
enum TopicsCommand {
    /// Dry-run a topic's rules (as the files are now) against stored items: what would be
    /// added and removed compared with the current tags
    Test {
        /// Topic slug
        topic: String,
        /// How far back to look ("7d", "24h")
        #[arg(long, default_value = "7d")]
        since: String,
    },
}

#[derive(Subcommand)]
enum SourcesCommand {
    /// List sources with their state
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Fetch a feed once, detect its title and language, and add it to sources.toml; given
    /// a web page, add the feed it links to (`<link rel="alternate">`; asks when several)
    Add {
        /// Feed URL, or the URL of a page that links to its feed
        url: String,
        /// Slug (default: from the host name)
        #[arg(long)]
        id: Option<String>,
        /// Display name (default: the feed's title)
        #[arg(long)]
        name: Option<String>,
        /// Polling interval ("15m")
        #[arg(long)]
        interval: Option<String>,
        /// Where the source reports from ("لبنان"): an ambiguous place name its items
        /// leave undecided takes this place's reading
        #[arg(long)]
        place: Option<String>,
    },
    /// Remove a source from sources.toml (its stored items stay)
    Remove {
        /// Source id
        id: String,
    },
    /// Enable a source
    Enable {
        /// Source id
        id: String,
    },
    /// Disable a source (kept in the file, not polled)
    Disable {
        /// Source id
        id: String,
    },
    /// Add every feed of an OPML file that is not a source yet; each URL is fetched and
    /// checked like `sources add` does (in parallel), and bad outlines are skipped
    ImportOpml {
        /// OPML file
        file: PathBuf,
        /// Do not fetch the feeds to check them (URLs must still be http or https)
        #[arg(long)]
        no_check: bool,
    },
    /// Print the sources as OPML
    ExportOpml,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `serve` logs to stdout (journald reads it; nothing else is printed there); the other
    // commands print their results on stdout, so their logs go to stderr.
    cli::init_tracing(
        matches!(cli.log_format, LogFormat::Json),
        matches!(cli.command, Command::Serve),
    );
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<Refusal>() {
            Some(r) => {
                print!("{}", r.stdout);
                if !r.message.is_empty() {
                    eprintln!("{r}");
                }
                ExitCode::from(r.code)
            }
            None => {
                eprintln!("error: {}", cli::error_chain(&e));
                ExitCode::FAILURE
            }
        },
    }
}

/// Prints a command's result: its notes on stderr, the result on stdout.
fn show(report: impl Report) {
    for note in report.notes() {
        eprintln!("{note}");
    }
    print!("{report}");
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cfg = cli::load_config(cli.config.as_deref())
        .map_err(|errors| Refusal::new(errors.to_string()))?;
    match cli.command {
        Command::Serve => cli::serve::run(cfg).await?,
        Command::Check => show(cli::check::run(&cfg).await?),
        Command::Fetch { force } => show(cli::fetch::run(&cfg, force).await?),
        Command::Inspect {
            path_or_url,
            json,
            full_text,
            selector,
            remove,
        } => {
            let full_text = full_text.then_some(cli::inspect::FullText { selector, remove });
            show(cli::inspect::run(&cfg, &path_or_url, json, full_text).await?)
        }
        Command::Sources { command } => match command {
            SourcesCommand::List { json } => show(cli::sources::list(&cfg, json).await?),
            SourcesCommand::Add {
                url,
                id,
                name,
                interval,
                place,
            } => show(cli::sources::add(&cfg, url, id, name, interval, place).await?),
            SourcesCommand::Remove { id } => show(cli::sources::remove(&cfg, id)?),
            SourcesCommand::Enable { id } => show(cli::sources::set_enabled(&cfg, id, true)?),
            SourcesCommand::Disable { id } => show(cli::sources::set_enabled(&cfg, id, false)?),
            SourcesCommand::ImportOpml { file, no_check } => {
                show(cli::opml::import(&cfg, &file, no_check).await?)
            }
            SourcesCommand::ExportOpml => show(cli::opml::export(&cfg)),
        },
        Command::Explain { item_id } => show(cli::items::explain(&cfg, item_id).await?),
        Command::Topics {
            command: TopicsCommand::Test { topic, since },
        } => show(cli::topics::test(&cfg, &topic, &since).await?),
        Command::Prune => show(cli::items::prune(&cfg).await?),
        Command::Stats => show(cli::items::stats(&cfg).await?),
        Command::MigrateStore { from, to } => {
            show(cli::migrate::run(&cfg, from.as_deref(), &to).await?)
        }
        Command::Retag => show(cli::items::retag(&cfg).await?),
    }
    Ok(())
}
