//! The rest of the scalar function library: IPv4, geohash and distance,
//! series (element-wise array math), and smaller string and dynamic
//! functions. All are row functions over [`Value`]s.

use serde_json::{Map, Value as Json, json};

use super::functions::{array_of, int, json_of, real, s};
use super::plan::{Planner, Typed};
use super::value::Value;
use crate::error::KqlError;
use crate::span::Span;
use crate::types::KqlType;

/// The string arguments from position `from`, with dynamic arrays
/// flattened (`has_any_ipv4(text, 'a', 'b')` or `(text, dynamic([...]))`).
fn string_list(args: &[Value], from: usize) -> Vec<String> {
    let mut out = Vec::new();
    for v in args.iter().skip(from) {
        match json_of(v) {
            Json::Array(items) => out.extend(items.iter().map(super::value::json_to_kql_string)),
            _ => out.push(s(v)),
        }
    }
    out
}

// ----- IPv4 ---------------------------------------------------------------------

/// `a.b.c.d[/prefix]` as address and prefix length.
fn parse_ipv4(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, p.trim().parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (text, 32),
    };
    let parts: Vec<&str> = addr.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut value = 0u32;
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let octet: u32 = p.parse().ok()?;
        if octet > 255 {
            return None;
        }
        value = (value << 8) | octet;
    }
    Some((value, prefix))
}

fn mask(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

fn format_ipv4(v: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        v >> 24,
        (v >> 16) & 255,
        (v >> 8) & 255,
        v & 255
    )
}

