//! Tenants (`<confdir>/tenants.d`): each confined to its key prefixes, destination roots and
//! commands; a resource asking for more is refused naming tenant and resource while everything
//! else runs; a symlink planted in a root after the start cannot redirect a write; a tenant's
//! commands run as its user.

use crate::util::{eventually, file_daemon, install_test_plugin, stop_daemon, Dir, Wconfd};

/// The operator's resource `ops` and tenant `a` (confdir `a/`, prefix `/team-a`, root
/// `a-out/`), with `extra` lines in the tenant file.
fn operator_and_tenant(dir: &Dir, extra: &str) {
    dir.write("data.yaml", "team-a:\n  v: a1\nteam-b:\n  secret: b1\nops:\n  v: o1\n");
    dir.keyed("ops", "/ops", "ops={{getv \"/ops/v\"}}\n");
    std::fs::create_dir_all(dir.join("a-out/sub")).unwrap();
    tenant_file(dir, "a", "/team-a", extra);
}

/// Tenant `name`'s file: confdir `<name>/`, prefix `prefix`, root `<name>-out/`, `extra` lines.
fn tenant_file(dir: &Dir, name: &str, prefix: &str, extra: &str) {
    std::fs::create_dir_all(dir.join(&format!("{name}-out"))).unwrap();
    dir.write(
        &format!("confdir/tenants.d/{name}.toml"),
        format!(
            "confdir = {:?}\nprefixes = [{prefix:?}]\nroots = [{:?}]\n{extra}",
            dir.join(name).display().to_string(),
            dir.join(&format!("{name}-out")).display().to_string()
        ),
    );
}

/// Tenant `a`'s resource `name`: `keys`, destination `dest`, `extra` TOML lines, `template`.
fn tenant_resource(dir: &Dir, name: &str, keys: &str, dest: &std::path::Path, extra: &str, template: &str) {
    dir.write(
        &format!("a/conf.d/{name}.toml"),
        format!(
            "[template]\nsrc = \"{name}.tmpl\"\ndest = {:?}\nkeys = [{keys:?}]\n{extra}",
            dest.display().to_string()
        ),
    );
    dir.write(&format!("a/templates/{name}.tmpl"), template);
}

#[test]
fn a_tenant_gets_its_keys_roots_and_commands_and_nothing_more() {
    let dir = Dir::new();
    operator_and_tenant(&dir, "");
    let ok = dir.join("a-out/sub/ok.conf");
    tenant_resource(&dir, "ok", "/team-a", &ok, "", "a={{getv \"/team-a/v\"}}\n");
    tenant_resource(
        &dir,
        "greedy",
        "/team-b",
        &dir.join("a-out/greedy.conf"),
        "",
        "{{getv \"/team-b/secret\"}}\n",
    );
    tenant_resource(&dir, "outside", "/team-a", &dir.join("elsewhere.conf"), "", "x\n");
    tenant_resource(&dir, "dotdot", "/team-a", &dir.join("a-out/../dotdot.conf"), "", "x\n");
    tenant_resource(
        &dir,
        "cmd",
        "/team-a",
        &dir.join("a-out/cmd.conf"),
        "reload_cmd = \"true\"\n",
        "x\n",
    );
    let run = Wconfd::file_onetime(&dir).run();
    let conf_d = dir.join("a/conf.d");
    run.code(1)
        .stderr_has(&format!(
            "tenant a: {}: refused: key /team-b is outside the tenant's prefixes (/team-a)",
            conf_d.join("greedy.toml").display()
        ))
        .stderr_has(&format!(
            "tenant a: {}: refused: destination {} is outside the tenant's roots",
            conf_d.join("outside.toml").display(),
            dir.join("elsewhere.conf").display()
        ))
        .stderr_has(&format!(
            "tenant a: {}: refused: destination",
            conf_d.join("dotdot.toml").display()
        ))
        .stderr_has(&format!(
            "tenant a: {}: refused: the tenant may not run commands",
            conf_d.join("cmd.toml").display()
        ));
    // Everything within bounds ran: the tenant's resource and the operator's.
    assert_eq!(std::fs::read_to_string(&ok).unwrap(), "a=a1\n");
    assert_eq!(dir.read("ops.out"), "ops=o1\n");
    for never in ["a-out/greedy.conf", "elsewhere.conf", "dotdot.conf", "a-out/cmd.conf"] {
        assert!(!dir.exists(never), "{never} must not be written");
    }
    // A tenant file that cannot be read names file, line and key; the rest still runs.
    dir.write("confdir/tenants.d/broken.toml", "confdir = \"/x\"\nprefixes = 3\n");
    Wconfd::file_onetime(&dir).run().code(1).stderr_has(&format!(
        "{}:2: invalid type",
        dir.join("confdir/tenants.d/broken.toml").display()
    ));
    assert_eq!(dir.read("ops.out"), "ops=o1\n");
}

