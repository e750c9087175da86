//! Sync as confd does it, made safe: stage beside the destination, compare md5/uid/gid/mode,
//! check, atomic replace, reload; noop, sync-only and keep-stage-file.

use crate::util::{Dir, Wconfd};
use std::os::unix::fs::PermissionsExt;

fn resource(dir: &Dir, extra: &str) {
    dir.write("data.yaml", "app:\n  port: \"80\"\n");
    dir.resource(
        "app",
        &format!(
            "[template]\nsrc = \"app.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n{extra}",
            dir.join("out/app.conf").display()
        ),
        "port={{getv \"/app/port\"}}\n",
    );
    std::fs::create_dir_all(dir.join("out")).unwrap();
}

/// Only the destination (and files the commands wrote) remain: no stage files.
fn no_stage_files(dir: &Dir) {
    let left: Vec<String> = dir
        .list("out")
        .into_iter()
        .filter(|n| n.starts_with(".app.conf"))
        .collect();
    assert!(left.is_empty(), "stage files left behind: {left:?}");
}

#[test]
fn writes_in_sync_and_out_of_sync_like_confd() {
    let dir = Dir::new();
    resource(&dir, "mode = \"644\"\n");
    let r = Wconfd::file_onetime(&dir).args(["-log-level", "debug"]).run();
    r.ok().stderr_has(&format!(
        "INFO Target config {} out of sync",
        dir.join("out/app.conf").display()
    ));
    r.stderr_has(&format!(
        "INFO Target config {} has been updated",
        dir.join("out/app.conf").display()
    ));
    assert_eq!(dir.read("out/app.conf"), "port=80\n");
    // "644" is octal 0644 (confd read it as decimal and wrote 0204).
    assert_eq!(dir.mode("out/app.conf"), 0o644);
    // Second run: nothing to do.
    let r = Wconfd::file_onetime(&dir).args(["-log-level", "debug"]).run();
    r.ok().stderr_has("in sync").stderr_lacks("out of sync");
    // Data changes: md5 differs and is logged with both sums.
    dir.write("data.yaml", "app:\n  port: \"81\"\n");
    let r = Wconfd::file_onetime(&dir).run();
    let old = format!("{:x}", md5::compute(b"port=80\n"));
    let new = format!("{:x}", md5::compute(b"port=81\n"));
    r.ok().stderr_has(&format!("has md5sum {old} should be {new}"));
    no_stage_files(&dir);
}

#[test]
fn mode_changes_are_detected_and_kept_modes_are_kept() {
    let dir = Dir::new();
    resource(&dir, "mode = \"0600\"\n");
    Wconfd::file_onetime(&dir).run().ok();
    assert_eq!(dir.mode("out/app.conf"), 0o600);
    std::fs::set_permissions(dir.join("out/app.conf"), std::fs::Permissions::from_mode(0o640)).unwrap();
    Wconfd::file_onetime(&dir)
        .run()
        .ok()
        .stderr_has("has mode -rw-r----- should be -rw-------");
    assert_eq!(dir.mode("out/app.conf"), 0o600);
    // Without a mode, an existing destination keeps its own.
    let dir = Dir::new();
    resource(&dir, "");
    dir.write("out/app.conf", "old\n");
    std::fs::set_permissions(dir.join("out/app.conf"), std::fs::Permissions::from_mode(0o640)).unwrap();
    Wconfd::file_onetime(&dir).run().ok();
    assert_eq!(dir.mode("out/app.conf"), 0o640);
    assert_eq!(dir.read("out/app.conf"), "port=80\n");
}

#[test]
fn check_cmd_failure_leaves_the_destination_untouched() {
    let dir = Dir::new();
    let log = dir.join("check.log");
    resource(
        &dir,
        &format!(
            "check_cmd = \"cat {{{{.src}}}} > {} && echo bad config >&2 && false\"\n",
            log.display()
        ),
    );
    dir.write("out/app.conf", "previous\n");
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1)
        .stderr_has("Config check failed: exit status 1")
        .stderr_has("bad config");
    // The check saw the staged content; the destination kept the old one.
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "port=80\n");
    assert_eq!(dir.read("out/app.conf"), "previous\n");
    no_stage_files(&dir);
}

