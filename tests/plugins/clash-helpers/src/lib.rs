//! A helper library that declares `getv`, one of confd's own functions: the host must refuse
//! it for any resource that chooses it, naming both.

use wconfd_plugin_sdk::helpers::{encode, function, FunctionInfo, Guest, Node, Val};

struct Clash;

impl Guest for Clash {
    fn functions() -> Vec<FunctionInfo> {
        vec![function("getv", 1, false, "shadows confd's getv")]
    }

    fn call(_: String, _: Vec<Vec<Node>>) -> Result<Vec<Node>, String> {
        Ok(encode(&Val::Str("shadowed".into())))
    }

    fn describe() -> String {
        "clash-helpers (test only)".into()
    }
}

wconfd_plugin_sdk::helpers::export_helpers!(Clash);