/// A watch daemon (no interval: resources are admitted once, at the start) serving the
/// operator's resource and tenant `a`'s (with `extra` in its file) rendering to `dest`, after
/// both first renders.
fn watching_tenant_app(dir: &Dir, extra: &str, dest: &std::path::Path) -> std::process::Child {
    operator_and_tenant(dir, extra);
    tenant_resource(dir, "app", "/team-a", dest, "", "a={{getv \"/team-a/v\"}}\n");
    let child = file_daemon(dir, &["-watch", "-interval", "0"]).spawn();
    eventually(20, "first renders", || {
        std::fs::read_to_string(dest).is_ok_and(|t| t == "a=a1\n") && dir.read_or_empty("ops.out") == "ops=o1\n"
    });
    child
}

#[test]
fn a_symlink_planted_in_a_root_after_the_start_cannot_redirect_a_write() {
    let dir = Dir::new();
    let dest = dir.join("a-out/sub/app.conf");
    let child = watching_tenant_app(&dir, "", &dest);
    // The tenant (who owns its root) swaps the directory for a symlink to a place outside.
    std::fs::create_dir_all(dir.join("victim")).unwrap();
    std::fs::remove_dir_all(dir.join("a-out/sub")).unwrap();
    std::os::unix::fs::symlink(dir.join("victim"), dir.join("a-out/sub")).unwrap();
    dir.write("data.yaml", "team-a:\n  v: a2\nops:\n  v: o2\n");
    eventually(20, "the operator's resource follows the change", || {
        dir.read_or_empty("ops.out") == "ops=o2\n"
    });
    let log = stop_daemon(child);
    assert!(
        log.contains(&format!(
            "refused: destination {} is outside the tenant's roots",
            dest.display()
        )),
        "{log}"
    );
    assert!(
        std::fs::read_dir(dir.join("victim")).unwrap().next().is_none(),
        "nothing was written outside the root"
    );
}

#[test]
fn a_tenants_commands_run_as_its_user_and_are_logged_under_its_name() {
    let dir = Dir::new();
    operator_and_tenant(&dir, "commands = true\nuser = \"nobody\"\n");
    tenant_resource(
        &dir,
        "app",
        "/team-a",
        &dir.join("a-out/app.conf"),
        "check_cmd = \"echo checked by $(id -u):$(id -g); exit 3\"\n",
        "a={{getv \"/team-a/v\"}}\n",
    );
    let run = Wconfd::file_onetime(&dir).run();
    run.code(1);
    if nix::unistd::geteuid().is_root() {
        let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
        run.stderr_has(&format!(
            "tenant a: \"checked by {}:{}\\n\"",
            nobody.uid.as_raw(),
            nobody.gid.as_raw()
        ));
    } else {
        // Only root can run a command as another user: the check fails, and says why.
        run.stderr_has("cannot run /bin/sh");
    }
    assert!(!dir.exists("a-out/app.conf"), "a failed check leaves no destination");
}

#[test]
fn a_tenants_templates_see_only_what_it_was_granted() {
    let dir = Dir::new();
    operator_and_tenant(&dir, "[grants]\nenv = [\"TEAM_A_REGION\"]\n");
    let probe = "region={{getenv \"TEAM_A_REGION\"}} secret={{getenv \"WCONFD_TEST_SECRET\"}} passwd={{fileExists \"/etc/passwd\"}} ip={{lookupIP \"localhost\"}}\n";
    tenant_resource(&dir, "probe", "/team-a", &dir.join("a-out/probe.conf"), "", probe);
    dir.keyed("ops_probe", "/ops", probe);
    Wconfd::file_onetime(&dir)
        .env("TEAM_A_REGION", "eu")
        .env("WCONFD_TEST_SECRET", "s3")
        .run()
        .ok();
    // The tenant (its own renderer instance, deny by default): the one variable granted, no
    // files, no DNS.
    assert_eq!(dir.read("a-out/probe.conf"), "region=eu secret= passwd=false ip=[]\n");
    // The operator's resource keeps confd's grants.
    let ops = dir.read("ops_probe.out");
    assert!(
        ops.starts_with("region=eu secret=s3 passwd=true ip=[") && !ops.contains("ip=[]"),
        "{ops}"
    );
}

