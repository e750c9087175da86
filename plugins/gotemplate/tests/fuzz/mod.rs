//! An in-tree fuzzer for parse + execute (no nightly toolchain needed): templates are made by
//! mutating the differential corpus with a dictionary of template tokens and splicing cases
//! together, then parsed and executed under tight limits. A panic is a bug; so is a render
//! that takes longer than a second (the limits must end it first).
//!
//! Used by `tests/fuzz_smoke.rs` (a short, fixed-seed run in every test run) and by
//! `examples/fuzz.rs` (as long as you like). Crashes are written to `tests/fuzz-crashes/`;
//! commit them, and `fuzz_smoke` replays them forever after.

#![allow(dead_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wconfd_gotemplate::{DenyHost, Limits, Store, Template};

const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    " -}}",
    "{{/*",
    "*/}}",
    "(",
    ")",
    "|",
    " ",
    "\n",
    "$",
    "$x",
    "$x :=",
    "$x =",
    ":=",
    ",",
    ".",
    ".Key",
    ".Value",
    ".a.b",
    "nil",
    "true",
    "\"s\"",
    "\"\\u00e9\"",
    "`raw`",
    "'c'",
    "'\\n'",
    "0x1F",
    "1e3",
    "-1",
    "1.5",
    "0o17",
    "1_000",
    "99999999999999999999",
    "if",
    "else",
    "else if",
    "end",
    "range",
    "with",
    "define \"t\"",
    "template \"t\"",
    "template \"t\" .",
    "block \"b\" .",
    "break",
    "continue",
    "{{end}}",
    "{{else}}",
    "{{range $i, $v := seq 1 3}}",
    "{{if .}}",
    "{{with $}}",
    "{{define \"t\"}}",
    "{{template \"t\" .}}",
    "and",
    "or",
    "not",
    "len",
    "index",
    "slice",
    "print",
    "printf",
    "println",
    "printf \"%d %s %v %q %x %5.2f %[2]d %*d\"",
    "html",
    "js",
    "urlquery",
    "call",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "get",
    "gets",
    "getv",
    "getvs",
    "exists",
    "ls",
    "lsdir",
    "base",
    "dir",
    "split",
    "join",
    "json",
    "jsonArray",
    "map",
    "getenv",
    "datetime",
    "toUpper",
    "toLower",
    "contains",
    "replace",
    "trimSuffix",
    "lookupIP",
    "fileExists",
    "base64Encode",
    "base64Decode",
    "parseBool",
    "reverse",
    "sortByLength",
    "sortKVByLength",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "seq",
    "atoi",
    "\"/app/*\"",
    "\"/\"",
    "\"/app\"",
    "\"[\"",
    "(seq 1 100)",
    "(gets \"/*\")",
    "(json \"{\\\"a\\\":[1,{}]}\")",
    "(split \"a,b\" \",\")",
];

/// Whole actions: inserted into text they keep a template parseable, so mutants reach
/// execution instead of stopping in the parser.
const ACTIONS: &[&str] = &[
    "{{.}}",
    "{{$}}",
    "{{printf \"%v|%d|%s|%q|%x|%#v|%T\" . 1 \"s\" 2.5 (seq 1 2) (gets \"/*\") nil}}",
    "{{range gets \"/*\"}}{{.Key}}={{.Value}}{{end}}",
    "{{range $i, $v := ls \"/app\"}}{{$i}}{{$v}}{{end}}",
    "{{with json (getv \"/app/sub/x\")}}{{.a}}{{index .a 1}}{{end}}",
    "{{if eq (len (lsdir \"/\")) 1}}a{{else}}b{{end}}",
    "{{define \"t\"}}[{{.}}]{{end}}",
    "{{template \"t\" .}}",
    "{{block \"u\" 3}}{{.}}{{end}}",
    "{{range seq 1 5}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}",
    "{{slice \"abcdef\" 1 3}}",
    "{{index (split \"a,b\" \",\") 1}}",
    "{{html \"<&>\"}}{{js \"'\\\"\"}}{{urlquery \"a b\"}}",
    "{{getv \"/nope\" \"d\"}}",
    "{{atoi (getv \"/n\") | add 1}}",
    "{{map \"a\" 1 \"b\" (seq 1 2)}}",
    "{{reverse (sortByLength (split \"ccc,a,bb\" \",\"))}}",
    "{{base64Decode (base64Encode \"x\")}}",
    "{{$x := 1}}{{$x = add $x 1}}{{$x}}",
    "{{(datetime).Year}}",
    "{{printf \"%08.3f|%-5s|%+d|%x\" 3.25 \"ab\" 5 \"hi\"}}",
];

