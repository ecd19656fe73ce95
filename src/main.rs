//! `marsad`: a thin clap front. Parses arguments, sets up logging, loads the config and
//! calls the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use marsad::config::{self, Config};
use marsad::parse::discover::FeedLink;
use marsad::pipeline::{NotAFeed, check_feed};

/// mimalloc rather than glibc's malloc: see Cargo.toml (measured in bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use marsad::pipeline::{self, Processed};
use marsad::publish::rfc3339;
use marsad::tag::Matcher;

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
    init_tracing(cli.log_format, matches!(cli.command, Command::Serve));
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes joined with ": ", leaving out a cause whose text is already
/// there: sqlx's database error repeats SQLite's message in its own text and again as its
/// source, which `{:#}` printed three times.
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn init_tracing(format: LogFormat, to_stdout: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only on a terminal: under systemd the journal gets plain lines.
    let (writer, tty) = if to_stdout {
        (
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stdout),
            std::io::stdout().is_terminal(),
        )
    } else {
        (
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stderr),
            std::io::stderr().is_terminal(),
        )
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(tty)
        .with_writer(writer);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Loads the config: the given path, else `config/marsad.toml`, else the embedded copy.
/// Errors are printed as `file:line:col: message`, one per line.
fn load_config(path: Option<&Path>) -> Result<Config, ExitCode> {
    let result = match path {
        Some(p) => config::load(p),
        None if Path::new("config/marsad.toml").exists() => {
            config::load(Path::new("config/marsad.toml"))
        }
        None => config::load_embedded(),
    };
    result.map_err(|errors| {
        for e in &errors.0 {
            eprintln!("{e}");
        }
        ExitCode::FAILURE
    })
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let cfg = match load_config(cli.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    match cli.command {
        Command::Check => {
            println!(
                "ok: {} ({} sources, {} topics)",
                cfg.main_path.display(),
                cfg.sources.len(),
                cfg.topics.len()
            );
            for w in marsad::tag::term_warnings(&cfg.topics) {
                println!("warning: topic {}: term {:?} {}", w.topic, w.term, w.reason);
            }
            if cfg.storage.database.exists() {
                for w in term_share_warnings(&cfg).await? {
                    println!("warning: topic {}: term {:?} {}", w.topic, w.term, w.reason);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(cfg.server.listen)
                .await
                .with_context(|| format!("cannot listen on {}", cfg.server.listen))?;
            marsad::app::serve(cfg, listener, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch { force } => fetch(cfg, force).await,
        Command::Inspect {
            path_or_url,
            json,
            full_text,
            selector,
            remove,
        } => {
            let try_rules = full_text.then_some((selector, remove));
            inspect(&cfg, &path_or_url, json, try_rules).await
        }
        Command::Sources {
            command: SourcesCommand::ExportOpml,
        } => {
            let outlines: Vec<marsad::publish::Outline> = cfg
                .sources
                .iter()
                .map(|s| marsad::publish::Outline {
                    title: s.name.clone(),
                    xml_url: s.url.to_string(),
                    html_url: s.url.origin().ascii_serialization(),
                })
                .collect();
            print!("{}", marsad::publish::opml("marsad sources", &outlines));
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources {
            command: SourcesCommand::List { json },
        } => {
            let store = marsad::app::open_store(&cfg).await?;
            let sources = store.sources().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&sources)?);
            } else {
                println!(
                    "{:<20} {:>6} {:>5} {:>4} {:<20} {:<20} error",
                    "id", "items", "http", "fail", "last success", "next due"
                );
                for s in sources {
                    let when = |d: Option<chrono::DateTime<chrono::Utc>>| {
                        d.map(rfc3339).unwrap_or_else(|| "-".into())
                    };
                    println!(
                        "{:<20} {:>6} {:>5} {:>4} {:<20} {:<20} {}{}",
                        s.id,
                        s.item_count,
                        s.http_status
                            .map(|c| c.to_string())
                            .unwrap_or_else(|| "-".into()),
                        s.consecutive_failures,
                        when(s.last_success),
                        when(s.next_due),
                        if s.retired { "[retired] " } else { "" },
                        s.error.unwrap_or_default()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources { command } => edit_sources(&cfg, command).await,
        Command::Explain { item_id } => {
            let store = marsad::app::open_store(&cfg).await?;
            let Some(item) = store.item(item_id).await? else {
                eprintln!("no item {item_id}");
                return Ok(ExitCode::FAILURE);
            };
            let matcher = Matcher::compile(&cfg.topics);
            println!("#{} [{}] {}", item.id, item.source_id, item.title);
            print!("{}", matcher.explain(&item.title, &item.text));
            Ok(ExitCode::SUCCESS)
        }
        Command::Topics {
            command: TopicsCommand::Test { topic, since },
        } => topics_test(&cfg, &topic, &since).await,
        Command::Prune => {
            let store = marsad::app::open_store(&cfg).await?;
            let (age, cap) = marsad::app::prune(&store, &cfg).await?;
            println!(
                "pruned {} items: {age} older than {} days, {cap} over {} per source",
                age + cap,
                cfg.storage.retention_days,
                cfg.storage.max_items_per_source
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats => {
            let store = marsad::app::open_store(&cfg).await?;
            let (items, stories, sources, retired) = store.counts().await?;
            store.close().await;
            let db = &cfg.storage.database;
            let size: u64 = ["", "-wal", "-shm"]
                .iter()
                .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
                .map(|m| m.len())
                .sum();
            println!(
                "items     {items}\nstories   {stories}\nsources   {sources} ({retired} retired)\ndatabase  {} ({:.1} MB)",
                db.display(),
                size as f64 / 1e6
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Retag => {
            let store = marsad::app::open_store(&cfg).await?;
            let matcher = Arc::new(Matcher::compile(&cfg.topics));
            let n = marsad::app::retag_all(&store, matcher, &marsad::app::rules_hash(&cfg.topics))
                .await?;
            println!("re-tagged {n} items");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn edit_sources(cfg: &Config, command: SourcesCommand) -> anyhow::Result<ExitCode> {
    use marsad::config::edit::{NewSource, SourcesEditor, parse_opml, slug_for};
    if cfg.main_path.starts_with("<embedded>") {
        eprintln!("the embedded default config cannot be edited; pass --config PATH");
        return Ok(ExitCode::FAILURE);
    }
    let mut ed = SourcesEditor::open(&cfg.sources_path).map_err(|e| anyhow::anyhow!(e))?;
    let path = cfg.sources_path.display().to_string();
    let done = |ed: &SourcesEditor, msg: String| -> anyhow::Result<ExitCode> {
        ed.save().map_err(|e| anyhow::anyhow!(e))?;
        println!("{msg}");
        Ok(ExitCode::SUCCESS)
    };
    let refuse = |e: String| {
        eprintln!("{path}: {e}");
        Ok(ExitCode::FAILURE)
    };
    match command {
        SourcesCommand::Add {
            url,
            id,
            name,
            interval,
        } => {
            // Checked before anything is fetched or written, naming the flag: an error
            // found when the edited file is validated would cite a line not yet written.
            let url_check = match url::Url::parse(&url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
                Ok(u) => Err(format!(
                    "url scheme {:?} is not supported (use http or https)",
                    u.scheme()
                )),
                Err(e) => Err(e.to_string()),
            };
            let checks = [
                ("URL", Some(url.as_str()), url_check),
                (
                    "--id",
                    id.as_deref(),
                    id.as_deref().map_or(Ok(()), config::check_source_id),
                ),
                (
                    "--interval",
                    interval.as_deref(),
                    interval
                        .as_deref()
                        .map_or(Ok(()), |i| config::check_interval(i).map(drop)),
                ),
            ];
            for (flag, value, check) in checks {
                if let Err(e) = check {
                    eprintln!("{flag} {:?}: {e}", value.unwrap_or_default());
                    return Ok(ExitCode::from(2));
                }
            }
            if ed.has_url(&url) {
                return refuse(format!("{url} is already a source"));
            }
            let parsed = url::Url::parse(&url).context("bad URL")?;
            let fetcher = marsad::fetch::Fetcher::new(&cfg.fetch)?;
            let (url, parsed, feed) = match check_feed(&fetcher, &parsed).await {
                Ok(feed) => (url, parsed, feed),
                Err(NotAFeed::Fetch(e)) => anyhow::bail!("cannot fetch {url}: {e}"),
                Err(NotAFeed::Parse { links, .. }) if !links.is_empty() => {
                    let chosen = match links.as_slice() {
                        [one] => one.clone(),
                        _ => match choose_feed(&url, &links)? {
                            Some(l) => l,
                            None => return Ok(ExitCode::FAILURE),
                        },
                    };
                    println!(
                        "{url} is a web page; adding the feed it links to: {}",
                        chosen.url
                    );
                    let feed = match check_feed(&fetcher, &chosen.url).await {
                        Ok(feed) => feed,
                        Err(e) => anyhow::bail!("{} (linked from {url}): {e}", chosen.url),
                    };
                    if ed.has_url(chosen.url.as_str()) {
                        return refuse(format!("{} is already a source", chosen.url));
                    }
                    (chosen.url.to_string(), chosen.url, feed)
                }
                Err(e) => anyhow::bail!("{url} is not a feed: {e}"),
            };
            let title = feed
                .title
                .as_deref()
                .map(marsad::clean::html::plain_text)
                .filter(|t| !t.is_empty());
            let new = NewSource {
                id: id.unwrap_or_else(|| slug_for(&url, &ed.ids())),
                name: name
                    .or(title)
                    .unwrap_or_else(|| parsed.host_str().unwrap_or("source").to_string()),
                url,
                interval,
                language: feed.language.clone(),
            };
            if let Err(e) = ed.add(&new) {
                return refuse(e);
            }
            done(
                &ed,
                format!(
                    "added {} ({}, {} entries, language {})",
                    new.id,
                    new.name,
                    feed.entries.len(),
                    new.language.as_deref().unwrap_or("ar")
                ),
            )
        }
        SourcesCommand::Remove { id } => match ed.remove(&id) {
            Ok(()) => done(&ed, format!("removed {id}")),
            Err(e) => refuse(e),
        },
        SourcesCommand::Enable { id } => match ed.set_enabled(&id, true) {
            Ok(()) => done(&ed, format!("enabled {id}")),
            Err(e) => refuse(e),
        },
        SourcesCommand::Disable { id } => match ed.set_enabled(&id, false) {
            Ok(()) => done(&ed, format!("disabled {id}")),
            Err(e) => refuse(e),
        },
        SourcesCommand::ImportOpml { file, no_check } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let feeds =
                parse_opml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            // One bad outline is skipped with a line of its own; it never stops the others.
            let (mut refused, mut candidates, mut skipped) = (Vec::new(), Vec::new(), 0usize);
            for f in feeds {
                match url::Url::parse(&f.xml_url) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => {
                        if ed.has_url(&f.xml_url) {
                            skipped += 1;
                        } else {
                            candidates.push((f, u));
                        }
                    }
                    Ok(u) => refused.push((
                        f,
                        format!(
                            "url scheme {:?} is not supported (use http or https)",
                            u.scheme()
                        ),
                    )),
                    Err(e) => refused.push((f, e.to_string())),
                }
            }
            let checks = if no_check {
                vec![None; candidates.len()]
            } else {
                let urls: Vec<url::Url> = candidates.iter().map(|(_, u)| u.clone()).collect();
                let bar = progress_bar(urls.len() as u64);
                let b = bar.clone();
                let checks = marsad::app::check_feeds(cfg, urls, move |u| {
                    b.set_message(u.to_string());
                    b.inc(1);
                })
                .await?;
                bar.finish_and_clear();
                checks
            };
            let mut added = Vec::new();
            for ((f, _), check) in candidates.into_iter().zip(checks) {
                if let Some(why) = check {
                    refused.push((f, why));
                    continue;
                }
                let new = NewSource {
                    id: slug_for(&f.xml_url, &ed.ids()),
                    name: f.title,
                    url: f.xml_url,
                    interval: None,
                    language: None,
                };
                match ed.add(&new) {
                    Ok(()) => added.push(new.id),
                    Err(_) => skipped += 1, // the same URL twice in the file
                }
            }
            for (f, why) in &refused {
                eprintln!("skipped {:?} ({}): {why}", f.title, f.xml_url);
            }
            let refused = match refused.len() {
                0 => String::new(),
                n => format!(", {n} refused"),
            };
            done(
                &ed,
                format!(
                    "imported {} sources ({}), skipped {skipped} already present{refused}",
                    added.len(),
                    added.join(", ")
                ),
            )
        }
        SourcesCommand::List { .. } | SourcesCommand::ExportOpml => {
            unreachable!("handled in run")
        }
    }
}

/// Asks which of a page's feeds to add: a numbered prompt on a terminal; otherwise the
/// list and a hint on stderr, and `None` (a script cannot answer, and guessing could add
/// the comments feed).
fn choose_feed(page: &str, links: &[FeedLink]) -> anyhow::Result<Option<FeedLink>> {
    let describe = |l: &FeedLink| match &l.title {
        Some(t) => format!("{}: {}", l.kind, marsad::clean::html::plain_text(t)),
        None => l.kind.to_string(),
    };
    eprintln!("{page} is a web page that links to {} feeds:", links.len());
    let interactive = std::io::stdin().is_terminal();
    for (i, l) in links.iter().enumerate() {
        let number = if interactive {
            format!("{}. ", i + 1)
        } else {
            String::new()
        };
        eprintln!("  {number}{}  ({})", l.url, describe(l));
    }
    if !interactive {
        eprintln!("run `marsad sources add URL` with the one you want");
        return Ok(None);
    }
    // A blocking read on the runtime's thread: nothing else runs while the admin answers.
    loop {
        eprint!("add which one? [1-{}, Enter to cancel] ", links.len());
        let mut line = String::new();
        if std::io::stdin().read_line(&mut line)? == 0 || line.trim().is_empty() {
            return Ok(None);
        }
        if let Ok(n) = line.trim().parse::<usize>()
            && (1..=links.len()).contains(&n)
        {
            return Ok(Some(links[n - 1].clone()));
        }
    }
}

/// A progress bar on stderr when it is a terminal; scripts and CI get the summary alone.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(total);
    b.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b
}

/// Terms that match a large share of the items already stored (read in batches, as
/// `retag` does); the database is opened without syncing sources, so `check` changes nothing.
async fn term_share_warnings(cfg: &Config) -> anyhow::Result<Vec<marsad::tag::TermWarning>> {
    let store = marsad::store::Store::open_with(&cfg.storage.database, cfg.storage.busy_timeout)
        .await
        .with_context(|| format!("cannot open database {}", cfg.storage.database.display()))?;
    let matcher = Matcher::compile(&cfg.topics);
    let (mut after, mut total) = (0, 0);
    let mut counts: Vec<Vec<usize>> = cfg.topics.iter().map(|t| vec![0; t.terms.len()]).collect();
    loop {
        let batch = store.item_texts(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        total += batch.len();
        let found =
            matcher.term_item_counts(batch.iter().map(|(_, t, x)| (t.as_str(), x.as_str())));
        for (c, f) in counts.iter_mut().flatten().zip(found.iter().flatten()) {
            *c += f;
        }
    }
    store.close().await;
    Ok(marsad::tag::share_warnings(&cfg.topics, &counts, total))
}

async fn topics_test(cfg: &Config, topic: &str, since: &str) -> anyhow::Result<ExitCode> {
    if !cfg.topics.iter().any(|t| t.slug == topic) {
        eprintln!("no topic {topic:?} in {}", cfg.topics_path.display());
        return Ok(ExitCode::FAILURE);
    }
    let window = config::parse_duration(since).map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    let from = chrono::Utc::now().timestamp() - window.as_secs() as i64;
    let store = marsad::app::open_store(cfg).await?;
    let matcher = Matcher::compile(&cfg.topics);
    let items = store.items_with_topic_flag(topic, from).await?;
    let (mut added, mut removed, mut kept) = (Vec::new(), Vec::new(), 0usize);
    for (id, title, text, was) in &items {
        let now = matcher
            .tag(title, text)
            .into_iter()
            .find(|t| t.slug == topic);
        match (was, &now) {
            (false, Some(t)) => added.push(format!("+ #{id} ({}) {title}", t.score)),
            (true, None) => removed.push(format!("- #{id} {title}")),
            (true, Some(_)) => kept += 1,
            (false, None) => {}
        }
    }
    for line in added.iter().chain(&removed) {
        println!("{line}");
    }
    println!(
        "{topic}: {} items since {since} checked; {} would be added, {} removed, {kept} stay tagged",
        items.len(),
        added.len(),
        removed.len()
    );
    Ok(ExitCode::SUCCESS)
}

async fn fetch(cfg: Config, force: bool) -> anyhow::Result<ExitCode> {
    let store = marsad::app::open_store(&cfg).await?;
    let total = cfg.sources.iter().filter(|s| s.enabled).count() as u64;
    let bar = progress_bar(total);
    let b = bar.clone();
    let (outcomes, skipped) = marsad::app::fetch_all(&cfg, &store, force, move |o| {
        b.set_message(o.source_id.clone());
        b.inc(1);
    })
    .await?;
    bar.finish_and_clear();
    let (mut new, mut seen, mut too_old) = (0, 0, 0);
    for o in &outcomes {
        new += o.report.new;
        seen += o.report.seen;
        too_old += o.too_old;
    }
    for s in &skipped {
        println!("skipped {s}");
    }
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.ok).collect();
    for o in &failed {
        println!(
            "failed  {}: {}",
            o.source_id,
            o.error.as_deref().unwrap_or("unknown error")
        );
    }
    let too_old = if too_old > 0 {
        format!(
            ", {too_old} too old to keep (retention_days = {})",
            cfg.storage.retention_days
        )
    } else {
        String::new()
    };
    println!(
        "fetched {} sources: {} ok, {} failed, {} skipped; {} items seen, {} new{too_old}",
        outcomes.len() + skipped.len(),
        outcomes.len() - failed.len(),
        failed.len(),
        skipped.len(),
        seen,
        new
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn inspect(
    cfg: &Config,
    target: &str,
    as_json: bool,
    full_text: Option<(Option<String>, Vec<String>)>,
) -> anyhow::Result<ExitCode> {
    let (body, content_type, base) =
        if target.starts_with("http://") || target.starts_with("https://") {
            let url = url::Url::parse(target).context("bad URL")?;
            let f = marsad::fetch::Fetcher::new(&cfg.fetch)?
                .fetch(&url, &Default::default())
                .await
                .with_context(|| format!("cannot fetch {target}"))?;
            (f.body, f.content_type, Some(f.final_url.to_string()))
        } else {
            let body = std::fs::read(target).with_context(|| format!("cannot read {target}"))?;
            (body, None, None)
        };
    let matcher = Matcher::compile(&cfg.topics);
    let processed: Processed = match pipeline::process(
        &body,
        content_type.as_deref(),
        None,
        base.as_deref(),
        "ar",
        &matcher,
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{target}: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let source = cfg.sources.iter().find(|s| s.url.as_str() == target);
    let mut pages: Vec<Option<pipeline::Page>> = processed.items.iter().map(|_| None).collect();
    if let Some((selector, remove)) = full_text {
        let mut rules = source.map(|s| s.article.clone()).unwrap_or_default();
        if let Some(css) = selector {
            rules.content = Some(
                marsad::clean::article::Selector::parse(&css)
                    .map_err(|e| anyhow::anyhow!("--selector: {e}"))?,
            );
        }
        for css in remove {
            rules.remove.push(
                marsad::clean::article::Selector::parse(&css)
                    .map_err(|e| anyhow::anyhow!("--remove: {e}"))?,
            );
        }
        let fetcher = marsad::fetch::Fetcher::new(&cfg.fetch)?;
        // One page at a time: an admin trying rules, not a crawl.
        for (slot, it) in pages.iter_mut().zip(&processed.items) {
            *slot = Some(
                pipeline::inspect_page(
                    &fetcher,
                    &it.entry,
                    source.and_then(|s| s.encoding),
                    &rules,
                    cfg.fetch.max_body_bytes,
                )
                .await,
            );
        }
    }
    let page_json = |p: &Option<pipeline::Page>| {
        p.as_ref().map(|p| {
            json!({
                "body_from": if p.entry.is_some() { "page" } else { "feed" },
                "page_url": p.url,
                "rule": p.rule,
                "reason": p.reason,
                "text": p.entry.as_ref().map(|e| &e.text),
                "content_html": p.entry.as_ref().map(|e| &e.content_html),
            })
        })
    };
    if as_json {
        let entries: Vec<_> = processed
            .items
            .iter()
            .zip(&pages)
            .map(|(it, page)| {
                let e = &it.entry;
                let mut entry = json!({
                    "guid": e.guid,
                    "url": e.url,
                    "title": e.title,
                    "author": e.author,
                    "published": e.published.map(rfc3339),
                    "updated": e.updated.map(rfc3339),
                    "summary": e.summary,
                    "content_html": e.content_html,
                    "text": e.text,
                    "language": e.language,
                    "dir": e.dir,
                    "source_credit": e.source_credit,
                    "fingerprint": format!("{:032x}", e.fingerprint),
                    "topics": it.tags,
                });
                // Only with --full-text, so the documented shape stays as it was without.
                if let Some(p) = page_json(page) {
                    entry["full_text"] = p;
                }
                entry
            })
            .collect();
        let doc = json!({
            "feed": {
                "title": processed.feed.title,
                "link": processed.feed.link,
                "language": processed.feed.language,
                "format": processed.feed.format,
            },
            "entries": entries,
            "warnings": processed.warnings,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!(
            "{} ({}, {} entries)",
            processed.feed.title.as_deref().unwrap_or("(untitled feed)"),
            processed.feed.format,
            processed.items.len()
        );
        for w in &processed.warnings {
            println!("warning: {w}");
        }
        for (it, page) in processed.items.iter().zip(&pages) {
            let tags: Vec<String> = it
                .tags
                .iter()
                .map(|t| format!("{} ({})", t.slug, t.score))
                .collect();
            println!(
                "\n• {}\n  {}\n  topics: {}",
                it.entry.title,
                it.entry.url.as_deref().unwrap_or("-"),
                if tags.is_empty() {
                    "-".into()
                } else {
                    tags.join(", ")
                }
            );
            match page {
                None => {}
                Some(pipeline::Page {
                    entry: Some(e),
                    rule,
                    url,
                    ..
                }) => {
                    let tags: Vec<String> = matcher
                        .tag_normalized(
                            &e.norm_title,
                            &e.norm_text,
                            marsad::tag::lead_words(&e.text),
                        )
                        .iter()
                        .map(|t| format!("{} ({})", t.slug, t.score))
                        .collect();
                    println!(
                        "  body from the page {} by {}\n  topics with it: {}\n  ---\n{}\n  ---",
                        url.as_deref().unwrap_or("-"),
                        rule.as_deref().unwrap_or("-"),
                        if tags.is_empty() {
                            "-".into()
                        } else {
                            tags.join(", ")
                        },
                        e.text
                    );
                }
                Some(p) => println!(
                    "  body from the feed: {}",
                    p.reason.as_deref().unwrap_or("-")
                ),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed here, before the caller tells
/// systemd it is ready: installed at the future's first poll (inside the spawned server
/// task), a SIGTERM sent right after READY=1 could still meet the default action and kill
/// the process without a graceful stop (seen as a flaky `serve_tells_systemd…` test).
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => {},
                _ = int => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}
