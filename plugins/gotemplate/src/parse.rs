//! The parser: a port of Go 1.19 `text/template/parse/parse.go` and the parts of `node.go`
//! that matter for execution and error messages (node positions and `String()` forms).

use crate::lex::{lex, Item, ItemType};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// A parse error. The message is complete, in Go's words:
/// `template: NAME:LINE: MESSAGE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The full message.
    pub message: String,
    /// 1-based line of the token where the parser stopped.
    pub line: usize,
}

/// A numeric constant with every interpretation Go's parser derives from its text.
#[derive(Clone, Debug)]
pub(crate) struct Number {
    pub text: String,
    /// A complex constant (`1i`, `1+2i`): evaluated as `complex128` whatever else it is.
    pub is_complex: bool,
    pub complex: (f64, f64),
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub int64: i64,
    pub uint64: u64,
    pub float64: f64,
}

#[derive(Debug)]
pub(crate) enum Node {
    Text {
        pos: usize,
        /// The template's bytes, unchanged (they need not be UTF-8).
        text: Rc<[u8]>,
    },
    Action {
        pos: usize,
        pipe: Pipe,
    },
    If(Branch),
    Range(Branch),
    With(Branch),
    Template {
        pos: usize,
        name: String,
        pipe: Option<Pipe>,
    },
    Break {
        pos: usize,
    },
    Continue {
        pos: usize,
    },
}

#[derive(Debug)]
pub(crate) struct List {
    pub nodes: Vec<Node>,
}

