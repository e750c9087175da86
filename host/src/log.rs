//! confd's log lines, on stderr: `<RFC3339 time> <host> <argv0>[<pid>]: LEVEL message`, or
//! with `-log-format json` the same fields as one JSON object per line, for log pipelines.
//!
//! Scripts grep confd's logs for these exact texts, so the format and the message wording
//! (see each call site) follow confd. Messages are written verbatim: unlike confd, a `%` in a
//! path or command output is never interpreted as a format directive.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::OnceLock;

/// Severity, in confd's (logrus) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `DEBUG`
    Debug = 0,
    /// `INFO`
    Info = 1,
    /// `WARNING`
    Warn = 2,
    /// `ERROR`
    Error = 3,
    /// `FATAL`
    Fatal = 4,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARNING",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// Parse a `-log-level` value as logrus does (`panic`/`fatal` log only fatal lines,
    /// `trace` is debug).
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.to_ascii_lowercase().as_str() {
            "trace" | "debug" => Level::Debug,
            "" | "info" => Level::Info,
            "warn" | "warning" => Level::Warn,
            "error" => Level::Error,
            "fatal" | "panic" => Level::Fatal,
            _ => return None,
        })
    }
}

/// How lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// confd's text line.
    Text,
    /// `{"time":…,"host":…,"process":…,"pid":…,"level":…,"msg":…}` per line.
    Json,
}

impl Format {
    /// Parse a `-log-format` value.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "" | "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);
static JSON: AtomicBool = AtomicBool::new(false);
static PREFIX: OnceLock<(String, String, u32)> = OnceLock::new();

/// Set the lowest level that is printed.
pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// Set the line format.
pub fn set_format(format: Format) {
    JSON.store(format == Format::Json, Ordering::Relaxed);
}

/// Whether `level` is printed now (to skip building expensive debug messages).
pub fn enabled(level: Level) -> bool {
    level as u8 >= LEVEL.load(Ordering::Relaxed)
}

/// Host name, argv[0] and pid, read once.
fn origin() -> &'static (String, String, u32) {
    PREFIX.get_or_init(|| {
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "localhost".into());
        // confd prints argv[0] verbatim (a full path if it was invoked with one).
        let argv0 = std::env::args().next().unwrap_or_else(|| "wconfd".into());
        (host, argv0, std::process::id())
    })
}

/// Write one line if `level` is enabled.
pub fn log(level: Level, msg: &str) {
    if !enabled(level) {
        return;
    }
    let now = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (host, argv0, pid) = origin();
    let line = if JSON.load(Ordering::Relaxed) {
        let mut line = serde_json::json!({
            "time": now,
            "host": host,
            "process": argv0,
            "pid": pid,
            "level": level.label(),
            "msg": msg,
        })
        .to_string();
        line.push('\n');
        line
    } else {
        format!("{now} {host} {argv0}[{pid}]: {} {msg}\n", level.label())
    };
    // One write call per line keeps lines whole when resources log concurrently.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Log `msg` at WARNING the first time it comes up in this process: for conditions a pass
/// meets again on every run (a chown the user may not do), which should be said, not repeated.
pub fn warn_once(msg: &str) {
    static SEEN: std::sync::Mutex<Option<std::collections::HashSet<String>>> = std::sync::Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.get_or_insert_with(Default::default).insert(msg.to_string()) {
        log(Level::Warn, msg);
    }
}

/// Log at DEBUG.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => {
        if $crate::log::enabled($crate::log::Level::Debug) {
            $crate::log::log($crate::log::Level::Debug, &format!($($arg)*))
        }
    };
}

/// Log at INFO.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Info, &format!($($arg)*)) };
}

/// Log at WARNING.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Warn, &format!($($arg)*)) };
}

/// Log at ERROR.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Error, &format!($($arg)*)) };
}

/// Log at FATAL (the caller exits).
#[macro_export]
macro_rules! fatal {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Fatal, &format!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_like_logrus() {
        assert_eq!(Level::parse("warning"), Some(Level::Warn));
        assert_eq!(Level::parse("DEBUG"), Some(Level::Debug));
        assert_eq!(Level::parse("loud"), None);
    }
}
