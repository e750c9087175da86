//! The executor: a port of Go 1.19 `text/template/exec.go`.
//!
//! It walks the parse tree with the same evaluation order, argument conversion and error
//! placement as Go, so outputs and error texts (`template: NAME:LINE:COL: executing "NAME" at
//! <...>: ...`) match.

use crate::funcs::{Ctx, Func, Ty};
use crate::parse::{Arg, Branch, Command, List, Node, Pipe, TreeSet};
use crate::value::Value;
use crate::{ErrorKind, TemplateError};
use std::rc::Rc;

/// Go's `maxExecDepth` on 64-bit hosts. The renderer component is linked with a shadow stack
/// and run with a native stack that hold this many levels (`gotemplate-component/build.rs`,
/// the host's `engine_config.rs`).
pub(crate) const MAX_EXEC_DEPTH: usize = 100_000;

/// Non-local exits from a walk: `{{break}}`, `{{continue}}`, or an execution error.
pub(crate) enum Flow {
    Break,
    Continue,
    /// Boxed: every evaluation step returns an `R<Value>`, which is then 24 bytes, the size
    /// of a value, instead of the 64 of an unboxed error.
    Err(Box<TemplateError>),
}

type R<T> = Result<T, Flow>;

/// The node an error is reported "at".
#[derive(Clone, Copy)]
pub(crate) enum At<'a> {
    None,
    Node(&'a Node),
    Arg(&'a Arg),
    Cmd(&'a Command),
    Pipe(&'a Pipe),
}

impl At<'_> {
    fn pos_and_text(&self) -> Option<(usize, String)> {
        Some(match self {
            At::None => return None,
            At::Node(n) => (node_pos(n), n.to_string()),
            At::Arg(a) => (a.pos(), a.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Pipe(p) => (p.pos, p.to_string()),
        })
    }
}

fn node_pos(n: &Node) -> usize {
    match n {
        Node::Text { pos, .. }
        | Node::Action { pos, .. }
        | Node::Template { pos, .. }
        | Node::Break { pos }
        | Node::Continue { pos } => *pos,
        Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
    }
}

/// Limits a render runs under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest output, in bytes, before the render fails cleanly. Also the largest single
    /// value a function may produce (a doubling `printf` loop ends here, not in the allocator).
    pub max_output_bytes: usize,
    /// Most nodes one render may evaluate. Go has no such limit, so a template whose
    /// `template` calls fan out exponentially runs forever there; here it ends as an error.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // Configuration files are small; 64 MiB is far past any real one and still well
        // inside a renderer instance's memory cap.
        // 100 million node evaluations is minutes of work in Go; any real template needs a
        // tiny fraction of it.
        Limits {
            max_output_bytes: 64 << 20,
            max_steps: 100_000_000,
        }
    }
}

/// Room the output starts with. Reserved capacity that is never written costs no memory: in
/// a WebAssembly instance `memory.grow` only raises the bound, and a page is made when it is
/// first written, as with a large `malloc` natively. Growing from nothing instead copies the
/// output at every doubling into pages that each fault when first written: a twemproxy render
/// of 500 pools (330 KB) took 0.2 to 0.46 ms longer that way, up to a tenth of the run. 1 MiB
/// holds most configuration files; a larger output goes on doubling from there.
const OUTPUT_RESERVE: usize = 1 << 20;

pub(crate) struct State<'a> {
    pub trees: &'a TreeSet,
    pub parse_name: &'a str,
    pub text: &'a [u8],
    pub name: String,
    /// Variables in scope, innermost last; names borrow the template's text.
    pub vars: Vec<(&'a str, Value)>,
    pub depth: usize,
    pub out: Vec<u8>,
    pub at: At<'a>,
    pub ctx: Ctx<'a>,
    pub limits: Limits,
    pub steps: u64,
}

/// A field of confd's `memkv.KVPair`.
fn kv_field(kv: &crate::value::KvPair, name: &str) -> Option<Value> {
    match name {
        "Key" => Some(Value::Str(kv.key.clone().into())),
        "Value" => Some(Value::Str(kv.value.clone())),
        _ => None,
    }
}

/// Whether a command whose first argument is a field or variable (`args[0]`) is given arguments:
/// more words after it, or a piped value (`has_final`).
fn given_arguments(args: &[Arg], has_final: bool) -> bool {
    args.len() > 1 || has_final
}

/// Follows `fields` from `start` through maps (decoded JSON objects) by reference, as far as
/// each name is a key of the map reached: the value reached and how many names that took. Each
/// of those steps in `eval_field` would clone the field's value and drop its receiver (a map
/// field's value is the map's, cloned, as here). The last name is left to `eval_field` when the
/// command is [`given_arguments`]: that is an error it reports.
fn through_maps<'v>(start: &'v Value, fields: &[String], args: &[Arg], has_final: bool) -> (&'v Value, usize) {
    let walkable = if given_arguments(args, has_final) {
        fields.len().saturating_sub(1)
    } else {
        fields.len()
    };
    let mut reached = start;
    let mut taken = 0;
    for name in &fields[..walkable] {
        let Value::Map(m) = reached else { break };
        let Some(v) = m.get(name) else { break };
        reached = v;
        taken += 1;
    }
    (reached, taken)
}

