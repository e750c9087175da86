//! Whole-process speed (`scripts/bench.sh process`): what a user sees when they run wconfd.
//!
//! Part 1 runs `wconfd -onetime -backend file` on one JSON data file per workload, against the
//! Go oracle (`../shared/oracle`, Go's text/template with confd's functions, its own process)
//! rendering the same template from the same keys, at a base size and at 10x, and checks that
//! both wrote the same bytes. Part 2 runs confd's integration confdir cold (no usable
//! compiled-code cache) and warm, next to the real confd when one is available (`$WCONFD_CONFD`
//! or `confd` on PATH; its source is not part of this project).
//!
//! Times are medians of whole processes (spawn to exit), each spawned directly by this
//! benchmark, wconfd's and Go's runs taken in turn (31 of each for a row whose Go run is under
//! 100 ms, 7 up to a second, 3 beyond); memory is the peak resident set of one more run under
//! GNU `time` (`/usr/bin/time`, Debian's `time`), which reports the peak of the process it
//! forks: a process forked from this benchmark would inherit the benchmark's own peak in
//! `ru_maxrss`, which survives `exec`. Times are not taken under `time`: its own fork and exec
//! (a millisecond or two) would be added to both sides of every ratio. wconfd runs at its
//! default log level (info).

mod common;

use common::{nested_json, nginx, oracle, oracle_case, printf_keys, repo, twemproxy, Workload};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One finished process: wall time and peak resident memory.
struct Sample {
    wall: Duration,
    peak_kib: u64,
}

/// Run `cmd` to completion, its stdout into `stdout` (or discarded), and measure it. Panics
/// if it fails: a benchmark of a failing run measures nothing.
fn run(cmd: &Command, stdout: Option<&Path>) -> Sample {
    run_within(cmd, stdout, None).expect("no deadline")
}

/// [`run`], but kill the process and return `None` once it has run for `deadline`.
fn run_within(cmd: &Command, stdout: Option<&Path>, deadline: Option<Duration>) -> Option<Sample> {
    let peak_file = tempfile::NamedTempFile::new().unwrap();
    let mut timed = Command::new("/usr/bin/time");
    timed
        .args(["-f", "%M", "-o"])
        .arg(peak_file.path())
        .arg(cmd.get_program());
    timed.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    match stdout {
        Some(p) => timed.stdout(std::fs::File::create(p).unwrap()),
        None => timed.stdout(Stdio::null()),
    };
    // Its own process group, so a deadline kills `time` and the measured process together.
    std::os::unix::process::CommandExt::process_group(&mut timed, 0);
    timed.stdin(Stdio::null());
    let start = Instant::now();
    let mut child = timed
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("/usr/bin/time (Debian's time package) {cmd:?}: {e}"));
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    let killed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = deadline.map(|d| {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let killed = killed.clone();
        let t = std::thread::spawn(move || {
            // Only a real timeout kills: the sender is dropped when the process ends first.
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(d) {
                killed.store(true, std::sync::atomic::Ordering::SeqCst);
                let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            }
        });
        (tx, t)
    });
    // Read stderr before waiting so a chatty child cannot block on a full pipe.
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut stderr);
    }
    let status = child.wait().expect("wait for the measured process");
    let wall = start.elapsed();
    if let Some((tx, t)) = killer {
        drop(tx);
        let _ = t.join();
    }
    if killed.load(std::sync::atomic::Ordering::SeqCst) {
        return None;
    }
    assert!(status.success(), "{cmd:?} failed:\n{stderr}");
    let peak_kib = std::fs::read_to_string(peak_file.path())
        .unwrap()
        .trim()
        .parse()
        .expect("time -f %M prints the peak in KiB");
    Some(Sample { wall, peak_kib })
}