/// A small, fast, deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Templates of the corpus, the seeds for mutation.
pub fn corpus_templates() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        let cases: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for c in cases {
            if let Some(t) = c["template"].as_str() {
                out.push(t.to_string());
            }
        }
    }
    out
}

fn char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One mutated template.
pub fn mutate(rng: &mut Rng, seeds: &[String]) -> String {
    let mut t = seeds[rng.below(seeds.len())].clone();
    // Usually one or two changes: enough to explore, few enough to keep the template alive.
    let changes = if rng.below(3) == 0 {
        1 + rng.below(6)
    } else {
        1 + rng.below(2)
    };
    for _ in 0..changes {
        let at = char_boundary(&t, rng.below(t.len() + 1));
        match rng.below(8) {
            0 | 1 => t.insert_str(at, TOKENS[rng.below(TOKENS.len())]),
            6 | 7 => t.insert_str(at, ACTIONS[rng.below(ACTIONS.len())]),
            2 => {
                let end = char_boundary(&t, at + rng.below(16));
                t.replace_range(at..end, "");
            }
            3 => {
                let end = char_boundary(&t, at + rng.below(32));
                let piece = t[at..end].to_string();
                t.insert_str(end, &piece);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = char_boundary(other, rng.below(other.len() + 1));
                let to = char_boundary(other, from + rng.below(64));
                t.insert_str(at, &other[from..to]);
            }
            _ => {
                // Nest: wrap a slice of the template in a control structure.
                let end = char_boundary(&t, at + rng.below(40));
                let (open, close) = [
                    ("{{if .}}", "{{end}}"),
                    ("{{range seq 1 3}}", "{{end}}"),
                    ("{{with \"x\"}}", "{{end}}"),
                    ("{{define \"t\"}}", "{{end}}"),
                ][rng.below(4)];
                t.insert_str(end, close);
                t.insert_str(at, open);
            }
        }
    }
    t
}

/// The store every fuzz case runs against.
pub fn store() -> Store {
    Store::from_pairs(
        [
            ("/app/a", "1"),
            ("/app/b", "two"),
            ("/app/sub/x", "{\"a\":[1,2]}"),
            ("/apples", "red"),
            ("/n", "42"),
        ],
        "",
    )
}

/// Tight limits so that every case ends quickly.
pub fn limits() -> Limits {
    Limits {
        max_output_bytes: 1 << 20,
        max_steps: 200_000,
    }
}

/// How far a case got.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    ParseError,
    ExecError,
    Rendered,
}

/// Parse and execute `template`; `Err` describes a bug (panic or a render that took too long).
pub fn check(template: &str, store: &Store) -> Result<Reached, String> {
    let start = Instant::now();
    let r = catch_unwind(AssertUnwindSafe(|| match Template::parse("fuzz.tmpl", template) {
        Err(_) => Reached::ParseError,
        Ok(t) => match t.execute(store, &DenyHost, limits()) {
            Ok(_) => Reached::Rendered,
            Err(_) => Reached::ExecError,
        },
    }));
    let reached = match r {
        Ok(reached) => reached,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
            return Err(format!("panic: {}", msg.unwrap_or_default()));
        }
    };
    if start.elapsed() > Duration::from_secs(1) {
        return Err(format!("slow: {:?}", start.elapsed()));
    }
    Ok(reached)
}

/// What a run did.
#[derive(Default, Debug)]
pub struct Stats {
    pub cases: u64,
    pub parse_errors: u64,
    pub exec_errors: u64,
    pub rendered: u64,
}

/// Where crashes are kept (and replayed from).
pub fn crash_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashes")
}

/// Run `iterations` cases (or until `deadline`) from `seed`; returns what ran and any
/// failures (template, why), each also saved under `crash_dir()`.
pub fn run(seed: u64, iterations: u64, deadline: Option<Instant>) -> (Stats, Vec<(String, String)>) {
    let seeds = corpus_templates();
    let store = store();
    let mut rng = Rng::new(seed);
    let mut failures = Vec::new();
    let mut stats = Stats::default();
    // Panics are caught and reported below; keep the default hook's messages off the output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while stats.cases < iterations && deadline.is_none_or(|d| Instant::now() < d) {
        let t = mutate(&mut rng, &seeds);
        stats.cases += 1;
        match check(&t, &store) {
            Ok(Reached::ParseError) => stats.parse_errors += 1,
            Ok(Reached::ExecError) => stats.exec_errors += 1,
            Ok(Reached::Rendered) => stats.rendered += 1,
            Err(why) => {
                let name = format!("{:016x}.tmpl", fxhash(&t));
                let _ = std::fs::create_dir_all(crash_dir());
                let _ = std::fs::write(crash_dir().join(name), &t);
                failures.push((t, why));
            }
        }
    }
    std::panic::set_hook(hook);
    (stats, failures)
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}
