//! Gateway mode: a tower service that forwards requests to one fixed upstream over plain HTTP.
//!
//! The upstream is configuration, never taken from the request: the request's path and query are
//! appended to the upstream's base URL. Bodies stream both ways. Hop-by-hop headers (and those
//! the `Connection` header names) are removed in both directions; `Host` becomes the upstream's;
//! `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` and `Forwarded` (RFC 7239) tell the
//! upstream who called. An upstream that cannot be reached answers 502, one that does not answer
//! in time 504, both as problem details without the internal cause.

use std::convert::Infallible;
use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use http::uri::Authority;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Uri, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::{Error, Result};
use crate::problem::Problem;

/// Headers that concern one connection only (RFC 9110 section 7.6.1), besides `Proxy-*`.
const HOP_BY_HOP: [HeaderName; 6] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Timeouts of the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GatewayOptions {
    /// From sending the request to the upstream's response head (504 when passed).
    pub timeout: Duration,
    /// For opening a connection (502 when passed).
    pub connect_timeout: Duration,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Forwards requests to one upstream; cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct Gateway {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: Client<HttpConnector, Body>,
    authority: Authority,
    host: HeaderValue,
    base_path: String,
    timeout: Duration,
}

impl Gateway {
    /// A gateway to `upstream` (`http://host:port` with an optional base path).
    ///
    /// # Errors
    ///
    /// [`Error::UpstreamUrl`] when the URL does not parse, is not `http`, has no host, or has a
    /// query or fragment.
    pub fn new(upstream: &str, options: GatewayOptions) -> Result<Self> {
        let error = |reason: &str| Error::UpstreamUrl {
            url: upstream.to_owned(),
            reason: reason.to_owned(),
        };
        if upstream.contains(['?', '#']) {
            return Err(error("a query or fragment is not allowed"));
        }
        let uri: Uri = upstream.parse().map_err(|_| error("not a URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(_) => return Err(error("only `http` is supported (no TLS)")),
            None => return Err(error("the scheme `http://` is missing")),
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| error("the host is missing"))?;
        let host = HeaderValue::from_str(authority.as_str())
            .map_err(|_| error("the host is not a valid header"))?;
        let base_path = uri.path().trim_end_matches('/').to_owned();
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(options.connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                authority,
                host,
                base_path,
                timeout: options.timeout,
            }),
        })
    }

    /// The upstream URL a request for `path_and_query` goes to.
    pub fn upstream_uri(&self, path_and_query: &str) -> Option<Uri> {
        let path_and_query = if path_and_query.starts_with('/') {
            path_and_query
        } else {
            "/"
        };
        format!(
            "http://{}{}{}",
            self.inner.authority, self.inner.base_path, path_and_query
        )
        .parse()
        .ok()
    }

    /// Forwards `request` and returns the upstream's response, or a 502/504 problem.
    pub async fn forward(&self, request: Request<Body>) -> Response {
        let (mut parts, body) = request.into_parts();
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or("/", |value| value.as_str());
        let Some(uri) = self.upstream_uri(path_and_query) else {
            return Problem::bad_request("the request target cannot be forwarded").into_response();
        };
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let original_host = parts.headers.get(header::HOST).cloned().or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|authority| HeaderValue::from_str(authority.as_str()).ok())
        });
        remove_hop_by_hop(&mut parts.headers);
        add_forwarded(&mut parts.headers, client, original_host);
        parts.headers.insert(header::HOST, self.inner.host.clone());
        parts.uri = uri;
        parts.version = http::Version::HTTP_11;
        let request = Request::from_parts(parts, body);
        match tokio::time::timeout(self.inner.timeout, self.inner.client.request(request)).await {
            Ok(Ok(response)) => {
                let (mut parts, incoming) = response.into_parts();
                remove_hop_by_hop(&mut parts.headers);
                Response::from_parts(parts, Body::new(incoming))
            }
            Ok(Err(error)) => Problem::bad_gateway(format!(
                "upstream `{}`: {}",
                self.inner.authority,
                chain(&error)
            ))
            .into_response(),
            Err(_) => Problem::gateway_timeout(format!(
                "upstream `{}` gave no response within {:?}",
                self.inner.authority, self.inner.timeout
            ))
            .into_response(),
        }
    }
}

impl tower::Service<Request<Body>> for Gateway {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let gateway = self.clone();
        Box::pin(async move { Ok(gateway.forward(request).await) })
    }
}

/// An error and its sources, joined by `: `.
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Removes hop-by-hop headers: the fixed list, every `Proxy-*`, and those `Connection` names.
pub fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().chain(HOP_BY_HOP.iter()) {
        headers.remove(name);
    }
    let proxy: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("proxy-"))
        .cloned()
        .collect();
    for name in proxy {
        headers.remove(name);
    }
}

