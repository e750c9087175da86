//! HTTP requests over `wasi:http/outgoing-handler`.
//!
//! The host decides where a request may go: only to the nodes the operator configured, with
//! TLS, CA and client certificates applied by the host. A refused request comes back as
//! [`BackendError::Unreachable`] naming the URL; redirects are not followed here (a plugin that
//! follows one issues a new request, which the host checks like any other).

use crate::backend::BackendError;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
use wasip2::io::streams::StreamError;

/// An answer: status, headers (names lower-cased by the host) and the whole body.
#[derive(Debug)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Header names and values, in the order received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive) as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `Ok(self)` for a 2xx answer; otherwise the error a backend reports for it: `denied` for
    /// 401 and 403, `other` with the status and the start of the body for the rest.
    pub fn success(self, what: &str) -> Result<Response, BackendError> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        let mut body = self.text();
        body.truncate(200);
        let msg = format!("{what}: HTTP {}: {}", self.status, body.trim_end());
        Err(match self.status {
            401 | 403 => BackendError::Denied(msg),
            _ => BackendError::Other(msg),
        })
    }

    /// The body parsed as JSON; a body that is not JSON is an `other` error naming `what`.
    pub fn json(&self, what: &str) -> Result<serde_json::Value, BackendError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let mut start = self.text();
            start.truncate(80);
            BackendError::Other(format!("{what}: the answer is not JSON ({e}): {start:?}"))
        })
    }
}

/// `GET url` with `headers`.
pub fn get(url: &str, headers: &[(&str, &str)]) -> Result<Response, BackendError> {
    request("GET", url, headers, None)
}

/// Send one request and read the whole answer. `url` is `scheme://authority/path?query`.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Response, BackendError> {
    start(method, url, headers, body, None)?.finish()
}

/// [`request`], giving up when connecting, or waiting for the answer's first byte, takes
/// longer than `limit`: for endpoints that may not exist where the plugin runs (a cloud's
/// metadata service, which AWS's SDKs wait on for one second).
pub fn request_within(
    limit: std::time::Duration,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Response, BackendError> {
    start(method, url, headers, body, Some(limit))?.finish()
}

/// Start `GET` requests to every URL at once and return the first answer (its index and the
/// response); the others are cancelled. This is how a plugin waits on several long-polls
/// (e.g. one blocking query per key) in one call.
pub fn first_of(urls: &[String], headers: &[(&str, &str)]) -> Result<(usize, Response), BackendError> {
    let pending: Vec<Pending> = urls
        .iter()
        .map(|u| start("GET", u, headers, None, None))
        .collect::<Result<_, _>>()?;
    if pending.is_empty() {
        return Err(BackendError::BadConfig("first_of: no URLs".into()));
    }
    let pollables: Vec<_> = pending.iter().map(|p| p.future.subscribe()).collect();
    let refs: Vec<&wasip2::io::poll::Pollable> = pollables.iter().collect();
    let ready = wasip2::io::poll::poll(&refs);
    let first = ready.first().copied().unwrap_or(0) as usize;
    drop(pollables);
    let mut pending = pending;
    let winner = pending.swap_remove(first);
    drop(pending);
    Ok((first, winner.finish()?))
}

/// A request on its way: the answer is read by [`Pending::finish`].
struct Pending {
    url: String,
    future: wasip2::http::types::FutureIncomingResponse,
}

fn start(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
    limit: Option<std::time::Duration>,
) -> Result<Pending, BackendError> {
    let (scheme, authority, path) = split_url(url)?;
    let mut entries: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    if let Some(b) = body {
        // A known length, not a chunked stream: simpler for every server.
        entries.push(("Content-Length".into(), b.len().to_string().into_bytes()));
    }
    let fields = Fields::from_list(&entries)
        .map_err(|e| BackendError::BadConfig(format!("{method} {url}: header refused: {e:?}")))?;
    let req = OutgoingRequest::new(fields);
    let method = match method {
        "GET" => Method::Get,
        "PUT" => Method::Put,
        "POST" => Method::Post,
        "DELETE" => Method::Delete,
        "HEAD" => Method::Head,
        other => Method::Other(other.to_string()),
    };
    let bad = |what: &str| BackendError::BadConfig(format!("{url}: invalid {what}"));
    req.set_method(&method).map_err(|_| bad("method"))?;
    req.set_scheme(Some(&scheme)).map_err(|_| bad("scheme"))?;
    req.set_authority(Some(authority)).map_err(|_| bad("host"))?;
    req.set_path_with_query(Some(path)).map_err(|_| bad("path"))?;
    let outgoing = req.body().map_err(|_| bad("body"))?;
    let options = limit.map(|limit| {
        let options = wasip2::http::types::RequestOptions::new();
        let ns = Some(limit.as_nanos().min(u64::MAX as u128) as u64);
        // Both setters fail only when the host does not support the option; then the
        // request simply has no limit.
        let _ = options.set_connect_timeout(ns);
        let _ = options.set_first_byte_timeout(ns);
        options
    });
    let future = outgoing_handler::handle(req, options).map_err(|e| transport(url, e))?;
    if let Some(bytes) = body {
        let stream = outgoing.write().map_err(|_| bad("body"))?;
        for chunk in bytes.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| BackendError::Unreachable(format!("{url}: sending the body: {e:?}")))?;
        }
        drop(stream);
    }
    OutgoingBody::finish(outgoing, None).map_err(|e| transport(url, e))?;
    Ok(Pending {
        url: url.to_string(),
        future,
    })
}

