//! Durations as operators write them: Go's syntax (`500ms`, `2s`, `1m30s`, `1h`) or a bare
//! number of seconds, and consul-template's `wait = "min:max"`.

use std::time::Duration;

/// Parse `2s`, `1m30s`, `250ms`, `1.5s` or `10` (seconds).
pub fn parse(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += n * scale;
        rest = &rest[unit_len..];
    }
    Some(Duration::from_secs_f64(total))
}

/// consul-template's quiescence: render once changes have been quiet for `min`, and at the
/// latest `max` after the first change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    /// Quiet period.
    pub min: Duration,
    /// Longest delay after the first change.
    pub max: Duration,
}

/// Parse `"2s"` (max = 4 × min, as consul-template) or `"2s:10s"`.
pub fn parse_wait(s: &str) -> Option<Wait> {
    let (min, max) = match s.split_once(':') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => {
            let min = parse(s)?;
            (min, min * 4)
        }
    };
    (max >= min).then_some(Wait { min, max })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse("soon"), None);
        assert_eq!(parse("5x"), None);
    }

    #[test]
    fn waits() {
        assert_eq!(
            parse_wait("2s:10s"),
            Some(Wait {
                min: Duration::from_secs(2),
                max: Duration::from_secs(10)
            })
        );
        assert_eq!(
            parse_wait("1s"),
            Some(Wait {
                min: Duration::from_secs(1),
                max: Duration::from_secs(4)
            })
        );
        assert_eq!(parse_wait("10s:2s"), None);
    }
}