impl<'a> State<'a> {
    pub(crate) fn new(trees: &'a TreeSet, parse_name: &'a str, text: &'a [u8], ctx: Ctx<'a>, limits: Limits) -> Self {
        State {
            trees,
            parse_name,
            text,
            name: parse_name.to_string(),
            vars: vec![("$", Value::Invalid)],
            depth: 0,
            out: Vec::with_capacity(OUTPUT_RESERVE.min(limits.max_output_bytes)),
            at: At::None,
            ctx,
            limits,
            steps: 0,
        }
    }

    fn errorf<T>(&self, msg: String) -> R<T> {
        let (message, line, column) = match self.at.pos_and_text() {
            None => (format!("template: {}: {}", self.name, msg), 0, 0),
            Some((pos, context)) => {
                let before = &self.text[..pos.min(self.text.len())];
                let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
                let col = match before.iter().rposition(|&b| b == b'\n') {
                    Some(nl) => pos - (nl + 1),
                    None => pos,
                };
                (
                    format!(
                        "template: {}:{}:{}: executing {} at <{}>: {}",
                        self.parse_name,
                        line,
                        col,
                        crate::fmt::quote_go(&self.name),
                        context,
                        msg
                    ),
                    line,
                    col + 1,
                )
            }
        };
        Err(Flow::Err(Box::new(TemplateError {
            kind: ErrorKind::Exec,
            message,
            template: self.name.clone(),
            line: line as u32,
            column: column as u32,
        })))
    }

    fn mark(&self) -> usize {
        self.vars.len()
    }

    fn pop(&mut self, mark: usize) {
        self.vars.truncate(mark);
    }