/// A rendered script checked by running it: the staged file is closed before the check runs
/// (a file open for writing cannot be executed: ETXTBSY).
#[test]
fn a_check_cmd_may_execute_the_staged_file() {
    let dir = Dir::new();
    let ran = dir.join("ran");
    dir.write("data.yaml", "app:\n  port: \"80\"\n");
    dir.resource(
        "app",
        &format!(
            "[template]\nsrc = \"app.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\nmode = \"0755\"\ncheck_cmd = \"{{{{.src}}}}\"\n",
            dir.join("out/app.sh").display()
        ),
        format!("#!/bin/sh\necho {{{{getv \"/app/port\"}}}} > {}\n", ran.display()),
    );
    std::fs::create_dir_all(dir.join("out")).unwrap();
    Wconfd::file_onetime(&dir).run().ok();
    assert_eq!(std::fs::read_to_string(&ran).unwrap(), "80\n");
    assert_eq!(dir.mode("out/app.sh"), 0o755);
}

#[test]
fn reload_cmd_runs_after_replace_with_src_and_dest() {
    let dir = Dir::new();
    let log = dir.join("reload.log");
    resource(
        &dir,
        &format!(
            "check_cmd = \"test -s {{{{.src}}}}\"\nreload_cmd = \"cat {{{{.dest}}}} >> {}\"\n",
            log.display()
        ),
    );
    Wconfd::file_onetime(&dir).run().ok();
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "port=80\n");
    // In sync: no reload.
    Wconfd::file_onetime(&dir).run().ok();
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "port=80\n");
    // A failing reload is an error, but the destination was already replaced (as in confd).
    resource(&dir, "reload_cmd = \"exit 3\"\n");
    dir.write("data.yaml", "app:\n  port: \"82\"\n");
    Wconfd::file_onetime(&dir).run().code(1).stderr_has("exit status 3");
    assert_eq!(dir.read("out/app.conf"), "port=82\n");
}

#[test]
fn noop_shows_a_diff_and_changes_nothing() {
    let dir = Dir::new();
    let log = dir.join("reload.log");
    resource(&dir, &format!("reload_cmd = \"touch {}\"\n", log.display()));
    dir.write("out/app.conf", "port=79\n");
    let r = Wconfd::file_onetime(&dir).arg("-noop").run();
    r.ok().stderr_has("WARNING Noop mode enabled.");
    assert!(
        r.stdout.contains("-port=79\n+port=80\n"),
        "diff on stdout:\n{}",
        r.stdout
    );
    assert_eq!(dir.read("out/app.conf"), "port=79\n");
    assert!(!log.exists(), "noop must not run commands");
    no_stage_files(&dir);
}

#[test]
fn sync_only_writes_without_commands() {
    let dir = Dir::new();
    let log = dir.join("cmds.log");
    resource(
        &dir,
        &format!("check_cmd = \"touch {0}\"\nreload_cmd = \"touch {0}\"\n", log.display()),
    );
    Wconfd::file_onetime(&dir).arg("-sync-only").run().ok();
    assert_eq!(dir.read("out/app.conf"), "port=80\n");
    assert!(!log.exists());
}

