//! TLS for backend plugins' https requests, applied by the host with the operator's
//! `-client-ca-keys`, `-client-cert` and `-client-key` (as confd's backends use them): a plugin
//! asks for `https://node/...` and never sees a key file.

use crate::backend::BackendError;
use crate::config::Config;
use http_body_util::BodyExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::future::Future;
use std::sync::Arc;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, WasiBody};

/// The client TLS configuration the operator asked for, or `None` (public roots, no client
/// certificate: wasmtime's default sender does that).
pub fn client_config(config: &Config) -> Result<Option<Arc<rustls::ClientConfig>>, BackendError> {
    let (ca, cert, key) = (&config.client_ca_keys, &config.client_cert, &config.client_key);
    if ca.is_empty() && cert.is_empty() && key.is_empty() {
        return Ok(None);
    }
    let bad =
        |what: &str, file: &str, e: &dyn std::fmt::Display| BackendError::Unsupported(format!("{what} {file}: {e}"));
    let mut roots = rustls::RootCertStore::empty();
    if ca.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    } else {
        let certs = CertificateDer::pem_file_iter(ca).map_err(|e| bad("-client-ca-keys", ca, &e))?;
        for c in certs {
            roots
                .add(c.map_err(|e| bad("-client-ca-keys", ca, &e))?)
                .map_err(|e| bad("-client-ca-keys", ca, &e))?;
        }
    }
    let builder = rustls::ClientConfig::builder().with_root_certificates(roots);
    let tls = if !cert.is_empty() && !key.is_empty() {
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| bad("-client-cert", cert, &e))?;
        let pkey = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("-client-key", key, &e))?;
        builder
            .with_client_auth_cert(chain, pkey)
            .map_err(|e| bad("-client-cert", cert, &e))?
    } else {
        builder.with_no_client_auth()
    };
    Ok(Some(Arc::new(tls)))
}

/// The future that carries a response's connection.
pub type Io = Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>;

/// Send one https request with `tls`: TCP, TLS, HTTP/1.1.
pub async fn send(
    mut request: http::Request<WasiBody>,
    tls: Arc<rustls::ClientConfig>,
) -> wasmtime_wasi_http::Result<(http::Response<WasiBody>, Io)> {
    let uri = request.uri().clone();
    let host = uri
        .host()
        .ok_or(Error::HttpRequestUriInvalid)?
        .trim_matches(['[', ']'])
        .to_string();
    let port = uri.port_u16().unwrap_or(443);
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(Error::Connect)?;
    let name = ServerName::try_from(host).map_err(|_| Error::HttpRequestUriInvalid)?;
    let stream = tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .map_err(Error::Tls)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(Error::from)?;
    // On the wire the request names only its path; the authority travels in the Host header.
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
    *request.uri_mut() = http::Uri::builder()
        .path_and_query(path)
        .build()
        .map_err(|_| Error::HttpRequestUriInvalid)?;
    let connection = tokio::spawn(conn);
    let response = sender.send_request(request).await.map_err(Error::from)?;
    let io: Io = Box::new(async move {
        match connection.await {
            Ok(r) => r.map_err(Error::from),
            Err(_) => Ok(()),
        }
    });
    Ok((response.map(|b| b.map_err(Error::from).boxed_unsync()), io))
}