/// Wall time of `cmd` spawned directly (spawn to exit), its stdout into `stdout` (or
/// discarded). Panics if it fails.
fn wall(mut cmd: Command, stdout: Option<&Path>) -> Duration {
    match stdout {
        Some(p) => cmd.stdout(std::fs::File::create(p).unwrap()),
        None => cmd.stdout(Stdio::null()),
    };
    cmd.stdin(Stdio::null()).stderr(Stdio::null());
    let start = Instant::now();
    let status = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let wall = start.elapsed();
    assert!(status.success(), "{cmd:?} failed");
    wall
}

/// Median wall time over `n` direct runs, and the peak memory of one run under GNU `time`
/// made first (so that the page cache holds the inputs for everyone alike).
fn measure(n: usize, stdout: Option<&Path>, mut cmd: impl FnMut() -> Command) -> (Duration, u64) {
    let peak = run(&cmd(), stdout).peak_kib;
    let mut walls: Vec<Duration> = (0..n).map(|_| wall(cmd(), stdout)).collect();
    walls.sort();
    (walls[walls.len() / 2], peak)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn wconfd() -> &'static str {
    env!("CARGO_BIN_EXE_wconfd")
}

/// A confdir rendering `w`'s template into `dir/out`, the data as `dir/data.json` and the
/// oracle's case as `dir/case.json`.
fn prepare(dir: &Path, w: &Workload) {
    std::fs::create_dir_all(dir.join("confdir/conf.d")).unwrap();
    std::fs::create_dir_all(dir.join("confdir/templates")).unwrap();
    std::fs::write(dir.join("confdir/templates/bench.tmpl"), &w.template).unwrap();
    std::fs::write(
        dir.join("confdir/conf.d/bench.toml"),
        format!(
            "[template]\nsrc = \"bench.tmpl\"\ndest = \"{}\"\nkeys = [\"/\"]\n",
            dir.join("out").display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("data.json"), nested_json(&w.kv)).unwrap();
    std::fs::write(dir.join("case.json"), oracle_case(w)).unwrap();
}

fn wconfd_onetime(dir: &Path, cache: &Path) -> Command {
    let mut c = Command::new(wconfd());
    c.args(["-onetime", "-backend", "file", "-config-file", "/dev/null"])
        .arg("-file")
        .arg(dir.join("data.json"))
        .arg("-confdir")
        .arg(dir.join("confdir"))
        .arg("-plugin-cache-dir")
        .arg(cache);
    c
}

/// The oracle rendering `dir`'s case to its stdout.
fn go_render(dir: &Path) -> Command {
    let mut c = Command::new(oracle());
    c.arg("-template")
        .arg(dir.join("confdir/templates/bench.tmpl"))
        .arg(dir.join("case.json"));
    c
}

/// Runs per measurement: fewer when one run is long.
fn runs_for(single: Duration) -> usize {
    if single > Duration::from_secs(1) {
        3
    } else if single > Duration::from_millis(100) {
        7
    } else {
        // A few milliseconds each: more runs cost little and steady the median.
        31
    }
}

/// Median wall times of `ours` and `theirs` over `n` runs each, taken in turn (ours, theirs,
/// ours, ...), so that both sides meet the machine in the same state: this virtual machine's
/// speed drifts by a tenth or more from one minute to the next.
fn alternate<'a>(
    n: usize,
    mut ours: impl FnMut() -> Command,
    mut theirs: impl FnMut() -> (Command, Option<&'a Path>),
) -> (Duration, Duration) {
    let mut a = Vec::with_capacity(n);
    let mut b = Vec::with_capacity(n);
    for _ in 0..n {
        a.push(wall(ours(), None));
        let (cmd, stdout) = theirs();
        b.push(wall(cmd, stdout));
    }
    a.sort();
    b.sort();
    (a[n / 2], b[n / 2])
}

/// How long one Go run may take. Go's memkv scans every key on each `gets`, so the nginx
/// template at 10x the services costs ~100x the time (minutes); such a row reports a bound.
const GO_DEADLINE: Duration = Duration::from_secs(120);

struct Row {
    name: String,
    keys: usize,
    wconfd: Duration,
    wconfd_kib: u64,
    /// `None`: Go did not finish within [`GO_DEADLINE`].
    go: Option<(Duration, u64)>,
}

fn workload_row(w: &Workload, scratch: &Path) -> Row {
    let dir = scratch.join(format!("w{}", w.kv.len()));
    let _ = std::fs::remove_dir_all(&dir);
    prepare(&dir, w);
    let cache = scratch.join("cache");
    let go_out = dir.join("go.out");
    // One run each to check the bytes and size the measurement.
    run(&wconfd_onetime(&dir, &cache), None);
    let first_go = run_within(&go_render(&dir), Some(&go_out), Some(GO_DEADLINE));
    if first_go.is_some() {
        let ours = std::fs::read(dir.join("out")).unwrap();
        let theirs = std::fs::read(&go_out).unwrap();
        assert!(
            ours == theirs,
            "{}: wconfd and Go wrote different bytes ({} vs {})",
            w.name,
            ours.len(),
            theirs.len()
        );
    }
    // Each wconfd run rewrites nothing once in sync; remove the output so every run writes it.
    let ours = || {
        let _ = std::fs::remove_file(dir.join("out"));
        wconfd_onetime(&dir, &cache)
    };
    let ((ours_wall, ours_kib), go) = match first_go {
        // One long Go run is its own measurement.
        Some(first) if first.wall > Duration::from_secs(10) => {
            (measure(7, None, ours), Some((first.wall, first.peak_kib)))
        }
        Some(first) => {
            let ours_kib = run(&ours(), None).peak_kib;
            let go_kib = run(&go_render(&dir), Some(&go_out)).peak_kib;
            let (ours_wall, go_wall) =
                alternate(runs_for(first.wall), ours, || (go_render(&dir), Some(go_out.as_path())));
            ((ours_wall, ours_kib), Some((go_wall, go_kib)))
        }
        None => (measure(7, None, ours), None),
    };
    Row {
        name: w.name.to_string(),
        keys: w.kv.len(),
        wconfd: ours_wall,
        wconfd_kib: ours_kib,
        go,
    }
}

fn part1(scratch: &Path) {
    println!("## wconfd -onetime -backend file (one JSON file) against Go's text/template (oracle process)\n");
    println!("wconfd runs at its default log level (info), as a user runs it.\n");
    println!("| workload | keys | wconfd ms | wconfd peak MiB | Go ms | Go peak MiB | wconfd / Go | wconfd time at 10x / at 1x |");
    println!("|---|---|---|---|---|---|---|---|");
    let pairs: [(Workload, Workload); 3] = [
        (nginx(2_000), nginx(20_000)),
        (printf_keys(20_000), printf_keys(200_000)),
        (twemproxy(500), twemproxy(5_000)),
    ];
    for (base, big) in &pairs {
        let small = workload_row(base, scratch);
        let large = workload_row(big, scratch);
        let growth = large.wconfd.as_secs_f64() / small.wconfd.as_secs_f64();
        for (r, g) in [(small, String::new()), (large, format!("{growth:.1}x"))] {
            let (go_ms, go_mib, ratio) = match r.go {
                Some((t, kib)) => (
                    format!("{:.1}", ms(t)),
                    format!("{:.1}", kib as f64 / 1024.0),
                    format!("{:.3}x", r.wconfd.as_secs_f64() / t.as_secs_f64()),
                ),
                None => (
                    format!("> {:.0} (stopped)", ms(GO_DEADLINE)),
                    "-".into(),
                    format!("< {:.4}x", r.wconfd.as_secs_f64() / GO_DEADLINE.as_secs_f64()),
                ),
            };
            println!(
                "| {} | {} | {:.1} | {:.1} | {go_ms} | {go_mib} | {ratio} | {g} |",
                r.name,
                r.keys,
                ms(r.wconfd),
                r.wconfd_kib as f64 / 1024.0,
            );
        }
    }
}

/// The real confd for part 2: `$WCONFD_CONFD`, else `confd` on PATH.
fn confd() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WCONFD_CONFD") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("confd"))
            .find(|p| p.is_file())
    })
}

