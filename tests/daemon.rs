//! The interval daemon and signals: changes are picked up every pass, SIGHUP reloads templates
//! and resources, SIGTERM/SIGINT exit cleanly without leaving stage files.

use crate::util::{eventually, file_daemon, Dir};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

#[test]
fn interval_mode_follows_data_and_sighup_reloads_templates() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.resource(
        "app",
        &format!(
            "[template]\nsrc = \"app.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dir.join("out/app.conf").display()
        ),
        "v={{getv \"/app/v\"}}\n",
    );
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let mut child = file_daemon(&dir, &["-interval", "1"]).spawn();
    let pid = Pid::from_raw(child.id() as i32);
    let read = |d: &Dir| std::fs::read_to_string(d.join("out/app.conf")).unwrap_or_default();
    eventually(20, "first render", || read(&dir) == "v=1\n");
    dir.write("data.yaml", "app:\n  v: \"2\"\n");
    eventually(20, "data change picked up by the next pass", || read(&dir) == "v=2\n");
    // A new resource file appears: interval mode re-reads conf.d every pass.
    dir.resource(
        "new",
        &format!(
            "[template]\nsrc = \"new.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dir.join("out/new.conf").display()
        ),
        "new {{getv \"/app/v\"}}\n",
    );
    eventually(20, "new resource rendered", || {
        std::fs::read_to_string(dir.join("out/new.conf")).unwrap_or_default() == "new 2\n"
    });
    // SIGHUP: the daemon survives (confd dies) and keeps serving.
    dir.write("confdir/templates/app.tmpl", "value is {{getv \"/app/v\"}}\n");
    kill(pid, Signal::SIGHUP).unwrap();
    eventually(20, "template change after SIGHUP", || read(&dir) == "value is 2\n");
    assert!(child.try_wait().unwrap().is_none(), "SIGHUP must not kill the daemon");
    kill(pid, Signal::SIGTERM).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("INFO Captured terminated. Exiting..."), "{stderr}");
    let stage: Vec<String> = dir.list("out").into_iter().filter(|n| n.starts_with('.')).collect();
    assert!(stage.is_empty(), "stage files left: {stage:?}");
}

#[test]
fn sigint_stops_the_watch_daemon() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.resource(
        "app",
        &format!(
            "[template]\nsrc = \"app.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dir.join("app.conf").display()
        ),
        "v={{getv \"/app/v\"}}\n",
    );
    let mut child = file_daemon(&dir, &["-watch", "-interval", "0"]).spawn();
    eventually(20, "first render", || {
        std::fs::read_to_string(dir.join("app.conf")).unwrap_or_default() == "v=1\n"
    });
    dir.write("data.yaml", "app:\n  v: \"2\"\n");
    eventually(20, "watched change", || {
        std::fs::read_to_string(dir.join("app.conf")).unwrap_or_default() == "v=2\n"
    });
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_watched_data_file_that_stops_parsing_is_said_once_and_picked_up_when_fixed() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.keyed("app", "/app", "v={{getv \"/app/v\"}}\n");
    let child = file_daemon(&dir, &["-watch", "-interval", "0"]).spawn();
    eventually(20, "first render", || dir.read_or_empty("app.out") == "v=1\n");
    dir.write("data.yaml", "app:\n  v: [unclosed\n");
    // Several polls pass while the file stays broken.
    std::thread::sleep(std::time::Duration::from_secs(2));
    dir.write("data.yaml", "app:\n  v: \"2\"\n");
    eventually(20, "watched change after the fix", || {
        dir.read_or_empty("app.out") == "v=2\n"
    });
    let log = crate::util::stop_daemon(child);
    let warning = format!("WARNING File backend: {}", dir.join("data.yaml").display());
    assert_eq!(log.matches(&warning).count(), 1, "one warning naming the file:\n{log}");
    assert!(log.contains("keeping the last good data until it reads again"), "{log}");
    assert!(log.contains("reads again"), "{log}");
}

/// The messages a daemon sends to a notify socket, as they arrive.
fn notify_socket(dir: &Dir) -> (std::os::unix::net::UnixDatagram, std::path::PathBuf) {
    let path = dir.join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    (socket, path)
}

fn next_message(socket: &std::os::unix::net::UnixDatagram, waiting_for: &str) -> String {
    let mut buf = [0u8; 4096];
    let n = socket
        .recv(&mut buf)
        .unwrap_or_else(|e| panic!("no {waiting_for} message within 30 s: {e}"));
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn systemd_hears_ready_after_the_first_renders_reloading_and_stopping() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.keyed("a", "/app", "a={{getv \"/app/v\"}}\n");
    dir.keyed("b", "/app", "b={{getv \"/app/v\"}}\n");
    let (socket, path) = notify_socket(&dir);
    let child = file_daemon(&dir, &["-watch", "-interval", "0"])
        .env("NOTIFY_SOCKET", &path)
        .spawn();
    let ready = next_message(&socket, "READY");
    assert!(ready.starts_with("READY=1"), "{ready}");
    // READY comes after both destinations were written.
    assert_eq!(dir.read("a.out"), "a=1\n");
    assert_eq!(dir.read("b.out"), "b=1\n");
    // A changed template, picked up by SIGHUP in watch mode with no interval to re-read it.
    dir.write("confdir/templates/b.tmpl", "b2={{getv \"/app/v\"}}\n");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGHUP).unwrap();
    assert_eq!(next_message(&socket, "RELOADING"), "RELOADING=1");
    assert!(next_message(&socket, "READY after the reload").starts_with("READY=1"));
    assert_eq!(dir.read("b.out"), "b2=1\n");
    // Every resource is still watched after the reload.
    dir.write("data.yaml", "app:\n  v: \"2\"\n");
    eventually(20, "both resources follow a change after SIGHUP", || {
        dir.read_or_empty("a.out") == "a=2\n" && dir.read_or_empty("b.out") == "b2=2\n"
    });
    crate::util::stop_daemon_keeping(child, || {
        assert_eq!(next_message(&socket, "STOPPING"), "STOPPING=1");
    });
}

