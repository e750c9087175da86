//! A renderer built against `wconfd:plugin@0.1.0` (no helpers): prints `legacy:` and each
//! key=value pair, one per line. wconfd must keep loading renderers like it.

wit_bindgen::generate!({
    path: "../../../wit/v0.1.0",
    world: "renderer-plugin",
});

use exports::wconfd::plugin::renderer::{Guest, GuestTemplate, Template, TemplateError};
use wconfd::plugin::types::Kv;

struct Legacy;

impl Guest for Legacy {
    type Template = Prefix;
    fn describe() -> String {
        "legacy-renderer 0.1.0 (test only)".into()
    }
}

struct Prefix {
    name: String,
}

impl GuestTemplate for Prefix {
    fn compile(name: String, _text: String) -> Result<Template, TemplateError> {
        Ok(Template::new(Prefix { name }))
    }

    fn render(&self, kvs: Vec<Kv>) -> Result<Vec<u8>, TemplateError> {
        let mut out = format!("legacy {}:\n", self.name);
        for kv in kvs {
            out.push_str(&format!("{}={}\n", kv.key, kv.value));
        }
        Ok(out.into_bytes())
    }
}

export!(Legacy);