    fn set_var(&mut self, name: &str, v: Value) -> R<()> {
        for (n, val) in self.vars.iter_mut().rev() {
            if *n == name {
                *val = v;
                return Ok(());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn set_top_var(&mut self, n: usize, v: Value) {
        let len = self.vars.len();
        self.vars[len - n].1 = v;
    }

    /// The innermost variable called `name`.
    fn var_ref(&self, name: &str) -> R<&Value> {
        match self.vars.iter().rev().find(|(n, _)| *n == name) {
            Some((_, v)) => Ok(v),
            None => self.errorf(format!("undefined variable: {name}")),
        }
    }

    pub(crate) fn walk_list(&mut self, dot: &Value, list: &'a List) -> R<()> {
        for n in &list.nodes {
            self.walk(dot, n)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Value, node: &'a Node) -> R<()> {
        self.at = At::Node(node);
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            let limit = self.limits.max_steps;
            return self.errorf(format!("execution stopped after {limit} steps"));
        }
        match node {
            Node::Action { pipe, .. } => {
                let val = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at = At::Node(node);
                    self.print_value(&val)?;
                }
                Ok(())
            }
            Node::Break { .. } => Err(Flow::Break),
            Node::Continue { .. } => Err(Flow::Continue),
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template { name, pipe, .. } => self.walk_template(dot, node, name, pipe.as_ref()),
            Node::Text { text, .. } => self.write(text),
        }
    }

    fn write(&mut self, s: impl AsRef<[u8]>) -> R<()> {
        let s = s.as_ref();
        if self.out.len() + s.len() > self.limits.max_output_bytes {
            let limit = self.limits.max_output_bytes;
            return self.errorf(format!("output exceeds the renderer's limit of {limit} bytes"));
        }
        self.out.extend_from_slice(s);
        Ok(())
    }

    fn print_value(&mut self, v: &Value) -> R<()> {
        // The common cases go straight to the output.
        match v {
            Value::Str(s) => return self.write(s),
            Value::Int(i) => return self.write(i.to_string()),
            _ => {}
        }
        let mut s = Vec::new();
        match v {
            Value::Invalid => s.extend_from_slice(b"<no value>"),
            Value::Srv(srv) => {
                // printableValue indirects pointers before printing.
                s.extend_from_slice(
                    format!("{{{} {} {} {}}}", srv.target, srv.port, srv.priority, srv.weight).as_bytes(),
                )
            }
            v => crate::fmt::sprint_one(v, &mut s),
        }
        self.write(&s)
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Value, b: &'a Branch) -> R<()> {
        let mark = self.mark();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.indirect_iface().truth() {
                if with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(())
            }
        })();
        self.pop(mark);
        r
    }

