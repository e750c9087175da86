//! wconfd's default renderer: the Go-template engine (`wconfd-gotemplate`) exported as the
//! `wconfd:plugin/renderer` interface of a wasm32-wasip2 component.
//!
//! This crate only translates between WIT types and the engine; everything that touches the
//! outside world goes through the imported `wconfd:plugin/host` interface, so the host decides
//! what a template can see.

mod memcmp;
mod small_alloc;

// Talc instead of wasi-libc's dlmalloc: a render allocates and frees a value for nearly every
// node it evaluates, and with Talc a render takes less time (twemproxy-500: -0.25 to -0.5 ms a
// whole run; 200,000 keys: -5%) and less memory. It grows linear memory with `memory.grow` as
// dlmalloc does, so the host's memory limits apply the same way. Small blocks come from free
// lists in front of it (see `small_alloc`).
#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: small_alloc::SmallFirst<talc::wasm::WasmDynamicTalc> =
    small_alloc::SmallFirst::new(talc::wasm::new_wasm_dynamic_allocator());

wit_bindgen::generate!({
    path: "../../wit/v0.3.0",
    world: "renderer-plugin",
});

use exports::wconfd::plugin::renderer::{Guest, GuestTemplate, Template as TemplateHandle, TemplateError};
use wconfd::plugin::types::{Entry, ErrorKind, FunctionInfo, Kv, Node};
use wconfd::plugin::{helper_calls, host};
use wconfd_gotemplate::helper::{self, Node as EngineNode};
use wconfd_gotemplate::{Limits, Srv, Store, Template, Time};

struct Component;

impl Guest for Component {
    type Template = CompiledTemplate;

    fn describe() -> String {
        format!(
            "gotemplate {} (Go 1.19 text/template + confd functions)",
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// A parsed template held by the guest between renders.
struct CompiledTemplate {
    template: Template,
}

fn to_wit(e: wconfd_gotemplate::TemplateError) -> TemplateError {
    TemplateError {
        kind: match e.kind {
            wconfd_gotemplate::ErrorKind::Parse => ErrorKind::Parse,
            wconfd_gotemplate::ErrorKind::Exec => ErrorKind::Exec,
        },
        message: e.message,
        template: e.template,
        line: e.line,
        column: e.column,
    }
}

impl GuestTemplate for CompiledTemplate {
    fn compile(name: String, text: Vec<u8>, helpers: Vec<FunctionInfo>) -> Result<TemplateHandle, TemplateError> {
        let helpers: Vec<helper::FunctionInfo> = helpers
            .into_iter()
            .map(|f| helper::FunctionInfo {
                name: f.name,
                arity: f.arity,
                variadic: f.variadic,
            })
            .collect();
        let template = Template::parse_with_helpers(&name, &text, &helpers).map_err(to_wit)?;
        Ok(TemplateHandle::new(CompiledTemplate { template }))
    }

    fn render(&self, kvs: Vec<Entry>) -> Result<Vec<u8>, TemplateError> {
        // The host passes keys already relative to the resource prefix; re-rooting is idempotent.
        let store = Store::from_pairs(kvs.iter().map(|kv| (kv.key.as_str(), kv.value.as_slice())), "");
        // The store holds its own copy: the pairs' memory is free for the render to reuse
        // rather than new pages of a fresh instance's memory.
        drop(kvs);
        self.template
            .execute(&store, &ImportedHost, Limits::default())
            .map_err(to_wit)
    }
}

/// The engine's view of the outside world, answered by the host's imports.
struct ImportedHost;

impl wconfd_gotemplate::Host for ImportedHost {
    fn getenv(&self, name: &str) -> Option<String> {
        host::getenv(name)
    }
    fn file_exists(&self, path: &str) -> bool {
        host::file_exists(path)
    }
    fn lookup_ip(&self, name: &str) -> Vec<String> {
        host::lookup_ip(name)
    }
    fn lookup_srv(&self, service: &str, proto: &str, name: &str) -> Vec<Srv> {
        host::lookup_srv(service, proto, name)
            .into_iter()
            .map(|r| Srv {
                target: r.target,
                port: r.port,
                priority: r.priority,
                weight: r.weight,
            })
            .collect()
    }
    fn now(&self) -> Time {
        let t = host::now();
        Time {
            unix_nanos: t.unix_nanos,
            offset: t.utc_offset_seconds,
            zone: t.zone_name.into(),
        }
    }
    fn call_helper(&self, name: &str, args: Vec<Vec<EngineNode>>) -> Result<Vec<EngineNode>, String> {
        let args: Vec<Vec<Node>> = args.into_iter().map(|a| a.into_iter().map(to_node).collect()).collect();
        helper_calls::call(name, &args).map(|v| v.into_iter().map(from_node).collect())
    }
}

// The engine's nodes and the WIT nodes are the same tree encoding; only the names differ.

fn to_node(n: EngineNode) -> Node {
    match n {
        EngineNode::Nil => Node::Nil,
        EngineNode::Bool(b) => Node::Boolean(b),
        EngineNode::Int(i) => Node::Int(i),
        EngineNode::Float(f) => Node::Float(f),
        EngineNode::Text(s) => Node::Text(s),
        EngineNode::Bytes(b) => Node::Bytes(b),
        EngineNode::Strings(v) => Node::Strings(v),
        EngineNode::List(v) => Node::List(v),
        EngineNode::Map(v) => Node::Map(v),
        EngineNode::Kv(key, value) => Node::Kv(Kv { key, value }),
    }
}

fn from_node(n: Node) -> EngineNode {
    match n {
        Node::Nil => EngineNode::Nil,
        Node::Boolean(b) => EngineNode::Bool(b),
        Node::Int(i) => EngineNode::Int(i),
        Node::Float(f) => EngineNode::Float(f),
        Node::Text(s) => EngineNode::Text(s),
        Node::Bytes(b) => EngineNode::Bytes(b),
        Node::Strings(v) => EngineNode::Strings(v),
        Node::List(v) => EngineNode::List(v),
        Node::Map(v) => EngineNode::Map(v),
        Node::Kv(kv) => EngineNode::Kv(kv.key, kv.value),
    }
}

export!(Component);
