//! Where `dcs` finds its configuration: the flags, then everything `DcsClient` finds by
//! itself where the official SDKs keep it (environment, profile file, ECS metadata, IAM).

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

/// Builds the client from the flags and `ctx` (the process's environment and files).
pub fn client(flags: &Flags, ctx: Context, config: ClientConfig) -> Result<DcsClient, String> {
    let mut b = DcsClient::builder().context(ctx).config(config);
    if let Some(e) = &flags.endpoint {
        b = b.endpoint(e.clone());
    }
    if let Some(r) = &flags.region {
        b = b.region(r.clone());
    }
    if let Some(p) = &flags.project_id {
        b = b.project_id(p.clone());
    }
    if let Some(p) = &flags.profile {
        b = b.profile(p.clone());
    }
    b.build().map_err(|e| e.to_string())
}