#[test]
fn the_watchdog_is_pinged_when_the_unit_asks() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.keyed("a", "/app", "a={{getv \"/app/v\"}}\n");
    let (socket, path) = notify_socket(&dir);
    let child = file_daemon(&dir, &["-interval", "3600"])
        .env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", "200000")
        .spawn();
    let mut seen = Vec::new();
    while seen.iter().filter(|m: &&String| *m == "WATCHDOG=1").count() < 3 {
        seen.push(next_message(&socket, "WATCHDOG"));
    }
    assert!(seen.iter().any(|m| m.starts_with("READY=1")), "{seen:?}");
    crate::util::stop_daemon(child);
}

#[test]
fn sighup_in_watch_mode_loads_new_resources_and_new_plugins() {
    // Watch mode with no interval: nothing re-reads conf.d or the plugin directory by itself,
    // so only SIGHUP can make the new resource and the new helper library take effect.
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.keyed("a", "/app", "a={{getv \"/app/v\"}}\n");
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let (socket, path) = notify_socket(&dir);
    let plugin_dir = plugins.display().to_string();
    let child = file_daemon(&dir, &["-watch", "-interval", "0", "-plugin-dir", &plugin_dir])
        .env("NOTIFY_SOCKET", &path)
        .spawn();
    assert!(next_message(&socket, "READY").starts_with("READY=1"));
    // A resource calling a helper from a library that arrives with it.
    dir.resource(
        "c",
        &format!(
            "[template]\nsrc = \"c.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\nhelpers = [\"probe\"]\n",
            dir.join("c.out").display()
        ),
        "c={{probeEcho (getv \"/app/v\")}}\n",
    );
    crate::util::install_test_plugin(&dir, "wconfd-test-probe-helpers", "probe", "helpers", "");
    assert!(!dir.exists("c.out"), "nothing reads the new resource before SIGHUP");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGHUP).unwrap();
    assert_eq!(next_message(&socket, "RELOADING"), "RELOADING=1");
    // Loading the new library compiles it (unless an earlier test left it in the shared cache):
    // slow in a debug build.
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(180)))
        .unwrap();
    assert!(next_message(&socket, "READY after the reload").starts_with("READY=1"));
    assert_eq!(dir.read("c.out"), "c=[1]\n");
    // Both are watched from then on.
    dir.write("data.yaml", "app:\n  v: \"2\"\n");
    eventually(20, "both follow a change", || {
        dir.read_or_empty("a.out") == "a=2\n" && dir.read_or_empty("c.out") == "c=[2]\n"
    });
    crate::util::stop_daemon(child);
}

/// A daemon whose resource's `check_cmd` is slow (it marks that it started, then sleeps), over
/// an old destination; `signal` arrives while the check runs. The daemon exits 0, leaves no
/// stage file, and the destination is whole: the old bytes or the new ones, nothing between.
fn signal_mid_pass(signal: Signal) {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"new\"\n");
    let old = "v=old\n".repeat(1000);
    dir.write("out/app.conf", &old);
    let started = dir.join("check-started");
    dir.resource(
        "app",
        &format!(
            "[template]\nsrc = \"app.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\ncheck_cmd = \"touch {} && sleep 2\"\n",
            dir.join("out/app.conf").display(),
            started.display()
        ),
        "{{range seq 1 1000}}v={{getv \"/app/v\"}}\n{{end}}",
    );
    let mut child = file_daemon(&dir, &["-watch", "-interval", "0"]).spawn();
    eventually(20, "the check to start", || started.exists());
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{signal:?} mid-pass: {status}");
    let dest = dir.read("out/app.conf");
    assert!(
        dest == old || dest == "v=new\n".repeat(1000),
        "the destination is whole after {signal:?}: {} bytes",
        dest.len()
    );
    let left: Vec<String> = dir.list("out").into_iter().filter(|n| n != "app.conf").collect();
    assert!(left.is_empty(), "stage files left after {signal:?}: {left:?}");
}

#[test]
fn sigterm_mid_pass_leaves_a_whole_destination_and_no_stage_file() {
    signal_mid_pass(Signal::SIGTERM);
}

#[test]
fn sigint_mid_pass_leaves_a_whole_destination_and_no_stage_file() {
    signal_mid_pass(Signal::SIGINT);
}
