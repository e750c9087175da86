//! `time.Time` for `datetime`: Go's `Format` layouts, `String()` and the accessor methods a
//! template can call. The instant itself comes from the host (see [`crate::Host::now`]).

use crate::value::{Time, Value};
use std::rc::Rc;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

pub(crate) fn month_name(m: i64) -> String {
    MONTHS
        .get((m - 1) as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("%!Month({m})"))
}

pub(crate) fn weekday_name(d: i64) -> String {
    DAYS.get(d as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("%!Weekday({d})"))
}

/// Broken-down local time.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    nanos: i64,
    weekday: i64,
    yday: i64,
}

fn civil(t: &Time) -> Civil {
    let local = t.unix_nanos.div_euclid(1_000_000_000) + t.offset as i64;
    let nanos = t.unix_nanos.rem_euclid(1_000_000_000);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const CUM: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = CUM[(month - 1) as usize] + day + if leap && month > 2 { 1 } else { 0 };
    Civil {
        year,
        month,
        day,
        hour: secs / 3600,
        min: secs / 60 % 60,
        sec: secs % 60,
        nanos,
        weekday: (days + 4).rem_euclid(7),
        yday,
    }
}

/// Go's `Time.String()` (without the monotonic clock reading, which the host does not pass).
pub(crate) fn time_string(t: &Time) -> String {
    format(t, "2006-01-02 15:04:05.999999999 -0700 MST")
}

fn zone_offset(out: &mut String, offset: i32, colon: bool, seconds: bool, hours_only: bool, z: bool) {
    if z && offset == 0 {
        out.push('Z');
        return;
    }
    out.push(if offset < 0 { '-' } else { '+' });
    let o = offset.unsigned_abs();
    out.push_str(&format!("{:02}", o / 3600));
    if !hours_only {
        if colon {
            out.push(':');
        }
        out.push_str(&format!("{:02}", o / 60 % 60));
    }
    if seconds {
        if colon {
            out.push(':');
        }
        out.push_str(&format!("{:02}", o % 60));
    }
}

/// Go's `Time.Format(layout)`.
pub(crate) fn format(t: &Time, layout: &str) -> String {
    let c = civil(t);
    let mut out = String::new();
    let mut rest = layout;
    // Longest tokens first where one is a prefix of another.
    const TOKENS: &[&str] = &[
        "January",
        "Jan",
        "Monday",
        "Mon",
        "MST",
        "2006",
        "002",
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
        "__2",
        "_2",
        "15",
        "1",
        "2",
        "3",
        "4",
        "5",
        "PM",
        "pm",
        "Z070000",
        "Z07:00:00",
        "Z0700",
        "Z07:00",
        "Z07",
        "-070000",
        "-07:00:00",
        "-0700",
        "-07:00",
        "-07",
    ];
    while !rest.is_empty() {
        // Fractional seconds: ".000", ".999", ",000" ... directly after a seconds field or alone.
        if let Some(b) = rest.as_bytes().first().filter(|b| **b == b'.' || **b == b',') {
            let digits = rest[1..].bytes().take_while(|d| *d == b'0' || *d == b'9').count();
            let first = rest.as_bytes().get(1).copied();
            let uniform = digits > 0 && rest[1..1 + digits].bytes().all(|d| Some(d) == first);
            let next_is_digit = rest.as_bytes().get(1 + digits).is_some_and(|d| d.is_ascii_digit());
            if uniform && !next_is_digit {
                let frac = format!("{:09}", c.nanos);
                let mut f = frac[..digits].to_string();
                if first == Some(b'9') {
                    while f.ends_with('0') {
                        f.pop();
                    }
                    if !f.is_empty() {
                        out.push(*b as char);
                        out.push_str(&f);
                    }
                } else {
                    out.push(*b as char);
                    out.push_str(&f);
                }
                rest = &rest[1 + digits..];
                continue;
            }
        }
        let tok = TOKENS.iter().find(|tok| {
            if !rest.starts_with(**tok) {
                return false;
            }
            match **tok {
                // "Mon" must not be followed by a lower-case letter (e.g. "Month").
                "Jan" | "Mon" | "January" | "Monday" => {
                    !rest[tok.len()..].chars().next().is_some_and(|c| c.is_lowercase())
                }
                _ => true,
            }
        });
        let Some(tok) = tok else {
            let ch = rest.chars().next().unwrap_or(' ');
            out.push(ch);
            rest = &rest[ch.len_utf8()..];
            continue;
        };
        let h12 = if c.hour % 12 == 0 { 12 } else { c.hour % 12 };
        match *tok {
            "January" => out.push_str(MONTHS[(c.month - 1) as usize]),
            "Jan" => out.push_str(&MONTHS[(c.month - 1) as usize][..3]),
            "Monday" => out.push_str(DAYS[c.weekday as usize]),
            "Mon" => out.push_str(&DAYS[c.weekday as usize][..3]),
            "MST" => {
                if t.zone.is_empty() {
                    zone_offset(&mut out, t.offset, false, false, false, false);
                } else {
                    out.push_str(&t.zone);
                }
            }
            "2006" => out.push_str(&format!("{:04}", c.year)),
            "06" => out.push_str(&format!("{:02}", c.year.rem_euclid(100))),
            "002" => out.push_str(&format!("{:03}", c.yday)),
            "__2" => out.push_str(&format!("{:>3}", c.yday)),
            "01" => out.push_str(&format!("{:02}", c.month)),
            "02" => out.push_str(&format!("{:02}", c.day)),
            "_2" => out.push_str(&format!("{:>2}", c.day)),
            "03" => out.push_str(&format!("{:02}", h12)),
            "04" => out.push_str(&format!("{:02}", c.min)),
            "05" => out.push_str(&format!("{:02}", c.sec)),
            "15" => out.push_str(&format!("{:02}", c.hour)),
            "1" => out.push_str(&c.month.to_string()),
            "2" => out.push_str(&c.day.to_string()),
            "3" => out.push_str(&h12.to_string()),
            "4" => out.push_str(&c.min.to_string()),
            "5" => out.push_str(&c.sec.to_string()),
            "PM" => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
            "pm" => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
            "Z070000" => zone_offset(&mut out, t.offset, false, true, false, true),
            "Z07:00:00" => zone_offset(&mut out, t.offset, true, true, false, true),
            "Z0700" => zone_offset(&mut out, t.offset, false, false, false, true),
            "Z07:00" => zone_offset(&mut out, t.offset, true, false, false, true),
            "Z07" => zone_offset(&mut out, t.offset, false, false, true, true),
            "-070000" => zone_offset(&mut out, t.offset, false, true, false, false),
            "-07:00:00" => zone_offset(&mut out, t.offset, true, true, false, false),
            "-0700" => zone_offset(&mut out, t.offset, false, false, false, false),
            "-07:00" => zone_offset(&mut out, t.offset, true, false, false, false),
            "-07" => zone_offset(&mut out, t.offset, false, false, true, false),
            _ => out.push_str(tok),
        }
        rest = &rest[tok.len()..];
    }
    out
}

