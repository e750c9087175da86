//! `time.Time` for `datetime`: Go's `Format` layouts, `String()` and the accessor methods a
//! template can call. The instant itself comes from the host (see [`crate::Host::now`]).

use crate::funcs::Ty;
use crate::value::Location;
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

/// The parameters of method `name` on a value of the `time` package (`time.Time`, `Month`,
/// `Weekday`, `Duration`, `*Location`): `None` if there is no such method, `Err` with Go's
/// message when Go refuses the call (several results, an unexported field).
pub(crate) fn method(recv: &Value, name: &str) -> Option<Result<&'static [Ty], String>> {
    let params: &'static [Ty] = match (recv, name) {
        (
            Value::Time(_),
            "Unix" | "UnixNano" | "UnixMilli" | "UnixMicro" | "Year" | "Month" | "Day" | "Hour" | "Minute" | "Second"
            | "Nanosecond" | "YearDay" | "Weekday" | "UTC" | "Local" | "String" | "IsZero" | "Location" | "IsDST",
        ) => &[],
        (Value::Time(_), "Format") => &[Ty::Str],
        (Value::Time(_), "Equal" | "Before" | "After" | "Sub") => &[Ty::Time],
        (Value::Time(_), "Add" | "Truncate" | "Round") => &[Ty::Duration],
        (Value::Time(_), "AddDate") => &[Ty::Int, Ty::Int, Ty::Int],
        (Value::Time(_), "In") => &[Ty::Location],
        (Value::Time(_), "ISOWeek" | "Zone" | "ZoneBounds" | "MarshalText" | "MarshalJSON" | "MarshalBinary") => {
            return Some(Err(format!("can't call method/function {name:?} with 2 results")))
        }
        (Value::Time(_), "Date" | "Clock") => {
            return Some(Err(format!("can't call method/function {name:?} with 3 results")))
        }
        (Value::Time(_), "wall" | "ext" | "loc") => {
            return Some(Err(format!("{name} is an unexported field of struct type time.Time")))
        }
        (Value::Month(_) | Value::Weekday(_) | Value::Location(_), "String") => &[],
        (
            Value::Duration(_),
            "String" | "Hours" | "Minutes" | "Seconds" | "Nanoseconds" | "Microseconds" | "Milliseconds" | "Abs",
        ) => &[],
        (Value::Duration(_), "Truncate" | "Round") => &[Ty::Duration],
        _ => return None,
    };
    Some(Ok(params))
}

/// Nanoseconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch: `Truncate` and
/// `Round` work on time since the zero time.
const ZERO_TO_UNIX_NANOS: i128 = 62_135_596_800 * 1_000_000_000;

