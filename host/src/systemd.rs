//! systemd's notify protocol (`Type=notify`): `READY=1` once every resource has rendered,
//! `RELOADING=1` on SIGHUP, `STOPPING=1` on the way out, and `WATCHDOG=1` pings when the unit
//! sets `WatchdogSec=`.
//!
//! The protocol is one datagram per message to the socket named by `$NOTIFY_SOCKET` (a path,
//! or an abstract name written with a leading `@`); without it every call here does nothing,
//! so wconfd behaves the same under any other supervisor.

use crate::debug;
use std::collections::HashSet;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Send `state` (e.g. `READY=1`) to systemd, if it is listening.
pub fn notify(state: &str) {
    let Some(target) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let target = target.to_string_lossy().into_owned();
    let sent = (|| -> std::io::Result<()> {
        let socket = UnixDatagram::unbound()?;
        let addr = match target.strip_prefix('@') {
            Some(name) => {
                use std::os::linux::net::SocketAddrExt;
                SocketAddr::from_abstract_name(name.as_bytes())?
            }
            None => SocketAddr::from_pathname(&target)?,
        };
        socket.send_to_addr(state.as_bytes(), &addr)?;
        Ok(())
    })();
    if let Err(e) = sent {
        debug!("cannot notify systemd at {target} ({state}): {e}");
    }
}

/// How often to ping the watchdog: half the unit's `WatchdogSec=`, if it set one for us.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    // WATCHDOG_PID, when set, names the process the watchdog is for.
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        if pid.parse::<u32>().ok() != Some(std::process::id()) {
            return None;
        }
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

/// Which resources have not rendered yet; says `READY=1` when the last one has.
pub struct Readiness {
    pending: Mutex<Option<HashSet<PathBuf>>>,
}

impl Readiness {
    /// Waiting for `resources` (their TOML files); with none, ready at once.
    pub fn new(resources: impl IntoIterator<Item = PathBuf>) -> Self {
        let pending: HashSet<PathBuf> = resources.into_iter().collect();
        let r = Readiness {
            pending: Mutex::new(Some(pending)),
        };
        r.check();
        r
    }

    /// `resource` has rendered (its destination is in line with the store).
    pub fn rendered(&self, resource: &std::path::Path) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = pending.as_mut() {
            p.remove(resource);
        }
        drop(pending);
        self.check();
    }

    fn check(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.as_ref().is_some_and(|p| p.is_empty()) {
            *pending = None;
            notify("READY=1\nSTATUS=every template resource has rendered");
        }
    }
}
