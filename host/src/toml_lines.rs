//! Where things are in a TOML file, for error messages that name the line: every file wconfd
//! reads (confd.toml, conf.d, tenant files, plugin manifests) reports bad input as
//! `FILE:LINE: key 'KEY': why`.

use toml::de::{DeTable, DeValue};

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The line where dotted key `key` (`limits.memory`, `grants.env`, `backend`) is written in
/// TOML `text`; `None` when the text does not parse or does not hold the key.
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut segments = key.split('.').peekable();
    while let Some(segment) = segments.next() {
        let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == segment)?;
        if segments.peek().is_none() {
            return Some(line_of(text, k.span().start));
        }
        match v.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => return None,
        }
    }
    None
}

/// `path:line` when the line is known, else `path`.
pub fn at(path: &std::path::Path, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_on_their_lines() {
        let text = "name = \"x\"\n\n[limits]\nmemory = \"lots\"\n[grants]\nenv = [\"A\"]\n";
        assert_eq!(key_line(text, "name"), Some(1));
        assert_eq!(key_line(text, "limits"), Some(3));
        assert_eq!(key_line(text, "limits.memory"), Some(4));
        assert_eq!(key_line(text, "grants.env"), Some(6));
        assert_eq!(key_line(text, "grants.dns"), None);
        assert_eq!(key_line(text, "name.sub"), None);
        assert_eq!(key_line("not = = toml", "not"), None);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
