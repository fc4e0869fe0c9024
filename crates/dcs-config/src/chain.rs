//! The providers of the default chain and the chain itself.
//!
//! Order: explicit credentials, environment, profile file, Pod Identity (when its variables
//! are set), ECS metadata. A provider with nothing configured is skipped with a reason; one
//! that is configured but broken stops the chain with an error naming it. When all are
//! skipped, one error lists each and why ([`ProviderError::NoneFound`]).

use crate::context::Context;
use crate::fetch::{ExpiringCredentials, FetchCredentials, FetchFuture};
use crate::metadata::{credentials_from_json, parse_plain_http, unquoted};
use crate::profile::Profile;
use dcs_transport::{
    redact_url, Credentials, CredentialsFuture, HttpClient, Method, ProvideCredentials,
    ProviderError, Request, Skipped,
};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Access key variable.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// Secret key variable.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// Security token variable (temporary credentials).
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// Federated identity provider variable (not supported yet: refused, never ignored).
pub const ENV_IDP_ID: &str = "HUAWEICLOUD_SDK_IDP_ID";
/// Federated id token file variable (not supported yet: refused, never ignored).
pub const ENV_ID_TOKEN_FILE: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";
/// Pod Identity endpoint variable (CCE).
pub const ENV_POD_URI: &str = "HC_CONTAINER_CREDENTIALS_FULL_URI";
/// Pod Identity token file variable (CCE).
pub const ENV_POD_TOKEN_FILE: &str = "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE";

/// Name of the explicit-credentials step.
pub const PROVIDER_EXPLICIT: &str = "explicit";
/// Name of the environment provider.
pub const PROVIDER_ENV: &str = "environment";
/// Name of the profile provider.
pub const PROVIDER_PROFILE: &str = "profile";
/// Name of the Pod Identity provider.
pub const PROVIDER_POD: &str = "pod-identity";

fn check(
    provider: &'static str,
    c: Credentials,
    origin: &str,
) -> Result<Credentials, ProviderError> {
    c.validate()
        .map_err(|e| ProviderError::broken(provider, format!("{origin}: {e}")))?;
    Ok(c)
}

/// Credentials from `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and
/// `HUAWEICLOUD_SDK_SECURITY_TOKEN`. `Ok(None)` when none of them is set; an error when only
/// some are, when one is empty or not UTF-8, or when federated variables are set (not
/// supported yet).
pub fn env_credentials(ctx: &Context) -> Result<Option<Credentials>, ProviderError> {
    let get = |name: &str| {
        ctx.var(name)
            .map_err(|e| ProviderError::broken(PROVIDER_ENV, e.to_string()))
    };
    let (ak, sk, token) = (get(ENV_AK)?, get(ENV_SK)?, get(ENV_SECURITY_TOKEN)?);
    match (ak, sk) {
        (Some(ak), Some(sk)) => {
            let mut c = Credentials::new(ak.trim(), sk.trim());
            if let Some(t) = token {
                c = c.with_security_token(t.trim());
            }
            check(PROVIDER_ENV, c, &format!("{ENV_AK}/{ENV_SK}")).map(Some)
        }
        (Some(_), None) => Err(ProviderError::broken(
            PROVIDER_ENV,
            format!("{ENV_AK} is set but {ENV_SK} is not"),
        )),
        (None, Some(_)) => Err(ProviderError::broken(
            PROVIDER_ENV,
            format!("{ENV_SK} is set but {ENV_AK} is not"),
        )),
        (None, None) => {
            if token.is_some() {
                return Err(ProviderError::broken(
                    PROVIDER_ENV,
                    format!("{ENV_SECURITY_TOKEN} is set without {ENV_AK} and {ENV_SK}"),
                ));
            }
            for v in [ENV_IDP_ID, ENV_ID_TOKEN_FILE] {
                if get(v)?.is_some() {
                    return Err(ProviderError::broken(
                        PROVIDER_ENV,
                        format!("{v} is set: federated (OIDC id token) credentials are not supported by this SDK yet"),
                    ));
                }
            }
            Ok(None)
        }
    }
}

