//! Go's `text/template` with confd's function map, byte-identical to Go 1.19 and confd.
//!
//! This crate is the engine behind wconfd's default renderer. It is plain Rust with no
//! dependencies on the host, so it is unit-tested and benchmarked natively and compiled
//! unchanged into the `wasm32-wasip2` renderer component.
//!
//! The main type is [`Template`]: parse once with [`Template::parse`], then
//! [`Template::execute`] against a [`Store`] (one resource's key/value snapshot) as often as the
//! data changes. Anything that touches the outside world (`getenv`, `fileExists`, DNS, the clock)
//! goes through the [`Host`] trait, so the embedder decides what a template may see.
//!
//! ```
//! use wconfd_gotemplate::{DenyHost, Limits, Store, Template};
//! let t = Template::parse("t.tmpl", "{{range gets \"/app/*\"}}{{base .Key}}={{.Value}}\n{{end}}").unwrap();
//! let store = Store::from_pairs([("/app/a", "1"), ("/app/b", "2")], "");
//! let out = t.execute(&store, &DenyHost, Limits::default()).unwrap();
//! assert_eq!(out, b"a=1\nb=2\n");
//! ```
#![deny(missing_docs)]

mod base64;
mod exec;
mod fmt;
mod funcs;
mod gosort;
mod gostr;
pub mod helper;
mod json;
mod lex;
mod parse;
pub mod path;
mod store;
mod strconv;
mod time;
mod value;

pub use exec::Limits;
/// Go's `strconv.Quote` (the host quotes command output with it, as confd's log lines do).
pub use fmt::quote_go;
pub use store::Store;
pub use value::{Srv, Time};

use std::rc::Rc;

/// When a template failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// While parsing: the template text is broken.
    Parse,
    /// While executing: the data did not fit the template.
    Exec,
}

/// A template error with Go's message and where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// Parse or execution.
    pub kind: ErrorKind,
    /// The complete message, as Go prints it.
    pub message: String,
    /// The template being executed (or parsed).
    pub template: String,
    /// 1-based line, 0 if unknown.
    pub line: u32,
    /// 1-based column, 0 if unknown (parse errors carry no column, as in Go).
    pub column: u32,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

/// The functions every template has: Go's builtins and confd's function map. Helper
/// libraries may not reuse these names.
pub fn builtin_function_names() -> &'static [&'static str] {
    funcs::NAMES
}

/// What a template may ask of the outside world.
pub trait Host {
    /// An environment variable (`getenv`); `None` if unset or not granted.
    fn getenv(&self, name: &str) -> Option<String>;
    /// `fileExists`.
    fn file_exists(&self, path: &str) -> bool;
    /// Addresses of `name` as text (`lookupIP`); empty on failure.
    fn lookup_ip(&self, name: &str) -> Vec<String>;
    /// SRV records (`lookupSRV`); empty on failure.
    fn lookup_srv(&self, service: &str, proto: &str, name: &str) -> Vec<Srv>;
    /// The current time (`datetime`).
    fn now(&self) -> Time;
    /// Call helper function `name` (one the template was parsed with) with flattened
    /// arguments; `Err` is the helper's message (the engine adds `error calling NAME: `).
    fn call_helper(&self, name: &str, args: Vec<Vec<helper::Node>>) -> Result<Vec<helper::Node>, String> {
        let _ = args;
        Err(format!("no helper library provides {name}"))
    }
}

/// A host that grants nothing: no environment, no files, no DNS; the clock reads the epoch.
#[derive(Debug, Default, Clone, Copy)]
pub struct DenyHost;

impl Host for DenyHost {
    fn getenv(&self, _: &str) -> Option<String> {
        None
    }
    fn file_exists(&self, _: &str) -> bool {
        false
    }
    fn lookup_ip(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
    fn lookup_srv(&self, _: &str, _: &str, _: &str) -> Vec<Srv> {
        Vec::new()
    }
    fn now(&self) -> Time {
        Time {
            unix_nanos: 0,
            offset: 0,
            zone: "UTC".into(),
        }
    }
}

/// A parsed template (with every `define`/`block` it contains), reusable across renders.
#[derive(Debug)]
pub struct Template {
    name: String,
    text: Rc<[u8]>,
    trees: parse::TreeSet,
}

impl Template {
    /// Parse `text`; `name` appears in error messages (confd uses the base name of `src`).
    /// Like a Go string, `text` may hold any bytes: text outside actions is copied unchanged.
    pub fn parse(name: &str, text: impl AsRef<[u8]>) -> Result<Template, TemplateError> {
        Template::parse_with_helpers(name, text, &[])
    }

    /// Parse `text` allowing calls to `helpers` (answered by [`Host::call_helper`]) besides
    /// Go's and confd's functions, which win on a name clash.
    pub fn parse_with_helpers(
        name: &str,
        text: impl AsRef<[u8]>,
        helpers: &[helper::FunctionInfo],
    ) -> Result<Template, TemplateError> {
        let text = text.as_ref();
        let trees = parse::parse(name, text, helpers).map_err(|e| TemplateError {
            kind: ErrorKind::Parse,
            message: e.message,
            template: name.to_string(),
            line: e.line as u32,
            column: 0,
        })?;
        Ok(Template {
            name: name.to_string(),
            text: text.into(),
            trees,
        })
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Execute against `store` with nil data (as confd does), returning the output bytes.
    /// On error the partial output is discarded.
    pub fn execute(&self, store: &Store, host: &dyn Host, limits: Limits) -> Result<Vec<u8>, TemplateError> {
        let ctx = funcs::Ctx {
            store,
            host,
            max_value_bytes: limits.max_output_bytes,
        };
        let mut state = exec::State::new(&self.trees, &self.name, &self.text, ctx, limits);
        exec::execute(&mut state, &self.name)?;
        Ok(state.out)
    }
}
