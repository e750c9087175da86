//! Sync: the only code that writes destinations.
//!
//! As confd: render into a stage file beside the destination, compare md5, uid, gid and mode,
//! and on a difference run `check_cmd` against the stage file, replace the destination by an
//! atomic rename (falling back to an in-place write only when rename fails with EBUSY on a
//! bind-mounted file), then run `reload_cmd`. Made safe: a stage file that will replace the
//! destination is fsynced before the rename (a crash leaves the old file or the new one, whole),
//! a failed check leaves the destination untouched, and the stage file is removed on every path
//! unless it is to be kept.

use crate::resource::{expand_command, Resource};
use crate::{debug, error, info, warn};
use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// How sync may act (from `-noop`, `-sync-only`, `-keep-stage-file`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SyncOptions {
    /// Compare only; show a diff; never write or run commands.
    pub noop: bool,
    /// Write without running `check_cmd`/`reload_cmd`.
    pub sync_only: bool,
    /// Keep the stage file after the pass.
    pub keep_stage_file: bool,
    /// Time limit for `check_cmd` and `reload_cmd` (`-command-timeout`) unless the resource
    /// sets its own; `None`: no limit.
    pub command_timeout: Option<std::time::Duration>,
}

/// What a pass did to the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Already identical.
    InSync,
    /// Replaced (and reloaded unless sync-only).
    Updated,
    /// Differs, but noop mode left it alone.
    WouldChange,
}

/// Why sync failed. The destination is untouched unless the variant says otherwise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// Staging failed (the destination directory is missing or not writable...).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// `check_cmd` rejected the staged file.
    #[error("Config check failed: {status}{output}")]
    Check {
        /// Exit status text (`exit status 1`).
        status: String,
        /// The command's output, if any (prefixed with a newline).
        output: String,
    },
    /// `reload_cmd` failed. The destination **was** updated.
    #[error("reload command failed: {status}{output}")]
    Reload {
        /// Exit status text.
        status: String,
        /// The command's output.
        output: String,
    },
    /// The write would leave the resource's tenant's roots (checked at each write).
    #[error("refused: {0}")]
    Refused(String),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SyncError {
    let context = context.into();
    move |source| SyncError::Io { context, source }
}

/// A stage file that removes itself unless kept or renamed away.
struct Stage {
    path: PathBuf,
    armed: bool,
}

impl Drop for Stage {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Create the stage file `.<base><digits>` in the destination's directory (confd's naming).
fn create_stage(dest: &Path) -> Result<(Stage, File), SyncError> {
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // confd names stage files `.<base>` + decimal digits, which clean-up scripts match on;
    // pick the digits here and create the file exclusively.
    for attempt in 0..100u32 {
        let n = nanos_seed().wrapping_add(attempt as u64 * 7_919) % 10_000_000_000;
        let path = dir.join(format!(".{base}{n}"));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((Stage { path, armed: true }, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(format!("cannot create stage file in {}", dir.display()))(e)),
        }
    }
    Err(SyncError::Io {
        context: format!("cannot create stage file in {}", dir.display()),
        source: std::io::Error::other("too many name collisions"),
    })
}

fn nanos_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ (std::process::id() as u64) << 32
}

/// Run `cmd` (see [`crate::command`]), logging its output as confd does: at debug level
/// when it succeeds, as an error when it fails.
fn run_command(
    resource: &Resource,
    which: &str,
    cmd: &str,
    timeout: Option<std::time::Duration>,
) -> Result<(), (String, String)> {
    let started = std::time::Instant::now();
    let run_as = resource.tenant.as_ref().and_then(|t| t.run_as);
    let result = crate::command::run(cmd, timeout, run_as);
    crate::metrics::get()
        .command_seconds
        .get_or_create(&crate::metrics::CommandLabel {
            resource: resource.toml_path.display().to_string(),
            command: which.to_string(),
        })
        .observe(started.elapsed().as_secs_f64());
    match result {
        // A tenant's command output is said under its name.
        Ok(text) => {
            match &resource.tenant {
                Some(t) => debug!("tenant {}: {}", t.name, wconfd_gotemplate::quote_go(&text)),
                None => debug!("{}", wconfd_gotemplate::quote_go(&text)),
            }
            Ok(())
        }
        Err(f) => {
            match &resource.tenant {
                Some(t) => error!("tenant {}: {}", t.name, wconfd_gotemplate::quote_go(&f.output)),
                None => error!("{}", wconfd_gotemplate::quote_go(&f.output)),
            }
            Err((f.status, f.output))
        }
    }
}