/// Tenant `a` with `limits` and three resources (a loop of about 16 million iterations, a
/// 101-byte output, a small one), and the operator's resource with the same loop; one onetime
/// run. The tenant's small resource and the operator's loop always render: only the tenant's
/// limits bind, and only its own resources.
fn spin_under_tenant_limits(dir: &Dir, limits: &str) -> crate::util::Run {
    operator_and_tenant(dir, &format!("[limits]\n{limits}"));
    let spin = "{{range seq 1 4000}}{{range seq 1 4000}}{{end}}{{end}}spun\n";
    tenant_resource(dir, "spin", "/team-a", &dir.join("a-out/spin.conf"), "", spin);
    let big = "{{range seq 1 10}}0123456789{{end}}\n";
    tenant_resource(dir, "big", "/team-a", &dir.join("a-out/big.conf"), "", big);
    tenant_resource(dir, "small", "/team-a", &dir.join("a-out/small.conf"), "", "ok\n");
    dir.keyed("ops_spin", "/ops", spin);
    let run = Wconfd::file_onetime(dir).run();
    assert!(!dir.exists("a-out/spin.conf"));
    assert_eq!(dir.read("a-out/small.conf"), "ok\n");
    assert_eq!(dir.read("ops_spin.out"), "spun\n");
    run
}

#[test]
fn a_tenants_limits_bound_its_renders_only() {
    let dir = Dir::new();
    // The loop is far past 100 ms, well within the global 10 s.
    let run = spin_under_tenant_limits(&dir, "render_time = \"100ms\"\noutput = \"16B\"\n");
    run.code(1)
        .stderr_has(&format!(
            "tenant a: {}: renderer plugin \"gotemplate\" failed: the call ran past its time limit",
            dir.join("a/conf.d/spin.toml").display()
        ))
        .stderr_has("the output of 101 bytes exceeds the tenant's limit of 16 bytes");
    assert!(!dir.exists("a-out/big.conf"));
}

#[test]
fn a_tenants_fuel_budget_stops_its_render_long_before_any_time_limit() {
    // The global time limit (10 s) is far away, and the operator's copy of the loop finishes
    // within it: only fuel stops the tenant's. Within the budget the tenant's other renders go
    // through, on the fuel-counting engine.
    let dir = Dir::new();
    spin_under_tenant_limits(&dir, "fuel = 20_000_000\n")
        .code(1)
        .stderr_has(&format!(
            "tenant a: {}: renderer plugin \"gotemplate\" failed: the call ran out of fuel",
            dir.join("a/conf.d/spin.toml").display()
        ));
    assert_eq!(dir.read("a-out/big.conf").len(), 101);
}

#[test]
fn a_tenants_fuel_budget_bounds_its_own_helper_libraries_too() {
    let dir = Dir::new();
    let installed = install_test_plugin(&dir, "wconfd-test-probe-helpers", "probe", "helpers", "");
    let theirs = dir.join("a-plugins");
    std::fs::rename(&installed, &theirs).unwrap();
    operator_and_tenant(
        &dir,
        &format!(
            "plugins = {:?}\n[limits]\nfuel = 50_000_000\n",
            theirs.display().to_string()
        ),
    );
    // probeSpin loops until something stops it: here the budget, well before its 2 s.
    tenant_resource(
        &dir,
        "spin",
        "/team-a",
        &dir.join("a-out/spin.conf"),
        "helpers = [\"probe\"]\n",
        "{{ probeSpin }}\n",
    );
    tenant_resource(
        &dir,
        "echo",
        "/team-a",
        &dir.join("a-out/echo.conf"),
        "helpers = [\"probe\"]\n",
        "{{ probeEcho \"hi\" }}\n",
    );
    Wconfd::file_onetime(&dir)
        .run()
        .code(1)
        .stderr_has("error calling probeSpin: helper plugin \"probe\" failed: the call ran out of fuel");
    assert_eq!(dir.read("a-out/echo.conf"), "[hi]\n");
}

