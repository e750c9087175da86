//! Helper-call cost (`scripts/bench.sh helpers`): what a call from a template to a helper
//! library costs against the same work done by a built-in function, measured in one run.
//!
//! - a template making 10,000 calls of sprig's `upper` against one making 10,000 calls of
//!   confd's `toUpper` (same work; the difference is the round trip renderer → host → helper
//!   → renderer, values encoded both ways);
//! - one call from the host straight into the helper (the host → helper half alone);
//! - the value encoding (nodes): json's `toJson` of a 1,000-element list against `toJson 1`,
//!   per element.

mod common;

use std::sync::Arc;
use std::time::Instant;
use wconfd::plugin::HelperSet;

fn main() {
    let plugins = common::builtin_plugins();
    let renderer = plugins.renderer("gotemplate").expect("built-in renderer");
    let helpers = plugins
        .helper_set(&["sprig".into(), "json".into()])
        .expect("built-in helpers");
    let calls = 10_000;
    let render_ns = |template: &str, set: &Arc<HelperSet>| {
        let out = renderer
            .render_with_helpers("bench.tmpl", template.as_bytes(), &[], set)
            .expect("render");
        let renders = 20u32;
        let start = Instant::now();
        for _ in 0..renders {
            std::hint::black_box(
                renderer
                    .render_with_helpers("bench.tmpl", template.as_bytes(), &[], set)
                    .expect("render"),
            );
        }
        (start.elapsed().as_nanos() as f64 / renders as f64, out)
    };
    let (helper_ns, helper_out) = render_ns(
        &format!("{{{{range seq 1 {calls}}}}}{{{{upper \"abc\"}}}}{{{{end}}}}"),
        &helpers,
    );
    let (builtin_ns, builtin_out) = render_ns(
        &format!("{{{{range seq 1 {calls}}}}}{{{{toUpper \"abc\"}}}}{{{{end}}}}"),
        &HelperSet::none(),
    );
    assert_eq!(helper_out, builtin_out, "both templates print the same");

    // The host → helper half: one call into sprig's `upper`, no renderer.
    let sprig = plugins.helper_library("sprig").expect("sprig");
    let arg = vec![wconfd::plugin::helpers::Node::Text("abc".into())];
    sprig.call("upper", std::slice::from_ref(&arg)).expect("upper");
    let direct_calls = 100_000u32;
    let start = Instant::now();
    for _ in 0..direct_calls {
        std::hint::black_box(sprig.call("upper", std::slice::from_ref(&arg)).expect("upper"));
    }
    let direct_ns = start.elapsed().as_nanos() as f64 / direct_calls as f64;

    // The encoding: a 1,000-element list through toJson, against a scalar.
    let n = 1000;
    let (list_ns, _) = render_ns(&format!("{{{{toJson (seq 1 {n})}}}}"), &helpers);
    let (scalar_ns, _) = render_ns("{{toJson 1}}", &helpers);

    println!("| measure | wconfd | same with built-in functions | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| template with {calls} calls (`upper` from sprig vs confd's `toUpper`) | {:.2} ms | {:.2} ms | {:.1}x |",
        helper_ns / 1e6,
        builtin_ns / 1e6,
        helper_ns / builtin_ns
    );
    println!(
        "| one helper call, renderer → host → helper → renderer | {:.2} µs | {:.3} µs | |",
        helper_ns / calls as f64 / 1e3,
        builtin_ns / calls as f64 / 1e3
    );
    println!("| one call host → helper only | {:.2} µs | | |", direct_ns / 1e3);
    println!(
        "| value encoding: `toJson` of a {n}-element list, per element | {:.0} ns | | |",
        (list_ns - scalar_ns) / n as f64
    );
}