fn with_output(text: &str) -> String {
    let t = text.trim_end();
    if t.is_empty() {
        String::new()
    } else {
        format!("\n{t}")
    }
}

/// The effective mode: the resource's, else the destination's current one, else 0644.
fn target_mode(resource: &Resource) -> u32 {
    resource.mode.unwrap_or_else(|| {
        std::fs::metadata(&resource.dest)
            .map(|m| m.mode() & 0o7777)
            .unwrap_or(0o644)
    })
}

/// Bring `resource.dest` in line with `content`.
pub fn sync(resource: &Resource, content: &[u8], opts: SyncOptions) -> Result<Outcome, SyncError> {
    let dest = &resource.dest;
    let mode = target_mode(resource);
    let uid = resource.uid.unwrap_or_else(|| nix::unistd::geteuid().as_raw());
    let gid = resource.gid.unwrap_or_else(|| nix::unistd::getegid().as_raw());

    if let Some(tenant) = &resource.tenant {
        tenant.check_dest(dest).map_err(SyncError::Refused)?;
    }
    let (mut stage, mut file) = create_stage(dest)?;
    file.write_all(content)
        .map_err(io(format!("cannot write stage file {}", stage.path.display())))?;
    // Closed before any command sees it: a check that executes the staged file would find it
    // busy (ETXTBSY) while it is open for writing.
    drop(file);
    std::fs::set_permissions(&stage.path, Permissions::from_mode(mode))
        .map_err(io(format!("cannot chmod {}", stage.path.display())))?;
    // confd ignores chown errors (an unprivileged run cannot give files away); the file is then
    // written with the running user's ownership, which the operator should know when the
    // resource asked for another owner.
    if let Err(e) = std::os::unix::fs::chown(&stage.path, Some(uid), Some(gid)) {
        if resource.uid.is_some() || resource.gid.is_some() {
            crate::log::warn_once(&format!(
                "cannot give {} to {uid}:{gid} ({e}); it keeps the running user's ownership",
                dest.display()
            ));
        } else {
            debug!("cannot chown {} to {uid}:{gid}: {e}", stage.path.display());
        }
    }

    debug!("Comparing candidate config to {}", dest.display());
    let changed = differs(&stage.path, dest, content);

    if opts.noop {
        warn!("Noop mode enabled. {} will not be modified", dest.display());
        if changed {
            print_diff(dest, content);
        }
        return Ok(if changed { Outcome::WouldChange } else { Outcome::InSync });
    }

    if !changed {
        debug!("Target config {} in sync", dest.display());
        keep_or_remove(&mut stage, opts);
        return Ok(Outcome::InSync);
    }

    info!("Target config {} out of sync", dest.display());
    let timeout = match resource.command_timeout {
        Some(t) => (!t.is_zero()).then_some(t),
        None => opts.command_timeout,
    };
    if !opts.sync_only {
        if let Some(check) = &resource.check_cmd {
            let cmd = expand_command(check, &stage.path, dest);
            if let Err((status, output)) = run_command(resource, "check", &cmd, timeout) {
                return Err(SyncError::Check {
                    status,
                    output: with_output(&output),
                });
            }
        }
    }
    debug!("Overwriting target config {}", dest.display());
    if opts.keep_stage_file {
        // confd "keeps" a stage file that the rename has just consumed; keep a real copy.
        let kept = stage.path.with_file_name(format!(
            "{}.kept",
            stage.path.file_name().unwrap_or_default().to_string_lossy()
        ));
        match std::fs::copy(&stage.path, &kept) {
            Ok(_) => info!("Keeping staged file: {}", kept.display()),
            Err(e) => crate::log::warn_once(&format!(
                "cannot keep a copy of the staged file as {}: {e}",
                kept.display()
            )),
        }
    }
    // Only a stage file about to replace the destination is worth its fsync (half a
    // millisecond): an interval pass that finds the file in sync writes nothing to disk.
    File::open(&stage.path)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("cannot fsync stage file {}", stage.path.display())))?;
    replace(&stage.path, dest, uid, gid)?;
    stage.armed = false;
    if !opts.sync_only {
        if let Some(reload) = &resource.reload_cmd {
            let cmd = expand_command(reload, &stage.path, dest);
            if let Err((status, output)) = run_command(resource, "reload", &cmd, timeout) {
                return Err(SyncError::Reload {
                    status,
                    output: with_output(&output),
                });
            }
        }
    }
    info!("Target config {} has been updated", dest.display());
    Ok(Outcome::Updated)
}