/// A method call on a `time.Time` (`{{(datetime).Format "2006"}}`); `None` if no such method.
pub(crate) fn method(t: &Rc<Time>, name: &str) -> Option<MethodSig> {
    Some(match name {
        "Format" => MethodSig::StringArg,
        "Unix" | "UnixNano" | "UnixMilli" | "UnixMicro" | "Year" | "Month" | "Day" | "Hour" | "Minute" | "Second"
        | "Nanosecond" | "YearDay" | "Weekday" | "UTC" | "Local" | "String" | "IsZero" => {
            let _ = t;
            MethodSig::NoArgs
        }
        _ => return None,
    })
}

/// The shape of a time method's parameters.
pub(crate) enum MethodSig {
    NoArgs,
    StringArg,
}

/// Call a method found by [`method`].
pub(crate) fn call(t: &Rc<Time>, name: &str, arg: Option<&str>) -> Value {
    let c = civil(t);
    match name {
        "Format" => Value::str(&format(t, arg.unwrap_or(""))),
        "Unix" => Value::Int64(t.unix_nanos.div_euclid(1_000_000_000)),
        "UnixNano" => Value::Int64(t.unix_nanos),
        "UnixMilli" => Value::Int64(t.unix_nanos.div_euclid(1_000_000)),
        "UnixMicro" => Value::Int64(t.unix_nanos.div_euclid(1_000)),
        "Year" => Value::Int(c.year),
        "Month" => Value::Month(c.month),
        "Day" => Value::Int(c.day),
        "Hour" => Value::Int(c.hour),
        "Minute" => Value::Int(c.min),
        "Second" => Value::Int(c.sec),
        "Nanosecond" => Value::Int(c.nanos),
        "YearDay" => Value::Int(c.yday),
        "Weekday" => Value::Weekday(c.weekday),
        "UTC" => Value::Time(Rc::new(Time {
            unix_nanos: t.unix_nanos,
            offset: 0,
            zone: "UTC".into(),
        })),
        "Local" => Value::Time(t.clone()),
        "String" => Value::str(&time_string(t)),
        "IsZero" => Value::Bool(false),
        _ => Value::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_reference_time() {
        // Go's reference time, Mon Jan 2 15:04:05 MST 2006 = 1136239445 in UTC-7.
        let t = Time {
            unix_nanos: 1_136_239_445_123_000_000,
            offset: -7 * 3600,
            zone: "MST".into(),
        };
        assert_eq!(
            format(&t, "2006-01-02 15:04:05.000 Mon Jan MST -07:00"),
            "2006-01-02 15:04:05.123 Mon Jan MST -07:00"
        );
        assert_eq!(time_string(&t), "2006-01-02 15:04:05.123 -0700 MST");
        assert_eq!(format(&t, "3:04PM"), "3:04PM");
    }
}
