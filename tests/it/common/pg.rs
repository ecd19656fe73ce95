//! A real PostgreSQL server for tests, started from the distribution's binaries: `initdb`
//! and `pg_ctl` in a temporary folder, listening on 127.0.0.1 at a free port, stopped (and
//! its folder removed) on drop. Nothing is downloaded and no container is used.
//!
//! PostgreSQL refuses to run as root, so when the tests run as root the server runs as
//! `nobody` (its folder handed over to it); clients (`psql`, the tests) stay as they are.
//! The binaries are taken from `MARSAD_PG_BIN` when set, else from the newest
//! `/usr/lib/postgresql/*/bin` (Debian's layout), else from `pg_config --bindir`.

use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The role the tests connect as (created by `initdb`, trusted on loopback).
pub const USER: &str = "marsad";

/// A running server.
pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// (uid, gid) the server runs as, when the tests run as root.
    owner: Option<(u32, u32)>,
    port: u16,
}

impl PgServer {
    /// Creates a cluster and starts it; panics with the tool's output when that fails.
    pub fn start() -> PgServer {
        let bin = bin_dir().unwrap_or_else(|| {
            panic!(
                "no PostgreSQL server binaries (initdb, pg_ctl): install the distribution's \
                 package (Debian: postgresql) or set MARSAD_PG_BIN to their folder"
            )
        });
        let dir = tempfile::Builder::new()
            .prefix("marsad-pg-")
            .tempdir()
            .expect("temp dir");
        let owner = unprivileged_owner(dir.path());
        if let Some((uid, gid)) = owner {
            chown(dir.path(), Some(uid), Some(gid)).expect("hand the folder to the server");
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
                .expect("folder mode");
        }
        let data = dir.path().join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("--pgdata")
            .arg(&data)
            .args(["--username", USER, "--auth", "trust", "--encoding", "UTF8"])
            .args(["--locale", "C", "--no-sync"]);
        run(as_owner(&mut initdb, owner), "initdb");
        let log = dir.path().join("server.log");
        // A port is free when the OS hands it out; another process may take it before the
        // server binds it, so a failed start is tried again on a new one.
        let mut failure = String::new();
        for _ in 0..3 {
            let port = free_port();
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{}' \
                 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                dir.path().display()
            );
            let mut ctl = Command::new(bin.join("pg_ctl"));
            ctl.arg("start")
                .arg("--pgdata")
                .arg(&data)
                .args(["--wait", "--timeout", "60", "--silent"])
                .arg("--log")
                .arg(&log)
                .args(["-o", &opts]);
            let out = as_owner(&mut ctl, owner).output().expect("run pg_ctl");
            if out.status.success() {
                let server = PgServer {
                    dir,
                    bin,
                    owner,
                    port,
                };
                server.stop_when_this_process_ends();
                return server;
            }
            failure = format!(
                "{}{}\nserver log:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("pg_ctl start failed three times: {failure}");
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for `database`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a database.
    pub fn create_database(&self, name: &str) {
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
    }

    /// Runs SQL with `psql` (stopping at the first error) and returns its unaligned,
    /// tuples-only output; panics with psql's message when it fails.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let out = self
            .psql_command(database)
            .args(["-c", sql])
            .output()
            .expect("run psql");
        checked(out, &format!("psql -c {sql}"))
    }

    /// Runs an SQL file with `psql` in one transaction, stopping at the first error.
    pub fn psql_file(&self, database: &str, file: &Path) -> String {
        let out = self
            .psql_command(database)
            .arg("--single-transaction")
            .arg("-f")
            .arg(file)
            .output()
            .expect("run psql");
        checked(out, &format!("psql -f {}", file.display()))
    }

    fn psql_command(&self, database: &str) -> Command {
        let mut c = Command::new(self.bin.join("psql"));
        c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-U", USER, "-d", database])
            .arg("-p")
            .arg(self.port.to_string())
            .env("PGCONNECT_TIMEOUT", "10");
        c
    }
}

impl PgServer {
    /// Stops the server and removes its folder once this process has ended, however it
    /// ends (a server kept in a static is never dropped; a test binary killed by a signal
    /// drops nothing): a small shell in the background, run as the server's owner, watches
    /// this process. The shell that starts it returns at once.
    fn stop_when_this_process_ends(&self) {
        let script = r#"(while [ -d "/proc/$1" ]; do sleep 0.5; done
"$2/pg_ctl" stop --pgdata "$3/data" --mode immediate --wait --silent
rm -rf "$3") &"#;
        let mut watch = Command::new("sh");
        watch
            .args(["-c", script, "watch"])
            .arg(std::process::id().to_string())
            .arg(&self.bin)
            .arg(self.dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // `status`, not `output`: the watch keeps no pipe of ours open.
        let started = as_owner(&mut watch, self.owner)
            .status()
            .expect("start the server's watch");
        assert!(started.success(), "the server's watch: {started}");
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // Immediate: the data is thrown away with the folder, so no checkpoint is needed.
        let mut ctl = Command::new(self.bin.join("pg_ctl"));
        ctl.arg("stop")
            .arg("--pgdata")
            .arg(self.dir.path().join("data"))
            .args(["--mode", "immediate", "--wait", "--silent"]);
        let _ = as_owner(&mut ctl, self.owner).output();
    }
}

/// Runs `cmd` as the server's owner when there is one.
fn as_owner(cmd: &mut Command, owner: Option<(u32, u32)>) -> &mut Command {
    if let Some((uid, gid)) = owner {
        cmd.uid(uid).gid(gid).env("HOME", "/");
    }
    cmd
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    checked(out, what);
}

fn checked(out: Output, what: &str) -> String {
    if !out.status.success() {
        panic!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `nobody`'s uid and gid when this process runs as root (it owns `made`, a folder it
/// just created, as uid 0); `None` otherwise.
fn unprivileged_owner(made: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt as _;
    if std::fs::metadata(made).expect("temp dir").uid() != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let line = passwd
        .lines()
        .find(|l| l.starts_with("nobody:"))
        .expect("a `nobody` user to run PostgreSQL as (it refuses to run as root)");
    let fields: Vec<&str> = line.split(':').collect();
    Some((
        fields[2].parse().expect("nobody's uid"),
        fields[3].parse().expect("nobody's gid"),
    ))
}

/// The folder of the server binaries.
fn bin_dir() -> Option<PathBuf> {
    let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(d) = std::env::var_os("MARSAD_PG_BIN") {
        return Some(PathBuf::from(d)).filter(|d| has_tools(d));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has_tools(d))
        .collect();
    versions.sort();
    if let Some((_, d)) = versions.pop() {
        return Some(d);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let d = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    has_tools(&d).then_some(d)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}
