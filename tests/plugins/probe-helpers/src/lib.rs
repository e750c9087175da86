//! A helper library that misbehaves when asked, so tests can show each misbehaviour costs one
//! render and nothing else: `probeEcho` (a well-behaved control), `probeFail` (an error),
//! `probeTrap` (a WebAssembly trap), `probeSpin` (a loop past the call's time limit),
//! `probeHuge` (a value over the host's size limit) and `probeMalformed` (a value whose node
//! refers to itself).

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
            other => Err(format!("no function {other}")),
        }
    }

    fn describe() -> String {
        "probe-helpers (test only)".into()
    }
}

wconfd_plugin_sdk::helpers::export_helpers!(Probe);
