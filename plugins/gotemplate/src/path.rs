//! Go's `path` package: `Clean`, `Join`, `Base`, `Dir` and `Match`, byte for byte.

/// `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// Whether `p` is already what `join_root` would make of it: `/`-rooted, no empty, `.` or
/// `..` segments, no trailing slash. Most backend keys are; they skip the rebuild.
pub fn is_clean_abs(p: &str) -> bool {
    if p == "/" {
        return true;
    }
    let Some(rest) = p.strip_prefix('/') else {
        return false;
    };
    // Bytes, not `str::split`: this runs for every key a render receives, and a byte loop is
    // several times cheaper there than a character searcher (a slash is ASCII).
    !rest.is_empty()
        && rest
            .as_bytes()
            .split(|&b| b == b'/')
            .all(|seg| !seg.is_empty() && seg != b"." && seg != b"..")
}

/// `path.Join("/", p)`.
pub fn join_root(p: &str) -> String {
    clean(&format!("/{p}"))
}

/// `path.Base`.
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    // Byte scans, as in `is_clean_abs` (`base .Key` runs once per key a template ranges over).
    let p = &p[..p.len() - p.bytes().rev().take_while(|&b| b == b'/').count()];
    if p.is_empty() {
        return "/".into();
    }
    match p.bytes().rposition(|b| b == b'/') {
        Some(i) => p[i + 1..].into(),
        None => p.into(),
    }
}

/// `path.Dir`.
pub fn dir(p: &str) -> String {
    let i = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    clean(&p[..i])
}

const BAD_PATTERN: &str = "syntax error in pattern";

/// `path.Match`: `*` and `?` never cross `/`; `[...]` classes with ranges and `^` negation;
/// `\` escapes. Errors are Go's `ErrBadPattern`.
pub fn matches(pattern: &str, name: &str) -> Result<bool, String> {
    let mut pattern = pattern;
    let mut name = name;
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // Trailing * matches the rest unless it contains a '/'.
            return Ok(!name.as_bytes().contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name.as_bytes()[i] != b'/' {
                let c = name[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                i += c;
                let (t, ok) = match_chunk(chunk, &name[i..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
            }
        }
        // Go 1.19 keeps scanning the pattern to report a syntax error even on a mismatch.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, "")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(pattern: &str) -> (bool, &str, &str) {
    let mut star = false;
    let mut p = pattern;
    while p.starts_with('*') {
        p = &p[1..];
        star = true;
    }
    let b = p.as_bytes();
    let mut in_range = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &p[..i], &p[i..])
}

fn match_chunk<'a>(chunk: &str, s: &'a str) -> Result<(&'a str, bool), String> {
    // A chunk of plain characters (the `/services/web/` of `/services/web/*`, met once per
    // key a `gets` scans) matches as a prefix; it cannot be malformed.
    if !chunk.bytes().any(|b| matches!(b, b'[' | b'?' | b'\\')) {
        return Ok(match s.strip_prefix(chunk) {
            Some(rest) => (rest, true),
            None => ("", false),
        });
    }
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk.as_bytes()[0] {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    r = s.chars().next().unwrap_or('\0');
                    s = &s[r.len_utf8()..];
                }
                chunk = &chunk[1..];
                let negated = chunk.starts_with('^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if !chunk.is_empty() && chunk.as_bytes()[0] == b']' && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.starts_with('-') {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s.starts_with('/') {
                        failed = true;
                    }
                    let c = s.chars().next().map(char::len_utf8).unwrap_or(0);
                    s = &s[c..];
                }
                chunk = &chunk[1..];
            }
            b'\\' => {
                chunk = &chunk[1..];
                if chunk.is_empty() {
                    return Err(BAD_PATTERN.into());
                }
                let c = chunk.chars().next().unwrap_or('\0');
                if !failed {
                    if !s.starts_with(c) {
                        failed = true;
                    } else {
                        s = &s[c.len_utf8()..];
                    }
                }
                chunk = &chunk[c.len_utf8()..];
            }
            _ => {
                let c = chunk.chars().next().unwrap_or('\0');
                if !failed {
                    if !s.starts_with(c) {
                        failed = true;
                    } else {
                        s = &s[c.len_utf8()..];
                    }
                }
                chunk = &chunk[c.len_utf8()..];
            }
        }
    }
    if failed {
        return Ok(("", false));
    }
    Ok((s, true))
}

fn get_esc(chunk: &str) -> Result<(char, &str), String> {
    if chunk.is_empty() || chunk.starts_with('-') || chunk.starts_with(']') {
        return Err(BAD_PATTERN.into());
    }
    let mut chunk = chunk;
    if chunk.starts_with('\\') {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return Err(BAD_PATTERN.into());
        }
    }
    let r = chunk.chars().next().unwrap_or('\0');
    chunk = &chunk[r.len_utf8()..];
    if chunk.is_empty() {
        return Err(BAD_PATTERN.into());
    }
    Ok((r, chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_base_dir_follow_go() {
        assert_eq!(clean("/a//b/"), "/a/b");
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(base(""), ".");
        assert_eq!(base("/a/b/"), "b");
        assert_eq!(base("/"), "/");
        assert_eq!(dir(""), ".");
        assert_eq!(dir("/a/b"), "/a");
        assert_eq!(dir("a"), ".");
    }

    #[test]
    fn clean_keys_are_recognised() {
        for p in ["/", "/a", "/a/b", "/a.b/c"] {
            assert!(is_clean_abs(p) && join_root(p) == p, "{p}");
        }
        for p in ["", "a", "/a/", "//a", "/a//b", "/./a", "/a/..", "/a/."] {
            assert!(!is_clean_abs(p), "{p}");
        }
    }

    #[test]
    fn match_follows_go() {
        assert_eq!(matches("/a/*", "/a/b"), Ok(true));
        assert_eq!(matches("/a/*", "/a/b/c"), Ok(false));
        assert_eq!(matches("/a/[b-c]", "/a/c"), Ok(true));
        assert_eq!(matches("/a/[^b]", "/a/b"), Ok(false));
        assert_eq!(matches("/a/?", "/a/x"), Ok(true));
        assert!(matches("/a/[", "/a/b").is_err());
        assert_eq!(matches("/a/*/x", "/a/b/x"), Ok(true));
    }
}
