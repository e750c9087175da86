//! `check_cmd` and `reload_cmd`: run through `/bin/sh -c` as confd runs them (stdin closed,
//! stdout and stderr combined), in a process group of their own with a time limit.
//!
//! confd waited for a command for ever, so a reload that hung stopped that resource for good.
//! Here a command that runs past its limit is stopped with its whole process group (the shell
//! and everything it started), its output so far is kept for the log, and the pass fails as
//! for a command that exited non-zero.

use crate::debug;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Why a command failed, with what it printed.
#[derive(Debug)]
pub struct Failure {
    /// `exit status 1`, `terminated by a signal`, `timed out after 30s ...`.
    pub status: String,
    /// Its combined output.
    pub output: String,
}

/// How often a running command is checked for exit (it also bounds the delay a finished
/// command adds).
const POLL: Duration = Duration::from_millis(5);

/// Run `cmd`; `timeout` `None` waits for as long as it takes; `run_as` `(uid, gid)` runs it as
/// that user and group (a tenant's; it needs wconfd to run as root).
pub fn run(cmd: &str, timeout: Option<Duration>, run_as: Option<(u32, u32)>) -> Result<String, Failure> {
    debug!("Running {cmd}");
    let mut command = Command::new("/bin/sh");
    if let Some((uid, gid)) = run_as {
        use std::os::unix::process::CommandExt;
        // std drops wconfd's supplementary groups when root changes the uid: the command
        // gets exactly the tenant's user and group.
        command.uid(uid).gid(gid);
    }
    let mut child = command
        .arg("-c")
        .arg(format!("exec 2>&1; {cmd}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // Its own group, so that a timeout can stop everything it started.
        .process_group(0)
        .spawn()
        .map_err(|e| Failure {
            status: format!("cannot run /bin/sh: {e}"),
            output: String::new(),
        })?;
    let (tx, rx) = mpsc::channel();
    if let Some(mut out) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    let started = Instant::now();
    let deadline = timeout.map(|t| started + t);
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (Some(status), false),
            Ok(None) if deadline.is_some_and(|d| Instant::now() >= d) => {
                // SIGKILL the group: a check that ignores SIGTERM must not hold the pass.
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(child.id() as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
                break (child.wait().ok(), true);
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(_) => break (None, false),
        }
    };
    // Output arrives when every holder of the pipe has exited; a process that left the group
    // and kept it open must not hold the pass either, so wait for it only briefly.
    let output = rx
        .recv_timeout(Duration::from_secs(1))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    match status {
        _ if timed_out => Err(Failure {
            status: format!(
                "timed out after {:?} and was killed with its process group",
                timeout.unwrap_or_default()
            ),
            output,
        }),
        Some(s) if s.success() => Ok(output),
        Some(s) => Err(Failure {
            status: match s.code() {
                Some(c) => format!("exit status {c}"),
                None => "terminated by a signal".to_string(),
            },
            output,
        }),
        None => Err(Failure {
            status: "could not wait for the command".into(),
            output,
        }),
    }
}
