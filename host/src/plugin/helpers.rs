//! Helper-library plugins (`helpers-plugin`, `wconfd:plugin@0.3.0`): functions a template
//! calls besides Go's and confd's, each library in its own sandboxed instance.
//!
//! A resource chooses libraries by name (`helpers = ["json", "sprig"]`); the chosen set is
//! checked once ([`HelperSet::new`]: no name may shadow a built-in function or appear in two
//! libraries) and shared by every resource that chose the same list. A render reaches a helper
//! through the renderer's `helper-calls` import: renderer instance → host → helper instance →
//! back, with the value checked on the way (well-formed, within [`Limits::max_value_bytes`]).
//! A helper that traps or runs past [`Limits::helper_call_timeout`] fails that call (and so
//! that render) only; its instance is discarded and the next call gets a fresh one.

use super::bindings::helpers::{HelpersPlugin, HelpersPluginPre};
pub use super::bindings::wconfd::plugin::types::{FunctionInfo, Node, Value};
use super::host_imports::PluginState;
use super::limits::{Grants, Limits, EPOCH_TICK};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use wasmtime::{Engine, Store};

struct Live {
    store: Store<PluginState>,
    bindings: HelpersPlugin,
}

/// A loaded helper library.
pub struct HelperPlugin {
    name: Arc<str>,
    engine: Engine,
    pre: HelpersPluginPre<PluginState>,
    limits: Limits,
    live: Mutex<Option<Live>>,
    /// What `functions` returned, checked; read on first use.
    functions: OnceLock<Result<Vec<FunctionInfo>, String>>,
}

impl HelperPlugin {
    pub(crate) fn new(name: &str, engine: Engine, pre: HelpersPluginPre<PluginState>, limits: Limits) -> Self {
        HelperPlugin {
            name: name.into(),
            engine,
            pre,
            limits,
            live: Mutex::new(None),
            functions: OnceLock::new(),
        }
    }

    /// The same library under `limits`, as instances of its own (a tenant's: no linear memory
    /// shared with another tenant's helpers).
    pub fn with_limits(&self, limits: Limits) -> Self {
        let copy = HelperPlugin::new(&self.name, self.engine.clone(), self.pre.clone(), limits);
        if let Some(checked) = self.functions.get() {
            let _ = copy.functions.set(checked.clone());
        }
        copy
    }

    /// The library's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Run `f` on the live instance (made on first use). A trap or timeout discards it.
    fn with_live<T>(&self, f: impl FnOnce(&mut Live) -> wasmtime::Result<T>) -> Result<T, String> {
        let mut guard = self.live.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            // A helper library is granted nothing: no environment, files or DNS.
            let state = PluginState::new(self.name.clone(), &self.limits, Arc::new(Grants::none()));
            let mut store = Store::new(&self.engine, state);
            store.limiter(|s| &mut s.limits);
            store.set_epoch_deadline(ticks(self.limits.call_timeout));
            self.refuel(&mut store)
                .map_err(|e| format!("helper plugin {:?} cannot start: {e:#}", self.name))?;
            let bindings = self
                .pre
                .instantiate(&mut store)
                .map_err(|e| format!("helper plugin {:?} cannot start: {e:#}", self.name))?;
            *guard = Some(Live { store, bindings });
        }
        let live = guard.as_mut().expect("made above");
        let result = self.refuel(&mut live.store).and_then(|()| f(live));
        result.map_err(|trap| {
            *guard = None;
            format!(
                "helper plugin {:?} failed: {}",
                self.name,
                super::trapped(&self.name, &trap)
            )
        })
    }

    /// The library's functions, as it declared them (checked: Go identifiers, arity within
    /// [`wconfd_gotemplate::helper::MAX_ARITY`], no name twice).
    pub fn functions(&self) -> Result<Vec<FunctionInfo>, String> {
        self.functions
            .get_or_init(|| {
                let list = self.with_live(|live| {
                    live.store.set_epoch_deadline(ticks(self.limits.call_timeout));
                    live.bindings.wconfd_plugin_helpers().call_functions(&mut live.store)
                })?;
                check_functions(&self.name, list)
            })
            .clone()
    }

    /// Call `function` with `args`; `Err` is the text a template's author reads after
    /// `error calling NAME: `.
    pub fn call(&self, function: &str, args: &[Value]) -> Result<Value, String> {
        let result = self.with_live(|live| {
            live.store.set_epoch_deadline(ticks(self.limits.helper_call_timeout));
            live.bindings
                .wconfd_plugin_helpers()
                .call_call(&mut live.store, function, args)
        })??;
        check_value(&result, self.limits.max_value_bytes)
            .map_err(|e| format!("helper plugin {:?} returned a malformed value: {e}", self.name))?;
        Ok(result)
    }

    /// A fresh fuel budget for the next call, if the library has one (it then runs on the
    /// fuel-counting engine).
    fn refuel(&self, store: &mut Store<PluginState>) -> wasmtime::Result<()> {
        match self.limits.fuel {
            Some(fuel) => store.set_fuel(fuel),
            None => Ok(()),
        }
    }

    /// The library's own description (`describe`).
    pub fn describe(&self) -> Result<String, String> {
        self.with_live(|live| {
            live.store.set_epoch_deadline(ticks(self.limits.call_timeout));
            live.bindings.wconfd_plugin_helpers().call_describe(&mut live.store)
        })
    }
}

