//! Large inputs through the whole process. These guard the complexity of every stage (file
//! parsing, pair building, the renderer's store, the render, staging): a stage that is
//! quadratic in the number of keys takes hours on 200,000 keys instead of seconds, so the test
//! does not finish. There is no timing assertion; speed is measured by `scripts/bench.sh
//! process`.

use crate::util::{Dir, Wconfd};

const KEYS: usize = 200_000;

/// The template and the output every format below must give: `key=value` per line, keys in
/// the store's order (sorted).
fn expected() -> String {
    let mut keys: Vec<String> = (0..KEYS).map(|i| format!("/app/key{i}")).collect();
    keys.sort();
    keys.iter()
        .map(|k| format!("{k}=v-{}\n", &k["/app/key".len()..]))
        .collect()
}

fn render_through_binary(data_file: &str, data: &str) {
    let dir = Dir::new();
    dir.write(data_file, data);
    dir.keyed("big", "/app", "{{range gets \"/app/*\"}}{{.Key}}={{.Value}}\n{{end}}");
    Wconfd::over(&dir, &["-onetime", "-backend", "file"])
        .arg("-file")
        .arg(dir.join(data_file))
        .run()
        .ok();
    let out = dir.read("big.out");
    assert_eq!(out.lines().count(), KEYS);
    assert!(out == expected(), "the output differs from the sorted key=value lines");
}

#[test]
fn two_hundred_thousand_keys_from_one_yaml_file() {
    let mut yaml = String::from("app:\n");
    for i in 0..KEYS {
        yaml.push_str(&format!("  key{i}: v-{i}\n"));
    }
    render_through_binary("big.yaml", &yaml);
}

#[test]
fn two_hundred_thousand_keys_from_one_json_file() {
    let body: Vec<String> = (0..KEYS).map(|i| format!("\"key{i}\": \"v-{i}\"")).collect();
    render_through_binary("big.json", &format!("{{\"app\": {{{}}}}}", body.join(", ")));
}