/// Compares two addresses on the shorter of their prefixes (and `extra`).
fn ipv4_compare(a: &str, b: &str, extra: Option<i64>) -> Option<i64> {
    let (x, px) = parse_ipv4(a)?;
    let (y, py) = parse_ipv4(b)?;
    let mut prefix = px.min(py);
    if let Some(e) = extra {
        prefix = prefix.min(u32::try_from(e.clamp(0, 32)).unwrap_or(32));
    }
    let m = mask(prefix);
    Some(match (x & m).cmp(&(y & m)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

/// The IPv4 addresses written in `text` (runs of digits and dots that
/// form a valid address, not part of a longer run).
fn ipv4_in_text(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'))
        {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let candidate = &text[start..i];
            let followed_ok = i >= bytes.len() || !bytes[i].is_ascii_alphanumeric();
            if followed_ok && parse_ipv4(candidate).is_some() && !candidate.contains('/') {
                out.push(candidate.to_string());
            }
        } else {
            i += 1;
        }
    }
    out
}

// ----- geo ------------------------------------------------------------------------

const EARTH_RADIUS_M: f64 = 6_371_010.0;
const GEOHASH: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

fn valid_point(lon: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

/// Great-circle distance in meters (the sphere Kusto's S2 geometry uses).
fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

fn geohash_encode(lon: f64, lat: f64, len: usize) -> String {
    let (mut la, mut lo) = ((-90.0, 90.0), (-180.0, 180.0));
    let mut even = true;
    let mut out = String::new();
    let (mut bits, mut v) = (0, 0usize);
    while out.len() < len {
        let (r, x) = if even { (&mut lo, lon) } else { (&mut la, lat) };
        let mid = (r.0 + r.1) / 2.0;
        if x >= mid {
            v = v * 2 + 1;
            r.0 = mid;
        } else {
            v *= 2;
            r.1 = mid;
        }
        even = !even;
        bits += 1;
        if bits == 5 {
            out.push(char::from(GEOHASH[v]));
            bits = 0;
            v = 0;
        }
    }
    out
}

/// The cell of a geohash: (lon min, lon max), (lat min, lat max).
fn geohash_decode(hash: &str) -> Option<((f64, f64), (f64, f64))> {
    if hash.is_empty() || hash.len() > 18 {
        return None;
    }
    let (mut la, mut lo) = ((-90.0, 90.0), (-180.0, 180.0));
    let mut even = true;
    for c in hash.bytes() {
        let v = GEOHASH.iter().position(|g| *g == c.to_ascii_lowercase())?;
        for i in (0..5).rev() {
            let bit = (v >> i) & 1;
            let r: &mut (f64, f64) = if even { &mut lo } else { &mut la };
            let mid = (r.0 + r.1) / 2.0;
            if bit == 1 {
                r.0 = mid;
            } else {
                r.1 = mid;
            }
            even = !even;
        }
    }
    Some((lo, la))
}

fn point_json(lon: f64, lat: f64) -> Json {
    json!({"type": "Point", "coordinates": [lon, lat]})
}

fn rect_polygon(lo: (f64, f64), la: (f64, f64)) -> Json {
    json!({"type": "Polygon", "coordinates": [[[lo.0, la.0], [lo.1, la.0], [lo.1, la.1], [lo.0, la.1], [lo.0, la.0]]]})
}

// ----- misc -----------------------------------------------------------------------

/// Replaces several strings at once: the matches of the first lookup
/// win, then those of the next one that do not overlap them, and so on;
/// replaced text is not searched again.
fn replace_many(text: &str, lookups: &[String], rewrites: &[String]) -> String {
    let mut chosen: Vec<(usize, usize, usize)> = Vec::new();
    for (k, l) in lookups.iter().enumerate() {
        if l.is_empty() {
            continue;
        }
        for (start, _) in text.match_indices(l.as_str()) {
            let end = start + l.len();
            if !chosen.iter().any(|(s, e, _)| start < *e && *s < end) {
                chosen.push((start, end, k));
            }
        }
    }
    chosen.sort_unstable();
    let mut out = String::new();
    let mut at = 0;
    for (start, end, k) in chosen {
        out.push_str(&text[at..start]);
        out.push_str(rewrites.get(k).map_or("", String::as_str));
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// The fields of the first CSV record in `text`.
fn csv_fields(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                other => field.push(other),
            }
        } else {
            match c {
                '"' if field.is_empty() => quoted = true,
                ',' => fields.push(std::mem::take(&mut field)),
                '\n' => break,
                '\r' => {}
                other => field.push(other),
            }
        }
    }
    fields.push(field);
    fields
}

/// MD5 (RFC 1321), for `hash_md5`.
fn md5(data: &[u8]) -> [u8; 16] {
    let s: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut h = [0x6745_2301u32, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_le_bytes());
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (h[0], h[1], h[2], h[3]);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(s[i]));
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// Element-wise operation on numeric arrays (a scalar operand repeats).
fn series_binary(a: &Value, b: &Value, f: impl Fn(f64, f64) -> Json) -> Value {
    let (x, y) = (array_of(a), array_of(b));
    let n = match (&x, &y) {
        (Some(x), Some(y)) => x.len().max(y.len()),
        (Some(x), None) => x.len(),
        (None, Some(y)) => y.len(),
        (None, None) => return Value::Null,
    };
    let at = |arr: &Option<Vec<Json>>, scalar: &Value, i: usize| match arr {
        Some(items) => items.get(i).and_then(Json::as_f64),
        None => real(scalar),
    };
    let out = (0..n)
        .map(|i| match (at(&x, a, i), at(&y, b, i)) {
            (Some(p), Some(q)) => f(p, q),
            _ => Json::Null,
        })
        .collect();
    Value::Dynamic(Json::Array(out))
}

fn num(v: f64) -> Json {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        Json::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number)
    }
}

fn real_json(v: f64) -> Json {
    serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number)
}