impl Pending {
    /// Wait for the answer and read all of it.
    fn finish(self) -> Result<Response, BackendError> {
        let url = self.url.as_str();
        self.future.subscribe().block();
        let answer = match self.future.get() {
            Some(Ok(Ok(r))) => r,
            Some(Ok(Err(e))) => return Err(transport(url, e)),
            Some(Err(())) | None => return Err(BackendError::Other(format!("{url}: no answer"))),
        };
        let status = answer.status();
        let headers = answer.headers().entries();
        let incoming = answer
            .consume()
            .map_err(|_| BackendError::Other(format!("{url}: no body")))?;
        let stream = incoming
            .stream()
            .map_err(|_| BackendError::Other(format!("{url}: no body stream")))?;
        // Reserve what the server announced: a large answer then lands without regrowing.
        let announced = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = Vec::with_capacity(announced.min(256 << 20));
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => body.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(BackendError::Unreachable(format!(
                        "{url}: reading the answer: {}",
                        e.to_debug_string()
                    )))
                }
            }
        }
        Ok(Response { status, headers, body })
    }
}

/// The `Authorization` value for HTTP Basic authentication.
pub fn basic_auth(username: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
    )
}

/// How a transport failure reads: who refused what.
fn transport(url: &str, e: ErrorCode) -> BackendError {
    match e {
        ErrorCode::HttpRequestDenied => {
            BackendError::Unreachable(format!("{url}: refused by the host (not a configured node)"))
        }
        ErrorCode::ConnectionRefused => BackendError::Unreachable(format!("{url}: connection refused")),
        ErrorCode::ConnectionTimeout | ErrorCode::ConnectionReadTimeout => {
            BackendError::Unreachable(format!("{url}: timed out"))
        }
        ErrorCode::DnsError(d) => BackendError::Unreachable(format!("{url}: DNS error {:?}", d.rcode)),
        other => BackendError::Unreachable(format!("{url}: {other:?}")),
    }
}

/// Split `scheme://authority/path?query`.
fn split_url(url: &str) -> Result<(Scheme, &str, &str), BackendError> {
    let bad = || BackendError::BadConfig(format!("{url:?} is not an http:// or https:// URL"));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return Err(bad()),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(bad());
    }
    Ok((scheme, authority, path))
}

/// Percent-encoding for a query-string value or a path segment (RFC 3986 unreserved
/// characters stay as they are).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