    fn walk_range(&mut self, dot: &Value, node: &'a Node, b: &'a Branch) -> R<()> {
        self.at = At::Node(node);
        let outer = self.mark();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            let val = val.indirect_iface().clone();
            let mark = self.mark();
            let ndecl = b.pipe.decl.len();
            let mut iterations: usize = 0;
            let mut one = |s: &mut Self, index: Value, elem: Value| -> R<bool> {
                if ndecl > 0 {
                    s.set_top_var(1, elem.clone());
                }
                if ndecl > 1 {
                    s.set_top_var(2, index);
                }
                let r = s.walk_list(&elem, &b.list);
                s.pop(mark);
                iterations += 1;
                match r {
                    Ok(()) | Err(Flow::Continue) => Ok(true),
                    Err(Flow::Break) => Ok(false),
                    Err(e) => Err(e),
                }
            };
            match &val {
                Value::Map(m) => {
                    for (k, v) in m.iter() {
                        if !one(self, Value::Str(k.clone().into()), v.clone())? {
                            break;
                        }
                    }
                }
                v if v.is_slice() => {
                    let n = v.len().unwrap_or(0);
                    for i in 0..n {
                        if !one(self, Value::Int(i as i64), v.index(i))? {
                            break;
                        }
                    }
                }
                Value::Invalid => {}
                v => {
                    let mut shown = Vec::new();
                    crate::fmt::sprint_one(v, &mut shown);
                    let shown = crate::gostr::lossy(&shown);
                    // Go reports this at the last node the pipeline evaluated, not the range.
                    return self.errorf(format!("range can't iterate over {shown}"));
                }
            }
            if iterations == 0 && val.len().unwrap_or(0) == 0 {
                if let Some(e) = &b.else_list {
                    return self.walk_list(dot, e);
                }
            }
            Ok(())
        })();
        self.pop(outer);
        r
    }

    fn walk_template(&mut self, dot: &Value, node: &'a Node, name: &str, pipe: Option<&'a Pipe>) -> R<()> {
        self.at = At::Node(node);
        let trees: &'a TreeSet = self.trees;
        let Some(tree) = trees.get(name) else {
            return self.errorf(format!("template {} not defined", crate::fmt::quote_go(name)));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return self.errorf(format!("exceeded maximum template depth ({MAX_EXEC_DEPTH})"));
        }
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Invalid,
        };
        let tree: &'a List = tree;
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$", new_dot.clone())]);
        let saved_name = std::mem::replace(&mut self.name, name.to_string());
        self.depth += 1;
        let r = self.walk_list(&new_dot, tree);
        self.depth -= 1;
        self.vars = saved_vars;
        self.name = saved_name;
        r
    }

    fn eval_pipeline(&mut self, dot: &Value, pipe: &'a Pipe) -> R<Value> {
        self.at = At::Pipe(pipe);
        let mut value = Value::Invalid;
        for (i, cmd) in pipe.cmds.iter().enumerate() {
            // Each command after the first gets the previous one's value as its last argument.
            let fin = (i > 0).then(|| std::mem::replace(&mut value, Value::Invalid));
            value = self.eval_command(dot, cmd, fin)?;
            // An interface{} holding nothing is no value once it leaves a command.
            if matches!(value, Value::NilIface) {
                value = Value::Invalid;
            }
        }
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name, value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], has_final: bool) -> R<()> {
        if given_arguments(args, has_final) {
            return self.errorf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Value, cmd: &'a Command, fin: Option<Value>) -> R<Value> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => {
                self.at = At::Arg(first);
                return self.eval_dot_fields(dot, idents, &cmd.args, fin);
            }
            Arg::Chain { node, fields, .. } => {
                self.at = At::Arg(first);
                if matches!(**node, Arg::Nil { .. }) {
                    return self.errorf(format!("indirection through explicit nil in {first}"));
                }
                let recv = self.eval_arg(dot, Ty::RValue, node)?;
                return self.eval_field_chain(dot, recv, false, fields, &cmd.args, fin);
            }
            Arg::Identifier { name, .. } => return self.eval_function(dot, first, name, Some(cmd), &cmd.args, fin),
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, fin.is_some())?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable { idents, .. } => return self.eval_variable(dot, first, idents, &cmd.args, fin),
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(&cmd.args, fin.is_some())?;
        match first {
            Arg::Bool { value, .. } => Ok(Value::Bool(*value)),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => self.errorf("nil is not a command".into()),
            Arg::Number { num, .. } => self.ideal_constant(first, num),
            Arg::String { text, .. } => Ok(Value::Str(text.clone())),
            _ => self.errorf(format!(
                "can't evaluate command {}",
                crate::fmt::quote_go(&first.to_string())
            )),
        }
    }

    fn ideal_constant(&mut self, arg: &'a Arg, n: &crate::parse::Number) -> R<Value> {
        self.at = At::Arg(arg);
        let t = &n.text;
        let is_hex_int =
            t.len() > 2 && t.starts_with('0') && (t.as_bytes()[1] | 0x20) == b'x' && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if n.is_complex {
            return Ok(Value::Complex(Rc::new(n.complex)));
        }
        if n.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(n.float64));
        }
        if n.is_int {
            return Ok(Value::Int(n.int64));
        }
        if n.is_uint {
            return self.errorf(format!("{t} overflows int"));
        }
        Ok(Value::Invalid)
    }

    fn eval_variable(
        &mut self,
        dot: &Value,
        node: &'a Arg,
        idents: &'a [String],
        args: &'a [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(node);
        let var = self.var_ref(&idents[0])?;
        let fields = &idents[1..];
        let (reached, taken) = through_maps(var, fields, args, fin.is_some());
        let value = reached.clone();
        if fields.is_empty() {
            self.not_a_function(args, fin.is_some())?;
        }
        self.eval_fields_after(dot, value, taken, fields, args, fin)
    }

    /// `.a.b` (fields of dot): a pair's `.Key` or `.Value` (each key a `range gets` visits) and
    /// names through maps are taken without cloning dot first.
    fn eval_dot_fields(&mut self, dot: &Value, idents: &'a [String], args: &'a [Arg], fin: Option<Value>) -> R<Value> {
        if let (Value::Kv(kv), [name], None, [_]) = (dot, idents, &fin, args) {
            if let Some(v) = kv_field(kv, name) {
                return Ok(v);
            }
        }
        let (reached, taken) = through_maps(dot, idents, args, fin.is_some());
        let value = reached.clone();
        self.eval_fields_after(dot, value, taken, idents, args, fin)
    }

    /// `value`, reached by [`through_maps`] after the first `taken` of `fields`: the rest of the
    /// names evaluated on it by [`Self::eval_field_chain`] (none left: `value` itself).
    fn eval_fields_after(
        &mut self,
        dot: &Value,
        value: Value,
        taken: usize,
        fields: &'a [String],
        args: &'a [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        if taken == fields.len() {
            return Ok(value);
        }
        self.eval_field_chain(dot, value, taken > 0, &fields[taken..], args, fin)
    }

    /// `iface`: `recv` came out of a map (Go's `map[string]interface {}`), so its static type,
    /// which Go's errors name, is `interface {}`, whatever it holds.
    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut recv: Value,
        iface: bool,
        idents: &'a [String],
        args: &'a [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        let n = idents.len();
        let mut iface = iface;
        for id in &idents[..n - 1] {
            let from_map = matches!(recv, Value::Map(_));
            recv = self.eval_field(dot, id, &[], None, recv, iface)?;
            iface = from_map;
        }
        self.eval_field(dot, &idents[n - 1], args, fin, recv, iface)
    }

    fn eval_field(
        &mut self,
        dot: &Value,
        name: &str,
        args: &'a [Arg],
        fin: Option<Value>,
        recv: Value,
        iface: bool,
    ) -> R<Value> {
        if !recv.is_valid() {
            return Ok(Value::Invalid);
        }
        if let Value::NilIface = recv {
            return self.errorf(format!("nil pointer evaluating interface {{}}.{name}"));
        }
        let has_args = args.len() > 1 || fin.is_some();
        match &recv {
            Value::Time(_) | Value::Month(_) | Value::Weekday(_) | Value::Duration(_) | Value::Location(_) => {
                match crate::time::method(&recv, name) {
                    Some(Ok(params)) => {
                        let argv = self.eval_args(dot, params, None, name, args, fin)?;
                        return match crate::time::call(&recv, name, &argv) {
                            Ok(v) => Ok(v),
                            Err(e) => self.errorf(format!("error calling {name}: {e}")),
                        };
                    }
                    Some(Err(e)) => return self.errorf(e),
                    None => {}
                }
            }
            Value::Kv(kv) => {
                if let Some(f) = kv_field(kv, name) {
                    if has_args {
                        return self.errorf(format!("{name} has arguments but cannot be invoked as function"));
                    }
                    return Ok(f);
                }
            }
            Value::Srv(srv) => {
                let field = match name {
                    "Target" => Some(Value::str(&srv.target)),
                    "Port" => Some(Value::Uint16(srv.port)),
                    "Priority" => Some(Value::Uint16(srv.priority)),
                    "Weight" => Some(Value::Uint16(srv.weight)),
                    _ => None,
                };
                if let Some(f) = field {
                    if has_args {
                        return self.errorf(format!("{name} has arguments but cannot be invoked as function"));
                    }
                    return Ok(f);
                }
            }
            Value::Map(m) => {
                if has_args {
                    return self.errorf(format!("{name} is not a method but has arguments"));
                }
                return Ok(m.get(name).cloned().unwrap_or(Value::Invalid));
            }
            _ => {}
        }
        let type_name = if iface { "interface {}" } else { recv.type_name() };
        self.errorf(format!("can't evaluate field {name} in type {type_name}"))
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        node: &'a Arg,
        name: &str,
        cmd: Option<&'a Command>,
        args: &'a [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(node);
        let Arg::Identifier { func, .. } = node else {
            return self.errorf(format!("{} is not a defined function", crate::fmt::quote_go(name)));
        };
        let call_at = match cmd {
            Some(c) => At::Cmd(c),
            None => At::Arg(node),
        };
        self.eval_call(dot, func, call_at, name, args, fin)
    }

    /// Evaluate the arguments of a call against its parameter types (Go's `evalCall` minus the
    /// call itself).
    fn eval_args(
        &mut self,
        dot: &Value,
        params: &'static [Ty],
        variadic: Option<Ty>,
        name: &str,
        args: &'a [Arg],
        fin: Option<Value>,
    ) -> R<Vec<Value>> {
        let args = if args.is_empty() { args } else { &args[1..] };
        let num_in = args.len() + usize::from(fin.is_some());
        let num_fixed = if variadic.is_some() { params.len() } else { args.len() };
        let want = params.len() + usize::from(variadic.is_some());
        if variadic.is_some() {
            if num_in < num_fixed {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    params.len(),
                    args.len()
                ));
            }
        } else if num_in != want {
            return self.errorf(format!("wrong number of args for {name}: want {want} got {num_in}"));
        }
        let mut argv = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            argv.push(self.eval_arg(dot, params[i], &args[i])?);
            i += 1;
        }
        if let Some(vt) = variadic {
            while i < args.len() {
                argv.push(self.eval_arg(dot, vt, &args[i])?);
                i += 1;
            }
        }
        if let Some(f) = fin {
            let t = match variadic {
                Some(vt) if num_in > num_fixed => vt,
                _ => params[num_in - 1],
            };
            argv.push(self.validate_type(f, t)?);
        }
        Ok(argv)
    }

    fn eval_call(
        &mut self,
        dot: &Value,
        func: &Func,
        at: At<'a>,
        name: &str,
        args: &'a [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        if name == "and" || name == "or" {
            let rest = if args.is_empty() { args } else { &args[1..] };
            let num_in = rest.len() + usize::from(fin.is_some());
            if num_in < 1 {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least 1 got {}",
                    rest.len()
                ));
            }
            let mut v = Value::Invalid;
            for a in rest {
                v = self.eval_arg(dot, Ty::RValue, a)?;
                if v.indirect_iface().truth() == (name == "or") {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        let argv = self.eval_args(dot, func.params, func.variadic, name, args, fin)?;
        debug_assert!(argv.len() >= func.num_in().saturating_sub(1));
        let result = if func.helper {
            let args = argv.iter().map(crate::helper::encode).collect();
            self.ctx
                .host
                .call_helper(name, args)
                .and_then(|nodes| crate::helper::decode(&nodes))
        } else {
            (func.imp)(&self.ctx, &argv)
        };
        match result {
            Ok(Value::Str(s)) if s.len() > self.limits.max_output_bytes => {
                self.at = at;
                let limit = self.limits.max_output_bytes;
                self.errorf(format!(
                    "error calling {name}: result exceeds the renderer's limit of {limit} bytes"
                ))
            }
            Ok(v) => Ok(v),
            Err(e) => {
                self.at = at;
                self.errorf(format!("error calling {name}: {e}"))
            }
        }
    }

    fn validate_type(&self, value: Value, ty: Ty) -> R<Value> {
        if !value.is_valid() {
            if ty.can_be_nil() {
                return Ok(match ty {
                    Ty::Strings => Value::Strings(Rc::new(Vec::new())),
                    Ty::KvSlice => Value::Kvs(Rc::new(Vec::new()), crate::value::KvsType::Slice),
                    _ => Value::Invalid,
                });
            }
            return self.errorf(format!("invalid value; expected {}", ty.name()));
        }
        let ok = match (ty, &value) {
            (Ty::RValue | Ty::Any, _) => return Ok(value),
            (Ty::Str, Value::Str(_)) | (Ty::Int, Value::Int(_)) | (Ty::Strings, Value::Strings(_)) => true,
            (Ty::KvSlice, Value::Kvs(v, _)) => return Ok(Value::Kvs(v.clone(), crate::value::KvsType::Slice)),
            (Ty::Time, Value::Time(_)) | (Ty::Duration, Value::Duration(_)) | (Ty::Location, Value::Location(_)) => {
                true
            }
            _ => false,
        };
        if ok {
            return Ok(value);
        }
        self.errorf(format!(
            "wrong type for value; expected {}; got {}",
            ty.name(),
            value.type_name()
        ))
    }

    fn eval_arg(&mut self, dot: &Value, ty: Ty, n: &'a Arg) -> R<Value> {
        self.at = At::Arg(n);
        match n {
            Arg::Dot { .. } => return self.validate_type(dot.clone(), ty),
            Arg::Nil { .. } => {
                if ty.can_be_nil() {
                    return self.validate_type(Value::Invalid, ty);
                }
                return self.errorf(format!("cannot assign nil to {}", ty.name()));
            }
            Arg::Field { idents, .. } => {
                let v = self.eval_dot_fields(dot, idents, std::slice::from_ref(n), None)?;
                return self.validate_type(v, ty);
            }
            Arg::Variable { idents, .. } => {
                let v = self.eval_variable(dot, n, idents, &[], None)?;
                return self.validate_type(v, ty);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate_type(v, ty);
            }
            Arg::Identifier { name, .. } => {
                let v = self.eval_function(dot, n, name, None, &[], None)?;
                return self.validate_type(v, ty);
            }
            Arg::Chain { node, fields, .. } => {
                if matches!(**node, Arg::Nil { .. }) {
                    return self.errorf(format!("indirection through explicit nil in {n}"));
                }
                let recv = self.eval_arg(dot, Ty::RValue, node)?;
                let v = self.eval_field_chain(dot, recv, false, fields, &[], None)?;
                return self.validate_type(v, ty);
            }
            _ => {}
        }
        match ty {
            Ty::Int => match n {
                Arg::Number { num, .. } if num.is_int => Ok(Value::Int(num.int64)),
                _ => self.errorf(format!("expected integer; found {n}")),
            },
            // An int64 kind: constants convert as for int.
            Ty::Duration => match n {
                Arg::Number { num, .. } if num.is_int => Ok(Value::Duration(num.int64)),
                _ => self.errorf(format!("expected integer; found {n}")),
            },
            Ty::Str => match n {
                Arg::String { text, .. } => Ok(Value::Str(text.clone())),
                _ => self.errorf(format!("expected string; found {n}")),
            },
            Ty::Any | Ty::RValue => match n {
                Arg::Bool { value, .. } => Ok(Value::Bool(*value)),
                Arg::Number { num, .. } => self.ideal_constant(n, num),
                Arg::String { text, .. } => Ok(Value::Str(text.clone())),
                _ => self.errorf(format!("can't handle assignment of {n} to empty interface argument")),
            },
            Ty::Strings | Ty::KvSlice | Ty::Time | Ty::Location => {
                self.errorf(format!("can't handle {n} for arg of type {}", ty.name()))
            }
        }
    }
}

/// Execute `trees[name]`.
pub(crate) fn execute<'a>(state: &mut State<'a>, name: &str) -> Result<(), TemplateError> {
    let trees: &'a TreeSet = state.trees;
    let Some(root) = trees.get(name) else {
        return Err(TemplateError {
            kind: ErrorKind::Exec,
            message: format!(
                "template: {name}: {} is an incomplete or empty template",
                crate::fmt::quote_go(name)
            ),
            template: name.to_string(),
            line: 0,
            column: 0,
        });
    };
    let root: &'a List = root;
    match state.walk_list(&Value::Invalid, root) {
        Ok(()) => Ok(()),
        Err(Flow::Err(e)) => Err(*e),
        Err(Flow::Break | Flow::Continue) => Ok(()),
    }
}