#[test]
fn a_tenants_file_exists_grant_covers_its_directories_only() {
    let dir = Dir::new();
    let mine = dir.join("a-files");
    operator_and_tenant(
        &dir,
        &format!("[grants]\nfile_exists = [{:?}]\n", mine.display().to_string()),
    );
    dir.write("a-files/present", "x");
    std::os::unix::fs::symlink("/etc/passwd", mine.join("link-out")).unwrap();
    let probe = format!(
        "present={{{{fileExists {p:?}}}}} absent={{{{fileExists {a:?}}}}} passwd={{{{fileExists \"/etc/passwd\"}}}} \
         link={{{{fileExists {l:?}}}}} dotdot={{{{fileExists {d:?}}}}} relative={{{{fileExists \"present\"}}}}\n",
        p = mine.join("present").display().to_string(),
        a = mine.join("absent").display().to_string(),
        l = mine.join("link-out").display().to_string(),
        d = mine.join("../../../../etc/passwd").display().to_string(),
    );
    tenant_resource(&dir, "probe", "/team-a", &dir.join("a-out/probe.conf"), "", &probe);
    dir.keyed("ops_probe", "/ops", &probe);
    Wconfd::file_onetime(&dir).run().ok();
    // Inside the grant, the truth; outside it (directly, through `..` or a link), false.
    assert_eq!(
        dir.read("a-out/probe.conf"),
        "present=true absent=false passwd=false link=false dotdot=false relative=false\n"
    );
    // The operator's resource keeps confd's fileExists.
    assert_eq!(
        dir.read("ops_probe.out"),
        "present=true absent=false passwd=true link=true dotdot=true relative=false\n"
    );
}

#[test]
fn a_tenants_own_plugins_serve_its_resources_only() {
    let dir = Dir::new();
    let installed = install_test_plugin(&dir, "wconfd-test-probe-helpers", "probe", "helpers", "");
    let theirs = dir.join("a-plugins");
    std::fs::rename(&installed, &theirs).unwrap();
    operator_and_tenant(&dir, &format!("plugins = {:?}\n", theirs.display().to_string()));
    let probe = "helpers = [\"probe\"]\n";
    tenant_resource(
        &dir,
        "echo",
        "/team-a",
        &dir.join("a-out/echo.conf"),
        probe,
        "{{ probeEcho \"hi\" }}\n",
    );
    tenant_resource(
        &dir,
        "trap",
        "/team-a",
        &dir.join("a-out/trap.conf"),
        probe,
        "{{ probeTrap }}\n",
    );
    tenant_resource(
        &dir,
        "json",
        "/team-a",
        &dir.join("a-out/json.conf"),
        "helpers = [\"json\"]\n",
        "{{ toJson (fromJson \"{\\\"b\\\": [1, 2]}\") }}\n",
    );
    dir.resource(
        "ops_probe",
        &format!(
            "[template]\nsrc = \"ops_probe.tmpl\"\ndest = {:?}\nkeys = [\"/ops\"]\nhelpers = [\"probe\"]\n",
            dir.join("ops_probe.out").display().to_string()
        ),
        "{{ probeEcho \"hi\" }}\n",
    );
    let run = Wconfd::file_onetime(&dir).run();
    // The tenant's plugin serves the tenant; a trap in it names tenant, resource and plugin.
    assert_eq!(dir.read("a-out/echo.conf"), "[hi]\n");
    // The operator's resources do not see it.
    run.code(1).stderr_has("no helper library named \"probe\"");
    let trap_line = run
        .stderr
        .lines()
        .find(|l| l.contains("error calling probeTrap"))
        .unwrap_or_else(|| panic!("no trap in the log:\n{}", run.stderr));
    let resource = format!("tenant a: {}: ", dir.join("a/conf.d/trap.toml").display());
    assert!(
        trap_line.contains(&resource) && trap_line.contains("helper plugin \"probe\" failed: wasm trap"),
        "{trap_line}"
    );
    assert!(!dir.exists("ops_probe.out") && !dir.exists("a-out/trap.conf"));
    // A built-in library runs for the tenant too, in an instance of the tenant's own.
    assert_eq!(dir.read("a-out/json.conf"), "{\"b\":[1,2]}\n");
}

