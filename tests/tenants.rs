//! Tenants (`<confdir>/tenants.d`): each confined to its key prefixes, destination roots and
//! commands; a resource asking for more is refused naming tenant and resource while everything
//! else runs; a symlink planted in a root after the start cannot redirect a write; a tenant's
//! commands run as its user.

use crate::util::{eventually, file_daemon, stop_daemon, Dir, Wconfd};

/// The operator's resource `ops` and tenant `a` (confdir `a/`, prefix `/team-a`, root
/// `a-out/`), with `extra` lines in the tenant file.
fn operator_and_tenant(dir: &Dir, extra: &str) {
    dir.write("data.yaml", "team-a:\n  v: a1\nteam-b:\n  secret: b1\nops:\n  v: o1\n");
    dir.keyed("ops", "/ops", "ops={{getv \"/ops/v\"}}\n");
    std::fs::create_dir_all(dir.join("a-out/sub")).unwrap();
    dir.write(
        "confdir/tenants.d/a.toml",
        format!(
            "confdir = {:?}\nprefixes = [\"/team-a\"]\nroots = [{:?}]\n{extra}",
            dir.join("a").display().to_string(),
            dir.join("a-out").display().to_string()
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

#[test]
fn a_symlink_planted_in_a_root_after_the_start_cannot_redirect_a_write() {
    let dir = Dir::new();
    operator_and_tenant(&dir, "");
    let dest = dir.join("a-out/sub/app.conf");
    tenant_resource(&dir, "app", "/team-a", &dest, "", "a={{getv \"/team-a/v\"}}\n");
    // Watch mode with no interval: the resource is admitted once, at the start.
    let child = file_daemon(&dir, &["-watch", "-interval", "0"]).spawn();
    eventually(20, "first render", || {
        std::fs::read_to_string(&dest).is_ok_and(|t| t == "a=a1\n")
    });
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

#[test]
fn a_tenants_limits_bound_its_renders_only() {
    let dir = Dir::new();
    operator_and_tenant(&dir, "[limits]\nrender_time = \"100ms\"\noutput = \"16B\"\n");
    // About 16 million loop iterations: far past 100 ms, well within the global 10 s.
    let spin = "{{range seq 1 4000}}{{range seq 1 4000}}{{end}}{{end}}spun\n";
    tenant_resource(&dir, "spin", "/team-a", &dir.join("a-out/spin.conf"), "", spin);
    tenant_resource(
        &dir,
        "big",
        "/team-a",
        &dir.join("a-out/big.conf"),
        "",
        "{{range seq 1 10}}0123456789{{end}}\n",
    );
    tenant_resource(&dir, "small", "/team-a", &dir.join("a-out/small.conf"), "", "ok\n");
    dir.keyed("ops_spin", "/ops", spin);
    let run = Wconfd::file_onetime(&dir).run();
    run.code(1)
        .stderr_has(&format!(
            "tenant a: {}: renderer plugin \"gotemplate\" failed: the call ran past its time limit",
            dir.join("a/conf.d/spin.toml").display()
        ))
        .stderr_has("the output of 101 bytes exceeds the tenant's limit of 16 bytes");
    assert!(!dir.exists("a-out/spin.conf") && !dir.exists("a-out/big.conf"));
    assert_eq!(dir.read("a-out/small.conf"), "ok\n");
    // The operator's resource, under the global limits, renders the same loop.
    assert_eq!(dir.read("ops_spin.out"), "spun\n");
}
