//! Fuzz the engine for a while: `cargo run --release -p wconfd-gotemplate --example fuzz --
//! SECONDS [SEED]`. Crashes are saved under tests/fuzz-crashes/ (commit them).

#[path = "../tests/fuzz/mod.rs"]
mod fuzz;

fn main() {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(60);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let (stats, failures) = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || fuzz::run(seed, u64::MAX, Some(deadline)))
        .unwrap()
        .join()
        .unwrap();
    println!("seed {seed}: {stats:?} in {secs}s, {} failures", failures.len());
    for (t, why) in failures.iter().take(20) {
        println!("--- {why}\n{t}");
    }
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
