//! Every test run replays committed fuzz crashes and fuzzes briefly with a fixed seed.
//! Longer runs: `cargo run --release -p wconfd-gotemplate --example fuzz -- SECONDS [SEED]`.

mod fuzz;

#[test]
fn committed_crashes_stay_fixed() {
    let dir = fuzz::crash_dir();
    let store = fuzz::store();
    let mut n = 0;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries {
            let path = e.unwrap().path();
            let t = std::fs::read_to_string(&path).unwrap();
            if let Err(why) = fuzz::check(&t, &store) {
                panic!("{}: {why}", path.display());
            }
            n += 1;
        }
    }
    println!("replayed {n} fuzz regression cases");
}

#[test]
fn short_fuzz_run_finds_nothing() {
    // Deep nesting and template recursion to Go's limit (100,000 calls) need more stack than
    // the default test thread has in debug builds (as for the differential corpus).
    let (stats, failures) = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(|| fuzz::run(0x5eed, 3000, None))
        .unwrap()
        .join()
        .unwrap();
    println!("{stats:?}");
    assert_eq!(stats.cases, 3000);
    // The mutator must reach execution, not only the parser's error paths.
    assert!(stats.rendered + stats.exec_errors > 400, "{stats:?}");
    assert!(
        failures.is_empty(),
        "{} failures, e.g. {:?}",
        failures.len(),
        failures.first()
    );
}