/// Credentials from a profile section's `ak`, `sk` and `security_token`. `Ok(None)` when it
/// has neither `ak` nor `sk`; an error, naming file and line, when it has only one, an empty
/// one, or `idp_id`/`id_token_file` (federated, not supported yet).
pub fn profile_credentials(p: &Profile) -> Result<Option<Credentials>, ProviderError> {
    let broken = |cause: String| ProviderError::broken(PROVIDER_PROFILE, cause);
    let non_empty = |key: &str| -> Result<Option<String>, ProviderError> {
        match p.get(key) {
            None => Ok(None),
            Some(e) if e.value.is_empty() => {
                Err(broken(format!("{}: `{key}` is empty", p.location(key))))
            }
            Some(e) => Ok(Some(e.value.clone())),
        }
    };
    let (ak, sk, token) = (
        non_empty("ak")?,
        non_empty("sk")?,
        non_empty("security_token")?,
    );
    match (ak, sk) {
        (Some(ak), Some(sk)) => {
            let mut c = Credentials::new(ak, sk);
            if let Some(t) = token {
                c = c.with_security_token(t);
            }
            check(PROVIDER_PROFILE, c, &p.location("ak")).map(Some)
        }
        (Some(_), None) => Err(broken(format!(
            "{}: `ak` is set but section [{}] has no `sk`",
            p.location("ak"),
            p.section()
        ))),
        (None, Some(_)) => Err(broken(format!(
            "{}: `sk` is set but section [{}] has no `ak`",
            p.location("sk"),
            p.section()
        ))),
        (None, None) => {
            if token.is_some() {
                return Err(broken(format!(
                    "{}: `security_token` without `ak` and `sk`",
                    p.location("security_token")
                )));
            }
            for k in ["idp_id", "id_token_file"] {
                if p.get(k).is_some() {
                    return Err(broken(format!(
                        "{}: `{k}`: federated (OIDC id token) credentials are not supported by this SDK yet",
                        p.location(k)
                    )));
                }
            }
            Ok(None)
        }
    }
}

/// Temporary credentials from CCE Pod Identity: `POST $HC_CONTAINER_CREDENTIALS_FULL_URI`
/// with body `{}` and `Authorization:` the contents of `$HC_CONTAINER_AUTHORIZATION_TOKEN_FILE`
/// (read anew on each fetch, since it rotates). Plain HTTP only, through the [`Context`]'s
/// network setup (link-local addresses are never proxied). Wrap it in a
/// [`CachingProvider`](crate::cache::CachingProvider).
#[derive(Debug)]
pub struct PodIdentityProvider {
    url: String,
    client: HttpClient,
    path: String,
    token_file: PathBuf,
    ctx: Context,
}

impl PodIdentityProvider {
    /// `None` when neither variable is set; an error when only one is, or the URI is not a
    /// plain `http://` URL. Does no I/O.
    pub fn from_context(ctx: &Context) -> Result<Option<Self>, ProviderError> {
        let get = |name: &str| {
            ctx.var(name)
                .map_err(|e| ProviderError::broken(PROVIDER_POD, e.to_string()))
        };
        let (uri, file) = match (get(ENV_POD_URI)?, get(ENV_POD_TOKEN_FILE)?) {
            (None, None) => return Ok(None),
            (Some(_), None) => {
                return Err(ProviderError::broken(
                    PROVIDER_POD,
                    format!("{ENV_POD_URI} is set but {ENV_POD_TOKEN_FILE} is not"),
                ))
            }
            (None, Some(_)) => {
                return Err(ProviderError::broken(
                    PROVIDER_POD,
                    format!("{ENV_POD_TOKEN_FILE} is set but {ENV_POD_URI} is not"),
                ))
            }
            (Some(u), Some(f)) => (u.trim().to_string(), f),
        };
        let bad =
            |why: String| ProviderError::broken(PROVIDER_POD, format!("{ENV_POD_URI}: {why}"));
        let rest = uri
            .strip_prefix("http://")
            .ok_or_else(|| bad("only plain http:// URLs are supported".into()))?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        let endpoint = parse_plain_http(authority).map_err(bad)?;
        let client = ctx
            .credential_service_client(endpoint)
            .map_err(|e| bad(format!("cannot set up its client: {e}")))?;
        Ok(Some(Self {
            url: uri.clone(),
            client,
            path,
            token_file: PathBuf::from(file),
            ctx: ctx.clone(),
        }))
    }