/// Call a method [`method`] accepted, with arguments already converted to its parameters.
pub(crate) fn call(recv: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
    let arg_i = |i: usize| args.get(i).map(Value::as_i64).unwrap_or(0);
    let arg_time = |i: usize| match args.get(i) {
        Some(Value::Time(t)) => Ok(t.clone()),
        _ => Err("time: missing Time argument".to_string()),
    };
    let t = match recv {
        Value::Time(t) => t,
        Value::Month(m) => return Ok(Value::str(&month_name(*m))),
        Value::Weekday(d) => return Ok(Value::str(&weekday_name(*d))),
        Value::Location(l) => return Ok(Value::Str(l.name.clone().into())),
        Value::Duration(d) => {
            let d = *d;
            return Ok(match name {
                "String" => Value::str(&duration_string(d)),
                "Hours" => Value::Float(d as f64 / 3.6e12),
                "Minutes" => Value::Float(d as f64 / 6e10),
                "Seconds" => Value::Float(d as f64 / 1e9),
                "Nanoseconds" => Value::Int64(d),
                "Microseconds" => Value::Int64(d / 1_000),
                "Milliseconds" => Value::Int64(d / 1_000_000),
                "Abs" => Value::Duration(if d == i64::MIN { i64::MAX } else { d.abs() }),
                "Truncate" => Value::Duration(match arg_i(0) {
                    m if m <= 0 => d,
                    m => d - d % m,
                }),
                _ => Value::Duration(round_duration(d, arg_i(0))),
            });
        }
        _ => return Err(format!("no method {name}")),
    };
    let c = civil(t);
    let at = |unix_nanos: i64| {
        Value::Time(Rc::new(Time {
            unix_nanos,
            ..(**t).clone()
        }))
    };
    Ok(match name {
        "Format" => Value::str(&format(
            t,
            &match args.first() {
                Some(Value::Str(s)) => crate::gostr::lossy(s),
                _ => "".into(),
            },
        )),
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
        "UTC" => Value::Time(Rc::new(in_utc(t))),
        "Local" => Value::Time(t.clone()),
        "String" => Value::str(&time_string(t)),
        "IsZero" => Value::Bool(t.unix_nanos as i128 + ZERO_TO_UNIX_NANOS == 0),
        "IsDST" => Value::Bool(false),
        "Location" => Value::Location(Rc::new(location_of(t))),
        "Equal" => Value::Bool(arg_time(0)?.unix_nanos == t.unix_nanos),
        "Before" => Value::Bool(t.unix_nanos < arg_time(0)?.unix_nanos),
        "After" => Value::Bool(t.unix_nanos > arg_time(0)?.unix_nanos),
        "Sub" => Value::Duration(t.unix_nanos.saturating_sub(arg_time(0)?.unix_nanos)),
        "Add" => at(t.unix_nanos.saturating_add(arg_i(0))),
        "Truncate" | "Round" => {
            let d = arg_i(0) as i128;
            if d <= 0 {
                return Ok(Value::Time(t.clone()));
            }
            let abs = t.unix_nanos as i128 + ZERO_TO_UNIX_NANOS;
            let r = abs.rem_euclid(d);
            // Round halves away from zero time, as Go does ("halfway values round up").
            let down = abs - r;
            let to = if name == "Round" && r + r >= d { down + d } else { down };
            at(i64::try_from(to - ZERO_TO_UNIX_NANOS).unwrap_or(t.unix_nanos))
        }
        "AddDate" => {
            // Go's Date normalises: months and days out of range carry into the next unit.
            let months = c.year * 12 + (c.month - 1) + arg_i(1);
            let (year, month) = (months.div_euclid(12) + arg_i(0), months.rem_euclid(12) + 1);
            let days = days_from_civil(year, month, 1) + c.day - 1 + arg_i(2);
            let secs = days * 86_400 + c.hour * 3600 + c.min * 60 + c.sec - t.offset as i64;
            at(secs.saturating_mul(1_000_000_000).saturating_add(c.nanos))
        }
        "In" => match args.first() {
            Some(Value::Location(l)) if &*l.name == "UTC" => Value::Time(Rc::new(in_utc(t))),
            Some(Value::Location(l)) => Value::Time(Rc::new(Time {
                unix_nanos: t.unix_nanos,
                offset: l.offset,
                zone: l.zone.clone(),
            })),
            _ => return Err("time: missing Location in call to Time.In".into()),
        },
        _ => return Err(format!("no method {name}")),
    })
}

fn in_utc(t: &Time) -> Time {
    Time {
        unix_nanos: t.unix_nanos,
        offset: 0,
        zone: "UTC".into(),
    }
}

/// The location a time is in: UTC after `.UTC`, else the host's local zone (Go's `Local`).
fn location_of(t: &Time) -> Location {
    let utc = t.offset == 0 && &*t.zone == "UTC";
    Location {
        name: if utc { "UTC".into() } else { "Local".into() },
        offset: t.offset,
        zone: t.zone.clone(),
    }
}

/// Howard Hinnant's days_from_civil: days since the Unix epoch of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `Duration.Round`: to the nearest multiple of `m`, halfway away from zero.
fn round_duration(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let r = d % m;
    if d < 0 {
        let r = -r;
        if r + r < m {
            d + r
        } else {
            d.checked_sub(m - r).unwrap_or(i64::MIN)
        }
    } else if r + r < m {
        d - r
    } else {
        d.checked_add(m - r).unwrap_or(i64::MAX)
    }
}

/// Go's `Duration.String`: `1h2m3.5s`, `1.5ms`, `0s`.
pub(crate) fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    // fmtFrac: the fraction of u / 10^prec without trailing zeros (and no point if none).
    let frac = |u: u64, prec: u32| -> (String, u64) {
        let p = 10u64.pow(prec);
        let f = u % p;
        if f == 0 {
            return (String::new(), u / p);
        }
        let digits = format!("{f:0width$}", width = prec as usize);
        (format!(".{}", digits.trim_end_matches('0')), u / p)
    };
    if u < 1_000_000_000 {
        let (unit, prec) = if u < 1_000 {
            ("ns", 0)
        } else if u < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        let (f, whole) = frac(u, prec);
        out.push_str(&format!("{whole}{f}{unit}"));
    } else {
        let (f, secs) = frac(u, 9);
        u = secs;
        let s = format!("{}{f}s", u % 60);
        u /= 60;
        if u > 0 {
            let m = format!("{}m", u % 60);
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&m);
        }
        out.push_str(&s);
    }
    if neg {
        out.insert(0, '-');
    }
    out
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
