//! `jq QUERY VALUE`: a jq query by the jaq library, over the value as JSON.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use wconfd_plugin_sdk::helpers::Val;

/// Run `query` on `input`: no result is nil, one is that value, several are a list.
pub fn run(query: &str, input: &Val) -> Result<Val, String> {
    let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
    let funs = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs());
    let arena = Arena::default();
    let program = File { code: query, path: () };
    let modules = Loader::new(defs)
        .load(&arena, program)
        .map_err(|errs| format!("cannot parse jq query {query:?}: {}", describe(&errs)))?;
    let filter = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| format!("cannot compile jq query {query:?}: {}", describe(&errs)))?;
    let input: jaq_json::Val = serde_json::from_value(input.to_json()).map_err(|e| e.to_string())?;
    let ctx = Ctx::<data::JustLut<jaq_json::Val>>::new(&filter.lut, Vars::new([]));
    let mut results = Vec::new();
    for out in filter.id.run((ctx, input)).map(unwrap_valr) {
        let out = out.map_err(|e| format!("jq: {e}"))?;
        // jaq writes JSON; read it back as a template value (integers stay integers).
        let json: serde_json::Value =
            serde_json::from_str(&out.to_string()).map_err(|e| format!("jq result is not JSON: {e}"))?;
        results.push(Val::from_json(&json, true));
    }
    Ok(match results.len() {
        0 => Val::Nil,
        1 => results.pop().expect("one result"),
        _ => Val::List(results),
    })
}

fn describe(errs: &[impl std::fmt::Debug]) -> String {
    errs.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join("; ")
}