/// confd's integration confdir in `dir`, writing into `dir/out`.
fn integration(dir: &Path) -> PathBuf {
    let fixture = repo().join("tests/fixtures/confd-integration");
    let confdir = dir.join("confdir");
    for sub in ["conf.d", "templates"] {
        std::fs::create_dir_all(confdir.join(sub)).unwrap();
        for e in std::fs::read_dir(fixture.join("confdir").join(sub)).unwrap() {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap();
            let text = text.replace("/tmp/confd-", &format!("{}/confd-", dir.join("out").display()));
            std::fs::write(confdir.join(sub).join(e.file_name()), text).unwrap();
        }
    }
    std::fs::create_dir_all(dir.join("out")).unwrap();
    fixture.join("data")
}

fn integration_run(program: &Path, dir: &Path, data: &Path, extra: &[&std::ffi::OsStr]) -> Command {
    let mut c = Command::new(program);
    c.args(["-onetime", "-backend", "file", "-confdir"])
        .arg(dir.join("confdir"))
        .arg("-file")
        .arg(format!("{}/", data.join("dir1").display()))
        .arg("-file")
        .arg(format!("{}/", data.join("dir2").display()))
        .args(extra)
        .env("HOSTNAME", "localhost");
    c
}

fn part2(scratch: &Path) {
    let dir = scratch.join("integration");
    let _ = std::fs::remove_dir_all(&dir);
    let data = integration(&dir);
    let runs = 21;
    let fresh = || {
        let _ = std::fs::remove_dir_all(dir.join("out"));
        std::fs::create_dir_all(dir.join("out")).unwrap();
    };
    println!("\n## confd's integration confdir, -onetime with the file backend ({runs} runs each, destinations removed before each run)\n");
    println!("| run | median wall ms | peak MiB |");
    println!("|---|---|---|");
    let config = std::ffi::OsStr::new("-config-file");
    let devnull = std::ffi::OsStr::new("/dev/null");
    // Cold: a cache directory that cannot be created, so nothing can be cached or loaded.
    std::fs::write(dir.join("not-a-dir"), "").unwrap();
    let unusable = dir.join("not-a-dir/cache");
    let cache_flag = std::ffi::OsStr::new("-plugin-cache-dir");
    let (cold, cold_kib) = measure(runs, None, || {
        fresh();
        integration_run(
            Path::new(wconfd()),
            &dir,
            &data,
            &[config, devnull, cache_flag, unusable.as_os_str()],
        )
    });
    println!(
        "| wconfd cold (no usable compiled-code cache) | {:.1} | {:.1} |",
        ms(cold),
        cold_kib as f64 / 1024.0
    );
    let warm_cache = dir.join("cache");
    let (warm, warm_kib) = measure(runs, None, || {
        fresh();
        integration_run(
            Path::new(wconfd()),
            &dir,
            &data,
            &[config, devnull, cache_flag, warm_cache.as_os_str()],
        )
    });
    println!(
        "| wconfd warm (cache populated) | {:.1} | {:.1} |",
        ms(warm),
        warm_kib as f64 / 1024.0
    );
    match confd() {
        Some(confd) => {
            let (c, c_kib) = measure(runs, None, || {
                fresh();
                integration_run(&confd, &dir, &data, &[])
            });
            println!(
                "| confd ({}) | {:.1} | {:.1} |",
                confd.display(),
                ms(c),
                c_kib as f64 / 1024.0
            );
            println!(
                "\nwconfd cold / confd: {:.2}x time, {:.2}x memory",
                cold.as_secs_f64() / c.as_secs_f64(),
                cold_kib as f64 / c_kib as f64
            );
        }
        None => println!("| confd (not found: set WCONFD_CONFD; not measured in this run) | - | - |"),
    }
}

fn main() {
    let scratch = repo().join("target/bench-process");
    std::fs::create_dir_all(&scratch).unwrap();
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    match only.as_deref() {
        Some("cold") => part2(&scratch),
        Some("data") => part1(&scratch),
        _ => {
            part1(&scratch);
            part2(&scratch);
        }
    }
}