    async fn fetch_now(&self) -> Result<ExpiringCredentials, ProviderError> {
        let broken = |c: String| ProviderError::broken(PROVIDER_POD, c);
        let file = self.token_file.display();
        let token = self
            .ctx
            .fs()
            .read_capped(&self.token_file, crate::context::MAX_TOKEN_FILE_BYTES)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::FileTooLarge {
                    broken(format!(
                        "{ENV_POD_TOKEN_FILE} {file}: the token file is larger than {} bytes, \
                         the most read of it",
                        crate::context::MAX_TOKEN_FILE_BYTES
                    ))
                } else {
                    broken(format!("{ENV_POD_TOKEN_FILE} {file}: cannot be read: {e}"))
                }
            })?;
        let token = String::from_utf8(token)
            .map_err(|_| broken(format!("{ENV_POD_TOKEN_FILE} {file}: not valid UTF-8")))?;
        let token = token.trim();
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(broken(format!(
                "{ENV_POD_TOKEN_FILE} {file}: empty, or not a header value"
            )));
        }
        let req = Request::new(Method::POST, self.path.as_str())
            .header("Authorization", token)
            .body(&b"{}"[..]);
        let resp = self
            .client
            .send(&req)
            .await
            .map_err(|e| broken(format!("POST {}: {e}", redact_url(&self.url))))?;
        if resp.status() != 200 {
            return Err(broken(format!(
                "POST {} answered {} {}",
                redact_url(&self.url),
                resp.status(),
                unquoted(&resp)
            )));
        }
        credentials_from_json(resp.body()).map_err(broken)
    }
}

impl FetchCredentials for PodIdentityProvider {
    fn name(&self) -> &'static str {
        PROVIDER_POD
    }
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(self.fetch_now())
    }
}

/// Providers asked in order until one gives credentials; that one is then used for good.
///
/// "Not configured" moves on, "broken" stops; if all are skipped, the error lists every
/// provider with its reason, including those skipped before the chain was built
/// ([`CredentialsChain::skipped`]). Nothing is remembered until a provider answers, so a
/// chain that found nothing looks again on the next call.
#[derive(Debug, Default)]
pub struct CredentialsChain {
    links: Vec<Arc<dyn ProvideCredentials>>,
    skipped: Vec<Skipped>,
    chosen: OnceLock<usize>,
}

impl CredentialsChain {
    /// An empty chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a provider.
    pub fn with(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.links.push(provider);
        self
    }

    /// Records a provider that was looked at and skipped before the chain was built (the
    /// environment and profile are read once, when the configuration is loaded).
    pub fn skipped(mut self, provider: &'static str, why: impl Into<String>) -> Self {
        self.skipped.push(Skipped::new(provider, why));
        self
    }

    /// The error for "nothing found" listing the providers skipped so far.
    pub(crate) fn nothing_found(&self) -> ProviderError {
        ProviderError::NoneFound {
            tried: self.skipped.clone(),
        }
    }

    async fn get(&self) -> Result<Credentials, ProviderError> {
        if let Some(&i) = self.chosen.get() {
            return self.links[i].provide_credentials().await;
        }
        let mut tried = self.skipped.clone();
        for (i, link) in self.links.iter().enumerate() {
            match link.provide_credentials().await {
                Ok(c) => {
                    let _ = self.chosen.set(i);
                    return Ok(c);
                }
                Err(ProviderError::NotConfigured { provider, why }) => {
                    tracing::debug!(provider, %why, "credential provider skipped");
                    tried.push(Skipped::new(provider, why));
                }
                Err(ProviderError::NoneFound { tried: inner }) => tried.extend(inner),
                Err(e) => return Err(e),
            }
        }
        Err(ProviderError::NoneFound { tried })
    }
}

impl ProvideCredentials for CredentialsChain {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.get())
    }
}