#[test]
fn a_tenant_reads_its_own_backend() {
    let dir = Dir::new();
    dir.write("a-data.yaml", "team-a:\n  v: from-a-backend\n");
    operator_and_tenant(
        &dir,
        &format!(
            "[backend]\nbackend = \"file\"\nfile = [{:?}]\n",
            dir.join("a-data.yaml").display().to_string()
        ),
    );
    tenant_resource(
        &dir,
        "app",
        "/team-a",
        &dir.join("a-out/app.conf"),
        "",
        "a={{getv \"/team-a/v\"}}\n",
    );
    Wconfd::file_onetime(&dir).run().ok();
    assert_eq!(dir.read("a-out/app.conf"), "a=from-a-backend\n");
    assert_eq!(dir.read("ops.out"), "ops=o1\n");
    // A [backend] key that is no backend setting is refused, naming file, line and key.
    let file = dir.join("confdir/tenants.d/a.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}log_level = \"debug\"\n")).unwrap();
    let lines = text.lines().count() + 1;
    Wconfd::file_onetime(&dir).run().code(1).stderr_has(&format!(
        "{}:{lines}: key 'backend.log_level': not a backend setting",
        file.display()
    ));
    assert_eq!(dir.read("ops.out"), "ops=o1\n");
}

#[test]
fn a_tenants_min_reload_interval_holds_its_updates_back() {
    let dir = Dir::new();
    let dest = dir.join("a-out/app.conf");
    let child = watching_tenant_app(&dir, "[limits]\nmin_reload_interval = \"1h\"\n", &dest);
    dir.write("data.yaml", "team-a:\n  v: a2\nops:\n  v: o2\n");
    eventually(20, "the operator's resource follows the change", || {
        dir.read_or_empty("ops.out") == "ops=o2\n"
    });
    // The tenant's change waits for its interval (an hour after its last update).
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "a=a1\n");
    stop_daemon(child);
}

#[test]
fn a_tenants_backend_plugin_reaches_its_nodes_only() {
    let kv = crate::consul_kv::ConsulKv::start();
    kv.put("/team-a/v", "from-consul");
    let dir = Dir::new();
    operator_and_tenant(
        &dir,
        &format!("[backend]\nbackend = \"consul\"\nnodes = [{:?}]\n", kv.node()),
    );
    tenant_resource(
        &dir,
        "app",
        "/team-a",
        &dir.join("a-out/app.conf"),
        "",
        "a={{getv \"/team-a/v\"}}\n",
    );
    // Tenant b's consul is a port nobody listens on: its resources fail, naming it; the others
    // render.
    let closed = format!("127.0.0.1:{}", crate::servers::free_port());
    tenant_file(
        &dir,
        "b",
        "/team-b",
        &format!("[backend]\nbackend = \"consul\"\nnodes = [\"{closed}\"]\n"),
    );
    dir.write(
        "b/conf.d/app.toml",
        format!(
            "[template]\nsrc = \"app.tmpl\"\ndest = {:?}\nkeys = [\"/team-b\"]\n",
            dir.join("b-out/app.conf").display().to_string()
        ),
    );
    dir.write("b/templates/app.tmpl", "b={{getv \"/team-b/v\"}}\n");
    let run = Wconfd::file_onetime(&dir).run();
    run.code(1).stderr_has(&format!(
        "tenant b: {}: backend consul (unreachable): http://{closed}/v1/kv/team-b",
        dir.join("b/conf.d/app.toml").display()
    ));
    assert_eq!(dir.read("a-out/app.conf"), "a=from-consul\n");
    assert_eq!(dir.read("ops.out"), "ops=o1\n");
    assert!(!dir.exists("b-out/app.conf"));
}