#[test]
fn keep_stage_file_keeps_a_copy_even_when_the_destination_changed() {
    let dir = Dir::new();
    resource(&dir, "");
    Wconfd::file_onetime(&dir)
        .arg("-keep-stage-file")
        .run()
        .ok()
        .stderr_has("Keeping staged file: ");
    let kept: Vec<String> = dir
        .list("out")
        .into_iter()
        .filter(|n| n.starts_with(".app.conf"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(dir.read(&format!("out/{}", kept[0])), "port=80\n");
}

#[test]
fn owner_and_group_by_name_are_applied() {
    let dir = Dir::new();
    resource(&dir, "owner = \"nobody\"\ngroup = \"nogroup\"\n");
    Wconfd::file_onetime(&dir).run().ok();
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir.join("out/app.conf")).unwrap();
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap().uid.as_raw();
    let nogroup = nix::unistd::Group::from_name("nogroup").unwrap().unwrap().gid.as_raw();
    if nix::unistd::geteuid().is_root() {
        // CI runs as root: both are applied.
        assert_eq!(meta.uid(), nobody, "root gives the file to nobody");
        assert_eq!(meta.gid(), nogroup, "and to group nogroup");
        // In sync now: a second run changes nothing.
        Wconfd::file_onetime(&dir).run().ok().stderr_lacks("out of sync");
    } else {
        // An unprivileged run cannot chown; the file stays ours (confd ignores the error too).
        assert_eq!(meta.uid(), nix::unistd::geteuid().as_raw());
    }
    // An unknown owner (the seeds' `owner = "nginx"` on a host without nginx) is a warning.
    let dir = Dir::new();
    resource(&dir, "owner = \"no-such-user-here\"\n");
    Wconfd::file_onetime(&dir)
        .run()
        .ok()
        .stderr_has("key 'owner': unknown user \"no-such-user-here\"");
    assert_eq!(dir.read("out/app.conf"), "port=80\n");
}

/// Whether process `pid` still exists (signal 0 probes without signalling).
fn alive(pid: i32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

#[test]
fn a_check_cmd_past_its_time_limit_is_killed_with_its_children() {
    let dir = Dir::new();
    let pid_file = dir.join("child.pid");
    // The check prints, starts a child that would outlive it, and hangs.
    resource(
        &dir,
        &format!(
            "command_timeout = \"1s\"\ncheck_cmd = \"echo checking; sleep 300 & echo $! > {}; wait\"\n",
            pid_file.display()
        ),
    );
    dir.write("out/app.conf", "previous\n");
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1)
        .stderr_has("Config check failed: timed out after 1s and was killed with its process group")
        .stderr_has("checking");
    let child: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    crate::util::eventually(10, "the check's child is gone", || !alive(child));
    assert_eq!(dir.read("out/app.conf"), "previous\n");
    no_stage_files(&dir);
}

#[test]
fn a_hung_reload_cmd_fails_after_the_global_limit_and_the_file_is_written() {
    let dir = Dir::new();
    resource(&dir, "reload_cmd = \"echo reloading; exec sleep 300\"\n");
    let r = Wconfd::file_onetime(&dir).args(["-command-timeout", "1s"]).run();
    r.code(1)
        .stderr_has("timed out after 1s and was killed with its process group")
        .stderr_has("reloading");
    assert_eq!(dir.read("out/app.conf"), "port=80\n");
    no_stage_files(&dir);
}

#[test]
fn a_resource_can_lift_the_limit_and_bad_limits_name_their_key() {
    let dir = Dir::new();
    // 0 means no limit: this check outlasts the global limit and passes.
    resource(&dir, "command_timeout = \"0\"\ncheck_cmd = \"sleep 2\"\n");
    Wconfd::file_onetime(&dir).args(["-command-timeout", "1s"]).run().ok();
    assert_eq!(dir.read("out/app.conf"), "port=80\n");
    let bad = Dir::new();
    resource(&bad, "command_timeout = \"soon\"\n");
    Wconfd::file_onetime(&bad).run().code(1).stderr_has(&format!(
        "Cannot process template resource {} - line 5: key 'command_timeout': invalid duration \"soon\"",
        bad.join("confdir/conf.d/app.toml").display()
    ));
    Wconfd::file_onetime(&bad)
        .args(["-command-timeout", "later"])
        .run()
        .code(1)
        .stderr_has("invalid command-timeout \"later\"");
}