/// Adds `X-Forwarded-For` (appended), `X-Forwarded-Proto` and `X-Forwarded-Host` (kept when
/// present) and an RFC 7239 `Forwarded` element.
fn add_forwarded(
    headers: &mut HeaderMap,
    client: Option<IpAddr>,
    original_host: Option<HeaderValue>,
) {
    if let Some(ip) = client {
        let prior = headers
            .get(&X_FORWARDED_FOR)
            .and_then(|value| value.to_str().ok());
        let list = match prior {
            Some(prior) if !prior.trim().is_empty() => format!("{prior}, {ip}"),
            _ => ip.to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&list) {
            headers.insert(X_FORWARDED_FOR, value);
        }
    }
    if !headers.contains_key(&X_FORWARDED_PROTO) {
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static("http"));
    }
    let host = original_host.as_ref().and_then(|value| value.to_str().ok());
    if let Some(host) = original_host
        .as_ref()
        .filter(|_| !headers.contains_key(&X_FORWARDED_HOST))
    {
        headers.insert(X_FORWARDED_HOST, host.clone());
    }
    let mut element = Vec::new();
    if let Some(ip) = client {
        element.push(match ip {
            IpAddr::V4(ip) => format!("for={ip}"),
            IpAddr::V6(ip) => format!("for=\"[{ip}]\""),
        });
    }
    element.push("proto=http".to_owned());
    if let Some(host) = host.filter(|host| !host.contains('"')) {
        element.push(format!("host=\"{host}\""));
    }
    if let Ok(value) = HeaderValue::from_str(&element.join(";")) {
        headers.append(header::FORWARDED, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls_are_checked() {
        let table = [
            ("http://127.0.0.1:8080", true),
            ("http://localhost:8080/base/", true),
            ("https://example.com", false),
            ("127.0.0.1:8080", false),
            ("http://host/?a=1", false),
            ("http://host/#x", false),
            ("not a url", false),
            ("http:///path", false),
        ];
        for (url, ok) in table {
            assert_eq!(
                Gateway::new(url, GatewayOptions::default()).is_ok(),
                ok,
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn request_path_and_query_are_appended_to_the_fixed_base() {
        let gateway = Gateway::new("http://127.0.0.1:9/base/", GatewayOptions::default()).unwrap();
        let table = [
            ("/api/v1/x?a=1", "http://127.0.0.1:9/base/api/v1/x?a=1"),
            ("/", "http://127.0.0.1:9/base/"),
            ("*", "http://127.0.0.1:9/base/"),
            (
                "//evil.example.com/x",
                "http://127.0.0.1:9/base//evil.example.com/x",
            ),
        ];
        for (path_and_query, expected) in table {
            let uri = gateway.upstream_uri(path_and_query).unwrap();
            assert_eq!(uri.to_string(), expected, "{path_and_query}");
            assert_eq!(uri.authority().unwrap().as_str(), "127.0.0.1:9");
        }
    }

    #[test]
    fn hop_by_hop_headers_are_removed() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, X-Secret-Hop"),
            ("keep-alive", "timeout=5"),
            ("proxy-authorization", "Basic x"),
            ("proxy-connection", "close"),
            ("te", "trailers"),
            ("trailer", "x-checksum"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("x-secret-hop", "1"),
            ("content-type", "application/json"),
            ("authorization", "Bearer t"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        remove_hop_by_hop(&mut headers);
        let mut left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["authorization", "content-type"]);
    }

    #[test]
    fn forwarded_headers_describe_the_client() {
        let mut headers = HeaderMap::new();
        headers.insert(X_FORWARDED_FOR, HeaderValue::from_static("203.0.113.7"));
        add_forwarded(
            &mut headers,
            Some("10.0.0.2".parse().unwrap()),
            Some(HeaderValue::from_static("api.example.com")),
        );
        assert_eq!(headers[X_FORWARDED_FOR], "203.0.113.7, 10.0.0.2");
        assert_eq!(headers[X_FORWARDED_PROTO], "http");
        assert_eq!(headers[X_FORWARDED_HOST], "api.example.com");
        assert_eq!(
            headers[header::FORWARDED],
            "for=10.0.0.2;proto=http;host=\"api.example.com\""
        );

        let mut headers = HeaderMap::new();
        add_forwarded(&mut headers, Some("::1".parse().unwrap()), None);
        assert_eq!(headers[X_FORWARDED_FOR], "::1");
        assert_eq!(headers[header::FORWARDED], "for=\"[::1]\";proto=http");
        assert!(!headers.contains_key(X_FORWARDED_HOST));
    }
}