impl<'q> Planner<'q> {
    /// Functions of this module; `None` when `name` is not one of them.
    pub(crate) fn builtin_extra(
        &mut self,
        name: &str,
        args: Vec<Typed>,
        span: Span,
    ) -> Option<Result<Typed, KqlError>> {
        use KqlType::{Bool, Dynamic, Long, Real, String as Str};
        let _ = span;
        let t = match name {
            // ----- IPv4 ---------------------------------------------------------
            "ipv4_compare" => self.rowf(name, args, Long, |a| {
                ipv4_compare(&s(&a[0]), &s(&a[1]), a.get(2).and_then(int))
                    .map_or(Value::Null, Value::Long)
            }),
            "ipv4_is_match" => self.rowf(name, args, Bool, |a| {
                ipv4_compare(&s(&a[0]), &s(&a[1]), a.get(2).and_then(int))
                    .map_or(Value::Null, |c| Value::Bool(c == 0))
            }),
            "ipv4_is_in_range" => self.rowf(name, args, Bool, |a| {
                match (parse_ipv4(&s(&a[0])), parse_ipv4(&s(&a[1]))) {
                    (Some((x, _)), Some((r, p))) => Value::Bool(x & mask(p) == r & mask(p)),
                    _ => Value::Null,
                }
            }),
            "ipv4_is_in_any_range" => self.rowf(name, args, Bool, |a| {
                let Some((x, _)) = parse_ipv4(&s(&a[0])) else {
                    return Value::Null;
                };
                Value::Bool(
                    string_list(a, 1)
                        .iter()
                        .filter_map(|r| parse_ipv4(r))
                        .any(|(r, p)| x & mask(p) == r & mask(p)),
                )
            }),
            "ipv4_is_private" => self.rowf(name, args, Bool, |a| match parse_ipv4(&s(&a[0])) {
                Some((x, _)) => Value::Bool(
                    [(0x0A00_0000u32, 8u32), (0xAC10_0000, 12), (0xC0A8_0000, 16)]
                        .iter()
                        .any(|(r, p)| x & mask(*p) == *r),
                ),
                None => Value::Null,
            }),
            "parse_ipv4" => self.rowf(name, args, Long, |a| {
                parse_ipv4(&s(&a[0]))
                    .map_or(Value::Null, |(x, p)| Value::Long(i64::from(x & mask(p))))
            }),
            "parse_ipv4_mask" => self.rowf(name, args, Long, |a| {
                let p = a.get(1).and_then(int).unwrap_or(32).clamp(0, 32) as u32;
                parse_ipv4(&s(&a[0])).map_or(Value::Null, |(x, q)| {
                    Value::Long(i64::from(x & mask(p.min(q))))
                })
            }),
            "format_ipv4" | "format_ipv4_mask" => {
                let with_mask = name == "format_ipv4_mask";
                self.rowf(name, args, Str, move |a| {
                    let parsed = match &a[0] {
                        Value::Long(v) => u32::try_from(*v).ok().map(|v| (v, 32)),
                        Value::Int(v) => u32::try_from(*v).ok().map(|v| (v, 32)),
                        other => parse_ipv4(&s(other)),
                    };
                    let requested = a.get(1).and_then(int).unwrap_or(32);
                    match parsed {
                        Some((x, p)) if (0..=32).contains(&requested) => {
                            let p = p.min(requested as u32);
                            let text = format_ipv4(x & mask(p));
                            Value::String(if with_mask {
                                format!("{text}/{p}")
                            } else {
                                text
                            })
                        }
                        _ => Value::String(String::new()),
                    }
                })
            }
            "ipv4_netmask_suffix" => self.rowf(name, args, Long, |a| {
                parse_ipv4(&s(&a[0])).map_or(Value::Null, |(_, p)| Value::Long(i64::from(p)))
            }),
            "has_ipv4" | "has_ipv4_prefix" | "has_any_ipv4" | "has_any_ipv4_prefix" => {
                let prefix = name.ends_with("prefix");
                self.rowf(name, args, Bool, move |a| {
                    let found = ipv4_in_text(&s(&a[0]));
                    let wanted = string_list(a, 1);
                    Value::Bool(wanted.iter().any(|w| {
                        found.iter().any(|f| {
                            if prefix {
                                f.starts_with(w.as_str())
                                    && (w.ends_with('.') || f.len() == w.len())
                            } else {
                                f == w
                            }
                        })
                    }))
                })
            }
            // ----- geo ------------------------------------------------------------
            "geo_distance_2points" => self.rowf(name, args, Real, |a| {
                match (real(&a[0]), real(&a[1]), real(&a[2]), real(&a[3])) {
                    (Some(x1), Some(y1), Some(x2), Some(y2))
                        if valid_point(x1, y1) && valid_point(x2, y2) =>
                    {
                        Value::Real(distance(x1, y1, x2, y2))
                    }
                    _ => Value::Null,
                }
            }),
            "geo_point_in_circle" => self.rowf(name, args, Bool, |a| {
                match (
                    real(&a[0]),
                    real(&a[1]),
                    real(&a[2]),
                    real(&a[3]),
                    real(&a[4]),
                ) {
                    (Some(x), Some(y), Some(cx), Some(cy), Some(r))
                        if valid_point(x, y) && valid_point(cx, cy) && r >= 0.0 =>
                    {
                        Value::Bool(distance(x, y, cx, cy) <= r)
                    }
                    _ => Value::Null,
                }
            }),
            "geo_point_to_geohash" => {
                self.rowf(name, args, Str, |a| match (real(&a[0]), real(&a[1])) {
                    (Some(lon), Some(lat)) if valid_point(lon, lat) => {
                        let len = match a.get(2) {
                            Some(v) => int(v).unwrap_or(0),
                            None => 5,
                        };
                        if (1..=18).contains(&len) {
                            Value::String(geohash_encode(lon, lat, len as usize))
                        } else {
                            Value::String(String::new())
                        }
                    }
                    _ => Value::String(String::new()),
                })
            }
            "geo_geohash_to_central_point" => {
                self.rowf(name, args, Dynamic, |a| match geohash_decode(&s(&a[0])) {
                    Some((lo, la)) => {
                        Value::Dynamic(point_json((lo.0 + lo.1) / 2.0, (la.0 + la.1) / 2.0))
                    }
                    None => Value::Null,
                })
            }
            "geo_geohash_to_polygon" => {
                self.rowf(name, args, Dynamic, |a| match geohash_decode(&s(&a[0])) {
                    Some((lo, la)) => Value::Dynamic(rect_polygon(lo, la)),
                    None => Value::Null,
                })
            }
            "geo_geohash_neighbors" => self.rowf(name, args, Dynamic, |a| {
                let hash = s(&a[0]);
                let Some((lo, la)) = geohash_decode(&hash) else {
                    return Value::Null;
                };
                let (cx, cy) = ((lo.0 + lo.1) / 2.0, (la.0 + la.1) / 2.0);
                let (dx, dy) = (lo.1 - lo.0, la.1 - la.0);
                // Kusto's order: SW, NW, SE, N, W, NE, E, S.
                let dirs = [
                    (-1.0, -1.0),
                    (-1.0, 1.0),
                    (1.0, -1.0),
                    (0.0, 1.0),
                    (-1.0, 0.0),
                    (1.0, 1.0),
                    (1.0, 0.0),
                    (0.0, -1.0),
                ];
                let out = dirs
                    .iter()
                    .filter_map(|(ox, oy)| {
                        let (x, y) = (cx + ox * dx, cy + oy * dy);
                        let x = if x > 180.0 {
                            x - 360.0
                        } else if x < -180.0 {
                            x + 360.0
                        } else {
                            x
                        };
                        (-90.0..=90.0)
                            .contains(&y)
                            .then(|| Json::String(geohash_encode(x, y, hash.len())))
                    })
                    .collect();
                Value::Dynamic(Json::Array(out))
            }),
            // ----- series ---------------------------------------------------------
            "series_add"
            | "series_subtract"
            | "series_multiply"
            | "series_divide"
            | "series_pow"
            | "series_greater"
            | "series_greater_equals"
            | "series_less"
            | "series_less_equals"
            | "series_equals"
            | "series_not_equals" => {
                let f = name.to_string();
                self.rowf(name, args, Dynamic, move |a| {
                    series_binary(&a[0], &a[1], |x, y| match f.as_str() {
                        "series_add" => num(x + y),
                        "series_subtract" => num(x - y),
                        "series_multiply" => num(x * y),
                        "series_divide" => real_json(x / y),
                        "series_pow" => real_json(x.powf(y)),
                        "series_greater" => Json::Bool(x > y),
                        "series_greater_equals" => Json::Bool(x >= y),
                        "series_less" => Json::Bool(x < y),
                        "series_less_equals" => Json::Bool(x <= y),
                        "series_equals" => Json::Bool(x == y),
                        _ => Json::Bool(x != y),
                    })
                })
            }
            "series_abs" | "series_acos" | "series_asin" | "series_atan" | "series_ceiling"
            | "series_cos" | "series_exp" | "series_floor" | "series_log" | "series_sign"
            | "series_sin" | "series_tan" | "series_sqrt" | "series_negate" => {
                let f = name.to_string();
                self.rowf(name, args, Dynamic, move |a| {
                    let Some(items) = array_of(&a[0]) else {
                        return Value::Null;
                    };
                    let out = items
                        .iter()
                        .map(|v| match v.as_f64() {
                            Some(x) => match f.as_str() {
                                "series_abs" => num(x.abs()),
                                "series_acos" => real_json(x.acos()),
                                "series_asin" => real_json(x.asin()),
                                "series_atan" => real_json(x.atan()),
                                "series_ceiling" => num(x.ceil()),
                                "series_cos" => real_json(x.cos()),
                                "series_exp" => real_json(x.exp()),
                                "series_floor" => num(x.floor()),
                                "series_log" => real_json(x.ln()),
                                "series_sign" => num(x.signum() * f64::from(u8::from(x != 0.0))),
                                "series_sin" => real_json(x.sin()),
                                "series_tan" => real_json(x.tan()),
                                "series_sqrt" => real_json(x.sqrt()),
                                _ => num(-x),
                            },
                            None => Json::Null,
                        })
                        .collect();
                    Value::Dynamic(Json::Array(out))
                })
            }
            "series_dot_product" => self.rowf(name, args, Real, |a| {
                match series_binary(&a[0], &a[1], |x, y| real_json(x * y)) {
                    Value::Dynamic(Json::Array(items)) => {
                        Value::Real(items.iter().filter_map(Json::as_f64).sum())
                    }
                    _ => Value::Null,
                }
            }),
            "series_sum" | "series_avg" | "series_min" | "series_max" | "series_stdev"
            | "series_variance" => {
                let f = name.to_string();
                self.rowf(name, args, Real, move |a| {
                    let Some(items) = array_of(&a[0]) else {
                        return Value::Null;
                    };
                    let v: Vec<f64> = items.iter().filter_map(Json::as_f64).collect();
                    if v.is_empty() {
                        return Value::Null;
                    }
                    let n = v.len() as f64;
                    let mean = v.iter().sum::<f64>() / n;
                    let var = if v.len() > 1 {
                        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
                    } else {
                        0.0
                    };
                    Value::Real(match f.as_str() {
                        "series_sum" => v.iter().sum(),
                        "series_avg" => mean,
                        "series_min" => v.iter().copied().fold(f64::INFINITY, f64::min),
                        "series_max" => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                        "series_stdev" => var.sqrt(),
                        _ => var,
                    })
                })
            }
            "series_fill_const" => self.rowf(name, args, Dynamic, |a| {
                let Some(items) = array_of(&a[0]) else {
                    return Value::Null;
                };
                let fill = a.get(1).map_or(Json::from(0), Value::to_json);
                let missing = a.get(2).map(Value::to_json);
                let out = items
                    .into_iter()
                    .map(|v| {
                        if v.is_null() || Some(&v) == missing.as_ref() {
                            fill.clone()
                        } else {
                            v
                        }
                    })
                    .collect();
                Value::Dynamic(Json::Array(out))
            }),
            "series_fill_forward" | "series_fill_backward" => {
                let forward = name == "series_fill_forward";
                self.rowf(name, args, Dynamic, move |a| {
                    let Some(mut items) = array_of(&a[0]) else {
                        return Value::Null;
                    };
                    let missing = a.get(1).map(Value::to_json);
                    let is_missing = |v: &Json| v.is_null() || Some(v) == missing.as_ref();
                    let n = items.len();
                    let mut last: Option<Json> = None;
                    for k in 0..n {
                        let i = if forward { k } else { n - 1 - k };
                        if is_missing(&items[i]) {
                            if let Some(l) = &last {
                                items[i] = l.clone();
                            }
                        } else {
                            last = Some(items[i].clone());
                        }
                    }
                    Value::Dynamic(Json::Array(items))
                })
            }
            // ----- strings and dynamic -------------------------------------------
            "bag_zip" => self.rowf(name, args, Dynamic, |a| {
                let (Some(keys), values) = (array_of(&a[0]), array_of(&a[1]).unwrap_or_default())
                else {
                    return Value::Null;
                };
                let mut m = Map::new();
                for (i, k) in keys.iter().enumerate() {
                    if let Json::String(k) = k {
                        m.insert(k.clone(), values.get(i).cloned().unwrap_or(Json::Null));
                    }
                }
                Value::Dynamic(Json::Object(m))
            }),
            "bag_set_key" => self.rowf(name, args, Dynamic, |a| {
                let mut bag = json_of(&a[0]);
                if !bag.is_object() {
                    return Value::Null;
                }
                let key = s(&a[1]);
                let path: Vec<String> = match key.strip_prefix("$.") {
                    Some(rest) => rest.split('.').map(str::to_string).collect(),
                    None => vec![key],
                };
                let mut cur = &mut bag;
                for (i, k) in path.iter().enumerate() {
                    let Json::Object(m) = cur else {
                        return Value::Null;
                    };
                    if i + 1 == path.len() {
                        m.insert(k.clone(), a[2].to_json());
                        break;
                    }
                    cur = m
                        .entry(k.clone())
                        .or_insert_with(|| Json::Object(Map::new()));
                }
                Value::Dynamic(bag)
            }),
            "array_split" => self.rowf(name, args, Dynamic, |a| {
                let Some(items) = array_of(&a[0]) else {
                    return Value::Null;
                };
                let len = items.len() as i64;
                let mut cuts: Vec<i64> = match json_of(&a[1]) {
                    Json::Array(v) => v.iter().filter_map(Json::as_i64).collect(),
                    other => other.as_i64().into_iter().collect(),
                };
                for c in &mut cuts {
                    if *c < 0 {
                        *c += len;
                    }
                    *c = (*c).clamp(0, len);
                }
                cuts.sort_unstable();
                let mut out = Vec::new();
                let mut start = 0;
                for c in cuts.into_iter().chain(std::iter::once(len)) {
                    out.push(Json::Array(
                        items[start as usize..c.max(start) as usize].to_vec(),
                    ));
                    start = c.max(start);
                }
                Value::Dynamic(Json::Array(out))
            }),
            "replace_strings" => self.rowf(name, args, Str, |a| {
                let lookups: Vec<String> = array_of(&a[1])
                    .unwrap_or_default()
                    .iter()
                    .map(super::value::json_to_kql_string)
                    .collect();
                // A replacement that is not a string leaves its lookup as is.
                let rewrites: Vec<String> = array_of(&a[2])
                    .unwrap_or_default()
                    .iter()
                    .zip(&lookups)
                    .map(|(r, l)| r.as_str().map_or_else(|| l.clone(), str::to_string))
                    .collect();
                Value::String(replace_many(&s(&a[0]), &lookups, &rewrites))
            }),
            "unicode_codepoints_from_string" => self.rowf(name, args, Dynamic, |a| {
                Value::Dynamic(Json::Array(
                    s(&a[0]).chars().map(|c| Json::from(u32::from(c))).collect(),
                ))
            }),
            "unicode_codepoints_to_string" => self.rowf(name, args, Str, |a| {
                let mut codes = Vec::new();
                for v in a {
                    match json_of(v) {
                        Json::Array(items) => codes.extend(items.iter().filter_map(Json::as_u64)),
                        other => codes.extend(other.as_u64()),
                    }
                }
                Value::String(
                    codes
                        .into_iter()
                        .filter_map(|c| u32::try_from(c).ok())
                        .filter_map(char::from_u32)
                        .collect(),
                )
            }),
            "parse_csv" => self.rowf(name, args, Dynamic, |a| {
                Value::Dynamic(Json::Array(
                    csv_fields(&s(&a[0]))
                        .into_iter()
                        .map(Json::String)
                        .collect(),
                ))
            }),
            "string_size" => self.rowf(name, args, Long, |a| Value::Long(s(&a[0]).len() as i64)),
            "hash_md5" => self.rowf(name, args, Str, |a| {
                Value::String(
                    md5(s(&a[0]).as_bytes())
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect(),
                )
            }),
            "base64_decode_toarray" => self.rowf(name, args, Dynamic, |a| {
                let text = s(&a[0]);
                match super::functions::base64_decode_bytes(&text) {
                    Some(bytes) => {
                        Value::Dynamic(Json::Array(bytes.into_iter().map(Json::from).collect()))
                    }
                    None => Value::Null,
                }
            }),
            "base64_encode_fromarray" => self.rowf(name, args, Str, |a| {
                let bytes: Vec<u8> = array_of(&a[0])
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Json::as_u64)
                    .filter_map(|b| u8::try_from(b).ok())
                    .collect();
                Value::String(super::functions::base64_encode_bytes(&bytes))
            }),
            _ => return None,
        };
        Some(Ok(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_match_kusto() {
        assert_eq!(geohash_encode(-80.195829, 25.802215, 8), "dhwfz15h");
        assert!(
            (distance(-122.407628, 47.578557, -118.275287, 34.019056) - 1_546_754.351_973_81).abs()
                < 1e-3
        );
        assert_eq!(
            ipv4_compare("192.168.1.1/24", "192.168.1.255", None),
            Some(0)
        );
        assert_eq!(
            ipv4_in_text("05:04:54 127.0.0.1 GET /favicon.ico 404"),
            ["127.0.0.1"]
        );
        assert_eq!(
            replace_many(
                "A cat into a dog",
                &["cat".into(), "dog".into()],
                &["dog".into(), "pigeon".into()]
            ),
            "A dog into a pigeon"
        );
        let hex: String = md5(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            csv_fields("aa,\"b,b\",\"q \"\"x\"\"\""),
            ["aa", "b,b", "q \"x\""]
        );
    }
}
