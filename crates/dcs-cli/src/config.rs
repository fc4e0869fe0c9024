//! Where `dcs` finds its configuration: the flags, then everything `DcsClient` finds by
//! itself where the official SDKs keep it (environment, profile file, ECS metadata, IAM).
//! A flag's value is checked here first, so a mistake in it is named by its flag.

use crate::report::{self, Failure};
use dcs_client::{ClientConfig, Context, DcsClient};

/// Flags that override the environment and the profile.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// `--endpoint`
    pub endpoint: Option<String>,
    /// `--region`
    pub region: Option<String>,
    /// `--project-id`
    pub project_id: Option<String>,
    /// `--profile`
    pub profile: Option<String>,
}

/// Checks the flags' values, naming the flag at fault.
pub fn check(flags: &Flags) -> Result<(), Failure> {
    if let Some(e) = &flags.endpoint {
        let t = e.trim();
        if !t.contains("://") {
            return Err(Failure::invalid(format!(
                "--endpoint {:?} has no scheme",
                dcs_client::sanitize(t)
            ))
            .hint(format!(
                "write it whole: --endpoint https://{0} (or http://{0} for an emulator on this machine)",
                dcs_client::sanitize(t)
            )));
        }
        if let Err(err) = dcs_transport::Endpoint::parse(t) {
            return Err(Failure::invalid(format!("--endpoint: {err}"))
                .hint("an endpoint is a scheme and a host, with an optional port: https://dcs.cn-north-4.myhuaweicloud.com"));
        }
    }
    if let Some(r) = &flags.region {
        if let Err(err) = dcs_config::Region::parse(r.trim()) {
            return Err(Failure::invalid(format!("--region: {err}"))
                .hint("a region id looks like cn-north-4 or ap-southeast-1"));
        }
    }
    if let Some(p) = &flags.project_id {
        if !dcs_config::iam::is_valid_project_id(p.trim()) {
            return Err(Failure::invalid(format!(
                "--project-id {:?}: a project id is 1 to 64 letters, digits, '-' or '_'",
                dcs_client::sanitize(p)
            )));
        }
    }
    if let Some(p) = &flags.profile {
        if p.trim().is_empty() {
            return Err(Failure::invalid(
                "--profile is empty: name a section of the credentials file, e.g. --profile basic",
            ));
        }
    }
    Ok(())
}

/// Builds the client from the flags and `ctx` (the process's environment and files).
pub fn client(flags: &Flags, ctx: Context, config: ClientConfig) -> Result<DcsClient, Failure> {
    check(flags)?;
    let mut b = DcsClient::builder().context(ctx).config(config);
    if let Some(e) = &flags.endpoint {
        b = b.endpoint(e.trim().to_string());
    }
    if let Some(r) = &flags.region {
        b = b.region(r.trim().to_string());
    }
    if let Some(p) = &flags.project_id {
        b = b.project_id(p.trim().to_string());
    }
    if let Some(p) = &flags.profile {
        b = b.profile(p.clone());
    }
    b.build().map_err(|e| {
        report::sdk(
            &e,
            &report::Context {
                endpoint: None,
                flags: flags.clone(),
            },
        )
    })
}

/// What error messages need to know about a built client.
pub fn context(client: &DcsClient, flags: &Flags) -> report::Context {
    report::Context {
        endpoint: Some(client.current_endpoint().base_url()),
        flags: flags.clone(),
    }
}