#[derive(Debug)]
pub(crate) struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// An operand of a command (Go: the node types that may appear in `CommandNode.Args`).
#[derive(Debug)]
pub(crate) enum Arg {
    Identifier {
        pos: usize,
        name: String,
        /// Resolved when parsed, so execution never looks a name up.
        func: crate::funcs::Func,
    },
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    Bool {
        pos: usize,
        value: bool,
    },
    Number {
        pos: usize,
        num: Rc<Number>,
    },
    String {
        pos: usize,
        quoted: String,
        /// The literal's value: a Go string, any bytes (`"\xff"`).
        text: crate::gostr::GoStr,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Identifier { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

// ---- String() forms, used in error contexts ("at <...>") and messages. ----

impl std::fmt::Display for Arg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Variable { idents, .. } => f.write_str(&idents.join(".")),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Field { idents, .. } => {
                for id in idents {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                if matches!(**node, Arg::Pipe(_)) {
                    write!(f, "({node})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
            Arg::Bool { value, .. } => write!(f, "{value}"),
            Arg::Number { num, .. } => f.write_str(&num.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            if let Arg::Pipe(p) = arg {
                write!(f, "({p})")?;
            } else {
                write!(f, "{arg}")?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for n in &self.nodes {
            write!(f, "{n}")?;
        }
        Ok(())
    }
}

fn fmt_branch(f: &mut std::fmt::Formatter<'_>, name: &str, b: &Branch) -> std::fmt::Result {
    write!(f, "{{{{{name} {}}}}}{}", b.pipe, b.list)?;
    if let Some(e) = &b.else_list {
        write!(f, "{{{{else}}}}{e}")?;
    }
    f.write_str("{{end}}")
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Text { text, .. } => f.write_str(&crate::gostr::lossy(text)),
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::If(b) => fmt_branch(f, "if", b),
            Node::Range(b) => fmt_branch(f, "range", b),
            Node::With(b) => fmt_branch(f, "with", b),
            Node::Template { name, pipe, .. } => match pipe {
                None => write!(f, "{{{{template {}}}}}", crate::fmt::quote_go(name)),
                Some(p) => write!(f, "{{{{template {} {p}}}}}", crate::fmt::quote_go(name)),
            },
            Node::Break { .. } => f.write_str("{{break}}"),
            Node::Continue { .. } => f.write_str("{{continue}}"),
        }
    }
}

/// What the parser returns for `{{end}}`/`{{else}}` (Go: `nodeEnd`, `nodeElse`).
enum Parsed {
    Node(Node),
    End,
    Else,
}

/// The set of named trees parsed from one template text (Go: `treeSet`).
pub(crate) type TreeSet = HashMap<String, Rc<List>>;

/// Parse `text` as template `name`, returning every tree it defines (the main one under
/// `name`, plus each `define`/`block`).
pub(crate) fn parse(name: &str, text: &[u8], helpers: &[crate::helper::FunctionInfo]) -> Result<TreeSet, ParseError> {
    let items = lex(text);
    let mut p = Parser {
        helpers,
        parse_name: name.to_string(),
        items,
        next_item: 0,
        token: [Item::eof(), Item::eof(), Item::eof()],
        peek_count: 0,
        vars: vec!["$".into()],
        action_line: 0,
        range_depth: 0,
        nesting: 0,
        trees: TreeSet::new(),
    };
    p.parse_top(name)?;
    Ok(p.trees)
}

impl Item {
    fn eof() -> Item {
        Item {
            typ: ItemType::Eof,
            pos: 0,
            val: String::new(),
            raw: None,
            line: 0,
        }
    }
}

/// How deeply pipelines, parentheses and control structures may nest. Go has no limit (its
/// stacks grow); a fixed-stack WebAssembly guest needs one to fail cleanly instead of
/// overflowing. Real templates nest a handful of levels.
pub(crate) const MAX_NESTING: usize = 500;

struct Parser<'h> {
    /// Helper functions the template may call besides the built-in ones.
    helpers: &'h [crate::helper::FunctionInfo],
    parse_name: String,
    items: Vec<Item>,
    next_item: usize,
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    /// Current nesting of pipelines and control structures (see MAX_NESTING).
    nesting: usize,
    trees: TreeSet,
}

type PResult<T> = Result<T, ParseError>;

fn is_empty_list(l: &List) -> bool {
    l.nodes.iter().all(|n| match n {
        Node::Text { text, .. } => text.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
        _ => false,
    })
}

impl Parser<'_> {
    fn lex_next(&mut self) -> Item {
        if self.next_item < self.items.len() {
            self.next_item += 1;
            self.items[self.next_item - 1].clone()
        } else {
            // Go's lexer channel is closed after an error or EOF: a zero item (itemError, "").
            let last = self.items.last().map(|i| i.line).unwrap_or(1);
            Item {
                typ: ItemType::Error,
                pos: 0,
                val: String::new(),
                raw: None,
                line: last,
            }
        }
    }

    fn next(&mut self) -> Item {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex_next();
        }
        self.token[self.peek_count].clone()
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].clone();
        }
        self.peek_count = 1;
        self.token[0] = self.lex_next();
        self.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf<T>(&self, msg: String) -> PResult<T> {
        let line = self.token[0].line;
        Err(ParseError {
            message: format!("template: {}:{}: {}", self.parse_name, line, msg),
            line,
        })
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item> {
        let token = self.next_non_space();
        if token.typ != expected {
            return self.unexpected(&token, context);
        }
        Ok(token)
    }

    fn add_tree(&mut self, name: &str, root: List) -> PResult<()> {
        match self.trees.get(name) {
            Some(existing) if !is_empty_list(existing) => {
                if !is_empty_list(&root) {
                    return self.errorf(format!(
                        "template: multiple definition of template {}",
                        crate::fmt::quote_go(name)
                    ));
                }
                Ok(())
            }
            _ => {
                self.trees.insert(name.to_string(), Rc::new(root));
                Ok(())
            }
        }
    }

    fn parse_top(&mut self, name: &str) -> PResult<()> {
        let mut root = List { nodes: Vec::new() };
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::End => return self.errorf("unexpected {{end}}".into()),
                Parsed::Else => return self.errorf("unexpected {{else}}".into()),
                Parsed::Node(n) => root.nodes.push(n),
            }
        }
        self.add_tree(name, root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let token = self.next_non_space();
        let name = match token.typ {
            ItemType::String | ItemType::RawString => self.unquote(&token)?,
            _ => return self.unexpected(&token, context),
        };
        self.expect(ItemType::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (root, end) = self.item_list()?;
        self.vars = saved_vars;
        if let Parsed::Else = end {
            return self.errorf(format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add_tree(&name, root)
    }

    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        let mut list = List { nodes: Vec::new() };
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.nodes.push(n),
                end => return Ok((list, end)),
            }
        }
        self.errorf("unexpected EOF".into())
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text {
                pos: token.pos,
                text: Rc::from(token.bytes()),
            })),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                let is_break = token.typ == ItemType::Break;
                let t = self.next_non_space();
                let word = if is_break { "{{break}}" } else { "{{continue}}" };
                if t.typ != ItemType::RightDelim {
                    return self.unexpected(&t, word);
                }
                if self.range_depth == 0 {
                    return self.errorf(format!("{word} outside {{{{range}}}}"));
                }
                return Ok(Parsed::Node(if is_break {
                    Node::Break { pos: token.pos }
                } else {
                    Node::Continue { pos: token.pos }
                }));
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.parse_control(true, "if").map(|b| Parsed::Node(Node::If(b))),
            ItemType::Range => return self.parse_control(false, "range").map(|b| Parsed::Node(Node::Range(b))),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => return self.parse_control(false, "with").map(|b| Parsed::Node(Node::With(b))),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos: token.pos, pipe }))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If {
            return Ok(Parsed::Else);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn parse_control(&mut self, allow_else_if: bool, context: &str) -> PResult<Branch> {
        let nvars = self.vars.len();
        let r = self.parse_control_inner(allow_else_if, context);
        self.vars.truncate(nvars);
        r
    }

    fn parse_control_inner(&mut self, allow_else_if: bool, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else => {
                if allow_else_if && self.peek().typ == ItemType::If {
                    self.next();
                    let inner = self.parse_control(true, "if")?;
                    else_list = Some(List {
                        nodes: vec![Node::If(inner)],
                    });
                } else {
                    let (el, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return self.errorf("expected end; found {{else}}".into());
                    }
                    else_list = Some(el);
                }
            }
            Parsed::Node(_) => unreachable!("item_list returns only end/else"),
        }
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn parse_template_name(&mut self, token: &Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => self.unquote(token),
            _ => self.unexpected(token, context),
        }
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let r = self.item_list();
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        let (root, end) = r?;
        if let Parsed::Else = end {
            return self.errorf(format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add_tree(&name, root)?;
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        self.nesting += 1;
        let r = if self.nesting > MAX_NESTING {
            self.errorf(format!("{context} nested more than {MAX_NESTING} deep"))
        } else {
            self.pipeline_inner(context, end)
        };
        self.nesting -= 1;
        r
    }

    fn pipeline_inner(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            // decls:
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            let token_after = self.peek();
            let next = self.peek_non_space();
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(v.val.clone());
                self.vars.push(v.val.clone());
                break;
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space();
                pipe.decl.push(v.val.clone());
                self.vars.push(v.val.clone());
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => continue,
                        _ => return self.errorf("range can only initialize variables".into()),
                    }
                }
                return self.errorf(format!("too many declarations in {context}"));
            } else if token_after.typ == ItemType::Space {
                self.backup3(v, token_after);
                break;
            } else {
                self.backup2(v);
                break;
            }
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match token.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. } | Arg::Number { .. } | Arg::String { .. }
            ) {
                return self.errorf(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command { pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.errorf("empty command".into());
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ == ItemType::Field {
            let pos = self.peek().pos;
            let mut fields = Vec::new();
            while self.peek().typ == ItemType::Field {
                let t = self.next();
                fields.push(t.val[1..].to_string());
            }
            return match node {
                Arg::Field { mut idents, .. } => {
                    idents.extend(fields);
                    Ok(Some(Arg::Field { pos, idents }))
                }
                Arg::Variable { mut idents, .. } => {
                    idents.extend(fields);
                    Ok(Some(Arg::Variable { pos, idents }))
                }
                Arg::Bool { .. } | Arg::String { .. } | Arg::Number { .. } | Arg::Nil { .. } | Arg::Dot { .. } => self
                    .errorf(format!(
                        "unexpected . after term {}",
                        crate::fmt::quote_go(&node.to_string())
                    )),
                other => Ok(Some(Arg::Chain {
                    pos,
                    node: Box::new(other),
                    fields,
                })),
            };
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        let arg = match token.typ {
            ItemType::Identifier => {
                let helper = || {
                    self.helpers
                        .iter()
                        .find(|h| h.name == token.val)
                        .map(crate::funcs::helper_func)
                };
                let Some(func) = crate::funcs::lookup(&token.val).or_else(helper) else {
                    return self.errorf(format!("function {} not defined", crate::fmt::quote_go(&token.val)));
                };
                Arg::Identifier {
                    pos,
                    name: token.val,
                    func,
                }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let idents: Vec<String> = token.val.split('.').map(str::to_string).collect();
                if !self.vars.iter().any(|v| *v == idents[0]) {
                    return self.errorf(format!("undefined variable {}", crate::fmt::quote_go(&idents[0])));
                }
                Arg::Variable { pos, idents }
            }
            ItemType::Field => Arg::Field {
                pos,
                idents: token.val[1..].split('.').map(str::to_string).collect(),
            },
            ItemType::Bool => Arg::Bool {
                pos,
                value: token.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let num = match new_number(&token.val, token.typ) {
                    Ok(n) => n,
                    Err(e) => return self.errorf(e),
                };
                Arg::Number { pos, num: Rc::new(num) }
            }
            ItemType::LeftParen => Arg::Pipe(Box::new(self.pipeline("parenthesized pipeline", ItemType::RightParen)?)),
            ItemType::String | ItemType::RawString => {
                let text = self.unquote_bytes(&token)?;
                Arg::String {
                    pos,
                    quoted: token.val,
                    text: text.into(),
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }

    /// A literal's value as text (template names).
    fn unquote(&self, token: &Item) -> PResult<String> {
        self.unquote_bytes(token).map(|b| crate::gostr::lossy(&b).into_owned())
    }

    /// A literal's value: Go's `strconv.Unquote`, bytes and all. A raw string keeps the
    /// template's bytes; in a quoted one Go decodes each byte that is not UTF-8 as U+FFFD,
    /// which is what the token's text already holds.
    fn unquote_bytes(&self, token: &Item) -> PResult<Vec<u8>> {
        let unquoted = match (token.typ, &token.raw) {
            (ItemType::RawString, Some(raw)) => crate::strconv::unquote_raw(raw),
            _ => crate::strconv::unquote(&token.val),
        };
        match unquoted {
            Some(u) => Ok(u),
            None => self.errorf("invalid syntax".into()),
        }
    }
}

/// Go's `(*Tree).newNumber`: every interpretation of a numeric literal.
/// Go's `simplifyComplex`: a complex constant with no imaginary part also counts as the float
/// (and integer) it equals, so it can be passed where a number is expected.
fn simplify_complex(n: &mut Number, re: f64, im: f64) {
    n.is_complex = true;
    n.complex = (re, im);
    n.is_float = im == 0.0;
    if n.is_float {
        n.float64 = re;
        n.is_int = (re as i64) as f64 == re;
        if n.is_int {
            n.int64 = re as i64;
        }
        n.is_uint = (re as u64) as f64 == re;
        if n.is_uint {
            n.uint64 = re as u64;
        }
    }
}

fn new_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        is_complex: false,
        complex: (0.0, 0.0),
        is_int: false,
        is_uint: false,
        is_float: false,
        int64: 0,
        uint64: 0,
        float64: 0.0,
    };
    match typ {
        ItemType::CharConstant => {
            let inner = &text[1..];
            let (c, tail) = crate::strconv::unquote_char(inner, '\'').ok_or_else(|| "invalid syntax".to_string())?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int64 = c as i64;
            n.uint64 = c as u64;
            n.float64 = c as u32 as f64;
            n.is_int = true;
            n.is_uint = true;
            n.is_float = true;
            return Ok(n);
        }
        ItemType::Complex => {
            // Go lets fmt.Sscan parse the pair: REAL then a signed IMAGINARY ending in `i`.
            let body = &text[..text.len() - 1];
            let split = body
                .char_indices()
                .skip(1)
                .filter(|&(i, c)| {
                    (c == '+' || c == '-') && !matches!(body.as_bytes()[i - 1], b'e' | b'E' | b'p' | b'P')
                })
                .map(|(i, _)| i)
                .last()
                .ok_or_else(|| format!("expected complex constant, found {text:?}"))?;
            let re = crate::strconv::parse_float(&body[..split]);
            let im = crate::strconv::parse_float(&body[split..]);
            let (Some(re), Some(im)) = (re, im) else {
                return Err("expected integer".into());
            };
            simplify_complex(&mut n, re, im);
            return Ok(n);
        }
        _ => {}
    }
    // Imaginary constants can only be complex unless they are zero.
    if let Some(im) = text.strip_suffix('i').and_then(crate::strconv::parse_float) {
        simplify_complex(&mut n, 0.0, im);
        return Ok(n);
    }
    let u = crate::strconv::parse_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Some(i) = crate::strconv::parse_int(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            n.is_uint = true;
            n.uint64 = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Some(f) = crate::strconv::parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", crate::fmt::quote_go(text)));
        }
        n.is_float = true;
        n.float64 = f;
        if !n.is_int && (f as i64) as f64 == f && f.fract() == 0.0 && f.abs() < 9.3e18 {
            n.is_int = true;
            n.int64 = f as i64;
        }
        if !n.is_uint && f >= 0.0 && (f as u64) as f64 == f && f.fract() == 0.0 && f < 1.8e19 {
            n.is_uint = true;
            n.uint64 = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", crate::fmt::quote_go(text)));
    }
    Ok(n)
}
