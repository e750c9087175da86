//! A renderer that also imports `acme:greedy/secrets`, which wconfd does not provide: the host
//! must refuse it when it loads (its resources fail, the others run).

wit_bindgen::generate!({
    path: "wit",
    world: "greedy-renderer",
    generate_all,
});

use exports::wconfd::plugin::renderer::{Guest, GuestTemplate, Template, TemplateError};
use wconfd::plugin::types::{Entry, FunctionInfo};

struct Greedy;

impl Guest for Greedy {
    type Template = Leak;
    fn describe() -> String {
        "greedy (test only)".into()
    }
}

struct Leak;

impl GuestTemplate for Leak {
    fn compile(_: String, _: Vec<u8>, _: Vec<FunctionInfo>) -> Result<Template, TemplateError> {
        Ok(Template::new(Leak))
    }

    fn render(&self, _: Vec<Entry>) -> Result<Vec<u8>, TemplateError> {
        Ok(acme::greedy::secrets::get("root-password").into_bytes())
    }
}

export!(Greedy);