fn keep_or_remove(stage: &mut Stage, opts: SyncOptions) {
    if opts.keep_stage_file {
        info!("Keeping staged file: {}", stage.path.display());
        stage.armed = false;
    }
}

/// confd's comparison: any of uid, gid, mode or md5 differs (each difference logged).
fn differs(stage: &Path, dest: &Path, content: &[u8]) -> bool {
    let d = match std::fs::metadata(dest) {
        Ok(m) => m,
        Err(_) => return true,
    };
    let s = match std::fs::metadata(stage) {
        Ok(m) => m,
        Err(e) => {
            error!("{e}");
            return true;
        }
    };
    let mut changed = false;
    if d.uid() != s.uid() {
        info!("{} has UID {} should be {}", dest.display(), d.uid(), s.uid());
        changed = true;
    }
    if d.gid() != s.gid() {
        info!("{} has GID {} should be {}", dest.display(), d.gid(), s.gid());
        changed = true;
    }
    if d.mode() != s.mode() {
        info!(
            "{} has mode {} should be {}",
            dest.display(),
            go_file_mode(d.mode()),
            go_file_mode(s.mode())
        );
        changed = true;
    }
    let dest_bytes = match std::fs::read(dest) {
        Ok(bytes) => bytes,
        Err(e) => {
            error!("{e}");
            return true;
        }
    };
    // Comparing the bytes decides what comparing md5 sums would (and more surely), at memory
    // speed: two md5 sums of a 330 KB file took 1.3 ms of a 7 ms pass that found it in
    // sync. The sums are only made for confd's log line.
    if dest_bytes != content {
        info!(
            "{} has md5sum {:x} should be {:x}",
            dest.display(),
            md5::compute(&dest_bytes),
            md5::compute(content)
        );
        changed = true;
    }
    changed
}

/// Go's `os.FileMode.String()` for regular files: `-rw-r--r--` (with setuid etc. as letters).
fn go_file_mode(mode: u32) -> String {
    let mut s = String::new();
    if mode & 0o4000 != 0 {
        s.push('u');
    }
    if mode & 0o2000 != 0 {
        s.push('g');
    }
    if mode & 0o1000 != 0 {
        s.push('t');
    }
    if s.is_empty() {
        s.push('-');
    }
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        s.push(if mode & (1 << (8 - i)) != 0 { c } else { '-' });
    }
    s
}

/// Atomically replace `dest` with `stage`, or write in place when `dest` is a bind mount that
/// cannot be renamed over (EBUSY).
fn replace(stage: &Path, dest: &Path, uid: u32, gid: u32) -> Result<(), SyncError> {
    // The directory is not fsynced after the rename (consul-template does not either): the
    // stage file's fsync already makes a crash leave a complete file, old or new, never an
    // empty one; a crash that brings back the old one is repaired by the next run, which
    // renders every resource at start. That fsync was a third of the cost of writing a file.
    match std::fs::rename(stage, dest) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(nix::libc::EBUSY) => {
            debug!("Rename failed - target is likely a mount. Trying to write instead");
            let content = std::fs::read(stage).map_err(io(format!("cannot read {}", stage.display())))?;
            let mode = std::fs::metadata(stage).map(|m| m.mode() & 0o7777).unwrap_or(0o644);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(dest)
                .map_err(io(format!("cannot write {}", dest.display())))?;
            f.write_all(&content)
                .map_err(io(format!("cannot write {}", dest.display())))?;
            f.sync_all().map_err(io(format!("cannot fsync {}", dest.display())))?;
            let _ = std::fs::set_permissions(dest, Permissions::from_mode(mode));
            let _ = std::os::unix::fs::chown(dest, Some(uid), Some(gid));
            let _ = std::fs::remove_file(stage);
            Ok(())
        }
        Err(e) => Err(io(format!("cannot rename {} to {}", stage.display(), dest.display()))(
            e,
        )),
    }
}

/// `-noop`: show what would change as a unified diff on stdout.
fn print_diff(dest: &Path, content: &[u8]) {
    let old = std::fs::read(dest).unwrap_or_default();
    let old = String::from_utf8_lossy(&old);
    let new = String::from_utf8_lossy(content);
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    let name = dest.display().to_string();
    let text = diff.unified_diff().context_radius(3).header(&name, &name).to_string();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_modes_print_like_go() {
        assert_eq!(go_file_mode(0o644), "-rw-r--r--");
        assert_eq!(go_file_mode(0o4755), "urwxr-xr-x");
        assert_eq!(go_file_mode(0o600), "-rw-------");
    }
}
