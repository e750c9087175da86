//! wconfd's default renderer: the Go-template engine (`wconfd-gotemplate`) exported as the
//! `wconfd:plugin/renderer` interface of a wasm32-wasip2 component.
//!
//! This crate only translates between WIT types and the engine; everything that touches the
//! outside world goes through the imported `wconfd:plugin/host` interface, so the host decides
//! what a template can see.

wit_bindgen::generate!({
    path: "../../wit/v0.1.0",
    world: "renderer-plugin",
});

use exports::wconfd::plugin::renderer::{Guest, GuestTemplate, Template as TemplateHandle, TemplateError};
use wconfd::plugin::host;
use wconfd::plugin::types::ErrorKind;
use wconfd::plugin::types::Kv;
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
    fn compile(name: String, text: String) -> Result<TemplateHandle, TemplateError> {
        let template = Template::parse(&name, &text).map_err(to_wit)?;
        Ok(TemplateHandle::new(CompiledTemplate { template }))
    }

    fn render(&self, kvs: Vec<Kv>) -> Result<Vec<u8>, TemplateError> {
        // The host passes keys already relative to the resource prefix; re-rooting is idempotent.
        let store = Store::from_pairs(kvs.iter().map(|kv| (kv.key.as_str(), kv.value.as_str())), "");
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
}

export!(Component);
