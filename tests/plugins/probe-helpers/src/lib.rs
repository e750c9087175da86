//! A helper library that misbehaves when asked, so tests can show each misbehaviour costs one
//! render and nothing else: `probeEcho` (a well-behaved control), `probeFail` (an error),
//! `probeTrap` (a WebAssembly trap), `probeSpin` (a loop past the call's time limit),
//! `probeHuge` (a value over the host's size limit) and `probeMalformed` (a value whose node
//! refers to itself). And the hostile ones, each trying to reach past the sandbox:
//! `probeReadFile PATH` (read a host file through WASI), `probeEnv NAME` (read the
//! environment), `probeConnect ADDR` (open a TCP connection), `probeRecurse` (recurse until
//! the stack ends), `probeAlloc` (allocate without bound) and `probeLogFlood` (call the host's
//! log import a million times). Each answers what it got, or its error, as text.

use wconfd_plugin_sdk::helpers::{decode, encode, function, FunctionInfo, Guest, Node, Val};

struct Probe;

impl Guest for Probe {
    fn functions() -> Vec<FunctionInfo> {
        vec![
            function("probeEcho", 0, true, "its arguments, as a list"),
            function("probeFail", 0, false, "an error"),
            function("probeTrap", 0, false, "a trap"),
            function("probeSpin", 0, false, "a loop that never ends"),
            function("probeHuge", 0, false, "a 64 MiB string"),
            function("probeMalformed", 0, false, "a value whose list contains itself"),
            function("probeReadFile", 1, false, "the file's text, or the error"),
            function("probeEnv", 1, false, "the variable's value, or the error"),
            function("probeConnect", 1, false, "\"connected\", or the error"),
            function("probeRecurse", 0, false, "recursion without end"),
            function("probeAlloc", 0, false, "allocation without end"),
            function("probeLogFlood", 0, false, "a million log calls, then \"flooded\""),
        ]
    }

    fn call(name: String, args: Vec<Vec<Node>>) -> Result<Vec<Node>, String> {
        match name.as_str() {
            "probeEcho" => {
                let items = args.iter().map(|a| decode(a)).collect::<Result<Vec<_>, _>>()?;
                Ok(encode(&Val::List(items)))
            }
            "probeFail" => Err("the probe was asked to fail".into()),
            "probeTrap" => std::process::abort(),
            "probeSpin" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "probeHuge" => Ok(vec![Node::Text("x".repeat(64 << 20))]),
            "probeMalformed" => Ok(vec![Node::List(vec![0])]),
            "probeReadFile" => Ok(text(match std::fs::read_to_string(arg(&args)?) {
                Ok(t) => t,
                Err(e) => format!("error: {e}"),
            })),
            "probeEnv" => Ok(text(match std::env::var(arg(&args)?) {
                Ok(v) => v,
                Err(e) => format!("error: {e}"),
            })),
            "probeConnect" => Ok(text(match std::net::TcpStream::connect(arg(&args)?) {
                Ok(_) => "connected".into(),
                Err(e) => format!("error: {e}"),
            })),
            "probeRecurse" => Ok(text(recurse(1).to_string())),
            "probeAlloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "probeLogFlood" => {
                for i in 0..1_000_000 {
                    wconfd_plugin_sdk::helpers::log::debug(&format!("flood {i}"));
                }
                Ok(text("flooded".into()))
            }
            other => Err(format!("no function {other}")),
        }
    }

    fn describe() -> String {
        "probe-helpers (test only)".into()
    }
}

/// The first argument as text.
fn arg(args: &[Vec<Node>]) -> Result<String, String> {
    match args.first().map(|a| decode(a)) {
        Some(Ok(Val::Str(s))) => Ok(s),
        _ => Err("expected a string argument".into()),
    }
}

fn text(s: String) -> Vec<Node> {
    encode(&Val::Str(s))
}

/// Recursion the optimiser cannot remove, until the stack ends (the base case is never met:
/// the depth only grows).
fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 16]);
    if frame[0] == 0 {
        return 0;
    }
    recurse(frame[0] + 1) + frame[15]
}

wconfd_plugin_sdk::helpers::export_helpers!(Probe);
