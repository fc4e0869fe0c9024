//! Where `dcs` finds its configuration: flags first, then the environment variables the
//! official SDKs read. A variable that is set but empty or not UTF-8 is an error naming it,
//! never silently "unset".

use dcs_client::{ClientConfig, Credentials, DcsClient};
use std::ffi::OsString;

/// Flags that override the environment.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// `--endpoint`
    pub endpoint: Option<String>,
    /// `--region`
    pub region: Option<String>,
    /// `--project-id`
    pub project_id: Option<String>,
}

/// A variable: `Ok(None)` when unset, an error when set but empty or not UTF-8.
pub fn var(
    get: &dyn Fn(&str) -> Option<OsString>,
    name: &'static str,
) -> Result<Option<String>, String> {
    match get(name) {
        None => Ok(None),
        Some(v) => match v.into_string() {
            Ok(s) if s.trim().is_empty() => Err(format!("{name} is set but empty")),
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(format!("{name} is not valid UTF-8")),
        },
    }
}

/// Builds the client from flags and the environment (read through `get`).
pub fn client(
    flags: &Flags,
    get: &dyn Fn(&str) -> Option<OsString>,
    config: ClientConfig,
) -> Result<DcsClient, String> {
    let ak = var(get, "HUAWEICLOUD_SDK_AK")?;
    let sk = var(get, "HUAWEICLOUD_SDK_SK")?;
    let token = var(get, "HUAWEICLOUD_SDK_SECURITY_TOKEN")?;
    let project = match &flags.project_id {
        Some(p) => Some(p.clone()),
        None => var(get, "HUAWEICLOUD_SDK_PROJECT_ID")?,
    };
    let endpoint = match &flags.endpoint {
        Some(e) => Some(e.clone()),
        None => var(get, "DCS_ENDPOINT")?,
    };
    let region = match &flags.region {
        Some(r) => Some(r.clone()),
        None => var(get, "HUAWEICLOUD_SDK_REGION")?,
    };
    let (ak, sk) = match (ak, sk) {
        (Some(a), Some(s)) => (a, s),
        (Some(_), None) => return Err("HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not".into()),
        (None, Some(_)) => return Err("HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not".into()),
        (None, None) => {
            return Err(
                "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (and HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary ones)"
                    .into(),
            )
        }
    };
    let mut creds = Credentials::new(ak, sk);
    if let Some(t) = token {
        creds = creds.with_security_token(t);
    }
    let mut b = DcsClient::builder().credentials(creds).config(config);
    match (endpoint, region) {
        (Some(e), _) => b = b.endpoint(e),
        (None, Some(r)) => b = b.region(r),
        (None, None) => {
            return Err(
                "no endpoint: pass --region or --endpoint, or set HUAWEICLOUD_SDK_REGION or DCS_ENDPOINT"
                    .into(),
            )
        }
    }
    if let Some(p) = project {
        b = b.project_id(p);
    }
    b.build().map_err(|e| e.to_string())
}