/// Install the built-in renderer in `dir` as plugin `name`, its manifest declaring `grants`.
fn renderer_declaring(dir: &std::path::Path, name: &str, grants: &str) {
    let builtin = dir.join(".builtin");
    Wconfd::new().args(["plugin", "builtin"]).arg(&builtin).run().ok();
    std::fs::copy(builtin.join("gotemplate.wasm"), dir.join(format!("{name}.wasm"))).unwrap();
    let manifest = std::fs::read_to_string(builtin.join("gotemplate.toml")).unwrap();
    let manifest = manifest
        .replace("name = \"gotemplate\"", &format!("name = {name:?}"))
        .replace("gotemplate.wasm", &format!("{name}.wasm"));
    std::fs::write(
        dir.join(format!("{name}.toml")),
        format!("{manifest}[grants]\n{grants}"),
    )
    .unwrap();
    std::fs::remove_dir_all(builtin).unwrap();
}

#[test]
fn a_renderer_gets_what_its_manifest_declares_within_what_its_owner_allows() {
    let dir = Dir::new();
    let operators = dir.join("plugins");
    let tenants = dir.join("a-plugins");
    std::fs::create_dir_all(&operators).unwrap();
    std::fs::create_dir_all(&tenants).unwrap();
    renderer_declaring(&operators, "declared", "env = [\"GRANT_A\", \"GRANT_B\"]\n");
    // The tenant's own renderer asks for more than the tenant was given.
    renderer_declaring(
        &tenants,
        "mine",
        "env = [\"GRANT_B\"]\ndns = true\nfile_exists = true\n",
    );
    operator_and_tenant(
        &dir,
        &format!(
            "plugins = {:?}\n[grants]\nenv = [\"GRANT_A\"]\n",
            tenants.display().to_string()
        ),
    );
    let probe = "a={{getenv \"GRANT_A\"}} b={{getenv \"GRANT_B\"}} c={{getenv \"GRANT_C\"}} passwd={{fileExists \"/etc/passwd\"}} ip={{lookupIP \"localhost\"}}\n";
    for name in ["declared", "mine"] {
        let extra = format!("renderer = {name:?}\n");
        tenant_resource(
            &dir,
            name,
            "/team-a",
            &dir.join(&format!("a-out/{name}.conf")),
            &extra,
            probe,
        );
    }
    dir.resource(
        "ops_declared",
        &format!(
            "[template]\nsrc = \"ops_declared.tmpl\"\ndest = {:?}\nkeys = [\"/ops\"]\nrenderer = \"declared\"\n",
            dir.join("ops_declared.out").display().to_string()
        ),
        probe,
    );
    Wconfd::file_onetime(&dir)
        .arg("-plugin-dir")
        .arg(&operators)
        .env("GRANT_A", "1")
        .env("GRANT_B", "2")
        .env("GRANT_C", "3")
        .run()
        .ok();
    // The operator's resource: what the manifest declares of confd's grants, nothing more.
    assert_eq!(dir.read("ops_declared.out"), "a=1 b=2 c= passwd=false ip=[]\n");
    // The tenant's: the tenant's grants narrowed to the manifest's...
    assert_eq!(dir.read("a-out/declared.conf"), "a=1 b= c= passwd=false ip=[]\n");
    // ...and its own plugin cannot grant itself what the tenant was not given.
    assert_eq!(dir.read("a-out/mine.conf"), "a= b= c= passwd=false ip=[]\n");
}

#[test]
fn a_bad_value_in_a_tenant_file_names_its_file_line_and_key() {
    // The tenant file's first three lines are confdir, prefixes and roots.
    for (extra, line, key) in [
        ("[limits]\nmemory = \"lots\"\n", 5, "limits.memory"),
        ("[limits]\nfuel = 0\n", 5, "limits.fuel"),
        ("\n[grants]\nfile_exists = [\"relative\"]\n", 6, "grants.file_exists"),
        ("\n\n[backend]\nnodes = [\"127.0.0.1:1\"]\n", 6, "backend.backend"),
        ("user = \"no-such-user-here\"\n", 4, "user"),
    ] {
        let dir = Dir::new();
        operator_and_tenant(&dir, "");
        tenant_file(&dir, "a", "/team-a", extra);
        let file = dir.join("confdir/tenants.d/a.toml");
        Wconfd::file_onetime(&dir)
            .run()
            .code(1)
            .stderr_has(&format!("{}:{line}: key '{key}'", file.display()));
    }
}