fn ticks(d: std::time::Duration) -> u64 {
    (d.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
}

/// Go's rule for function names (`goodName` in text/template): a letter or `_`, then letters,
/// digits and `_`.
fn is_go_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn check_functions(plugin: &str, list: Vec<FunctionInfo>) -> Result<Vec<FunctionInfo>, String> {
    let mut seen = std::collections::HashSet::new();
    for f in &list {
        if !is_go_identifier(&f.name) {
            return Err(format!(
                "helper plugin {plugin:?} declares function {:?}, which is not a valid template function name",
                f.name
            ));
        }
        if f.arity > wconfd_gotemplate::helper::MAX_ARITY {
            return Err(format!(
                "helper plugin {plugin:?}: function {} takes {} arguments (at most {} are supported)",
                f.name,
                f.arity,
                wconfd_gotemplate::helper::MAX_ARITY
            ));
        }
        if !seen.insert(f.name.as_str()) {
            return Err(format!("helper plugin {plugin:?} declares function {} twice", f.name));
        }
    }
    Ok(list)
}

/// Check a value a helper returned: a root, every child index after its parent and inside
/// the list, and no more than `max_bytes` of nodes and text. The renderer rebuilds the value
/// trusting nothing either; checking here names the plugin in the error.
pub(crate) fn check_value(v: &Value, max_bytes: usize) -> Result<(), String> {
    if v.is_empty() {
        return Err("empty (no root node)".into());
    }
    let mut bytes = 0usize;
    for (i, node) in v.iter().enumerate() {
        bytes += std::mem::size_of::<Node>();
        let child = |c: u32| {
            let c = c as usize;
            if c <= i || c >= v.len() {
                Err(format!(
                    "node {i} refers to node {c} (children come after their parent, within {} nodes)",
                    v.len()
                ))
            } else {
                Ok(())
            }
        };
        match node {
            Node::Text(s) => bytes += s.len(),
            Node::Bytes(b) => bytes += b.len(),
            Node::Strings(l) => bytes += l.iter().map(|s| s.len() + 8).sum::<usize>(),
            Node::List(l) => {
                bytes += 4 * l.len();
                l.iter().try_for_each(|&c| child(c))?;
            }
            Node::Map(m) => {
                bytes += m.iter().map(|(k, _)| k.len() + 12).sum::<usize>();
                m.iter().try_for_each(|(_, c)| child(*c))?;
            }
            Node::Kv(kv) => bytes += kv.key.len() + kv.value.len(),
            Node::Nil | Node::Boolean(_) | Node::Int(_) | Node::Float(_) => {}
        }
        if bytes > max_bytes {
            return Err(format!("larger than the limit of {max_bytes} bytes"));
        }
    }
    Ok(())
}

/// The helper libraries one resource chose, checked against each other and against the
/// built-in functions.
pub struct HelperSet {
    /// The libraries' names, in the resource's order (part of the parsed-template cache key).
    names: Vec<String>,
    functions: Vec<FunctionInfo>,
    by_function: HashMap<String, Arc<HelperPlugin>>,
}

impl HelperSet {
    /// The empty set (no helpers: only Go's and confd's functions).
    pub fn empty() -> Self {
        HelperSet {
            names: Vec::new(),
            functions: Vec::new(),
            by_function: HashMap::new(),
        }
    }

    /// The shared empty set.
    pub fn none() -> Arc<Self> {
        static NONE: std::sync::OnceLock<Arc<HelperSet>> = std::sync::OnceLock::new();
        NONE.get_or_init(|| Arc::new(HelperSet::empty())).clone()
    }

    /// Combine `libraries`, refusing a function that shadows one of `builtins` or that two
    /// libraries both provide (naming both).
    pub fn new(libraries: &[Arc<HelperPlugin>], builtins: &[&str]) -> Result<Self, String> {
        let mut set = HelperSet::empty();
        for lib in libraries {
            set.names.push(lib.name().to_string());
            for f in lib.functions()? {
                if builtins.contains(&f.name.as_str()) {
                    return Err(format!(
                        "helper {} (from {:?}) has the name of a built-in template function",
                        f.name,
                        lib.name()
                    ));
                }
                if let Some(other) = set.by_function.get(&f.name) {
                    return Err(format!(
                        "helper {} is provided by both {:?} and {:?}; choose one of them",
                        f.name,
                        other.name(),
                        lib.name()
                    ));
                }
                set.by_function.insert(f.name.clone(), lib.clone());
                set.functions.push(f);
            }
        }
        Ok(set)
    }

    /// The libraries' names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Every function the set provides.
    pub fn functions(&self) -> &[FunctionInfo] {
        &self.functions
    }

    /// Route a template's call to the library that provides `function`.
    pub fn call(&self, function: &str, args: Vec<Value>) -> Result<Value, String> {
        match self.by_function.get(function) {
            Some(lib) => lib.call(function, &args),
            None => Err(format!("no helper library provides {function}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_before_they_reach_a_template() {
        assert!(check_value(&vec![Node::List(vec![1]), Node::Int(1)], 1 << 20).is_ok());
        assert!(check_value(&vec![], 1 << 20).unwrap_err().contains("empty"));
        assert!(check_value(&vec![Node::List(vec![0])], 1 << 20)
            .unwrap_err()
            .contains("node 0 refers to node 0"));
        assert!(check_value(&vec![Node::Map(vec![("a".into(), 9)])], 1 << 20)
            .unwrap_err()
            .contains("refers to node 9"));
        assert!(check_value(&vec![Node::Text("x".repeat(100))], 64)
            .unwrap_err()
            .contains("limit of 64 bytes"));
    }

    #[test]
    fn function_names_follow_go() {
        assert!(is_go_identifier("toJson"));
        assert!(is_go_identifier("_x1"));
        assert!(!is_go_identifier("1x"));
        assert!(!is_go_identifier("a-b"));
        assert!(!is_go_identifier(""));
    }
}
