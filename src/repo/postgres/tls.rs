//! TLS to PostgreSQL with rustls (pure Rust, `ring`), by `sslmode` as libpq
//! means it:
//! - `disable`: never; `prefer`: if the server offers it; `require`:
//!   always — in these the server's certificate is not checked (libpq does
//!   the same), unless `sslrootcert` names certificates to trust, which
//!   makes `require` check the chain as `verify-ca` does;
//! - `verify-ca`: the certificate chains to a trusted root;
//! - `verify-full`: that, and it names the host connected to.
//!
//! Trusted roots: the PEM file `sslrootcert` names, else Mozilla's roots
//! (`webpki-roots`, compiled in: no system store needed).

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::url::SslMode;
use crate::repo::RepoError;

/// The TLS setup for `mode`.
pub fn connector(mode: SslMode, rootcert: Option<&Path>) -> Result<MakeRustlsConnect, RepoError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| RepoError::Unavailable(format!("Cannot set up TLS: {e}")))?;
    let checked = matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) || rootcert.is_some();
    let config = if !checked || mode == SslMode::Disable {
        let algorithms = provider.signature_verification_algorithms;
        builder.dangerous().with_custom_certificate_verifier(Arc::new(Unchecked(algorithms))).with_no_client_auth()
    } else {
        let roots = Arc::new(roots(rootcert)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
            .build()
            .map_err(|e| RepoError::Unavailable(format!("Cannot set up TLS: {e}")))?;
        if mode == SslMode::VerifyFull {
            builder.with_webpki_verifier(webpki).with_no_client_auth()
        } else {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyName(webpki))).with_no_client_auth()
        }
    };
    Ok(MakeRustlsConnect::new(config))
}

fn roots(rootcert: Option<&Path>) -> Result<RootCertStore, RepoError> {
    let Some(file) = rootcert else {
        return Ok(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    };
    let unreadable = |why: String| {
        RepoError::Unavailable(format!(
            "Cannot read the certificates to trust in {} (sslrootcert): {why}",
            file.display()
        ))
    };
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(file).map_err(|e| unreadable(e.to_string()))? {
        let cert = cert.map_err(|e| unreadable(e.to_string()))?;
        store.add(cert).map_err(|e| unreadable(e.to_string()))?;
    }
    if store.is_empty() {
        return Err(unreadable("it holds no certificate".into()));
    }
    Ok(store)
}

/// Accepts any certificate (`prefer`, `require`), while still checking
/// that the server holds its key.
#[derive(Debug)]
struct Unchecked(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// The chain checked, the name not (`verify-ca`).
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
