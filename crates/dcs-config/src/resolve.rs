//! The one entry point clients call: [`ResolvedConfig::load`] finds credentials, region,
//! endpoints and project id where users of the official SDKs keep them, with what the
//! caller set in code first.
//!
//! | what | order (first found wins) |
//! |---|---|
//! | credentials | [`Overrides::credentials`]; `HUAWEICLOUD_SDK_AK`/`_SK`/`_SECURITY_TOKEN`; the profile's `ak`/`sk`/`security_token`; Pod Identity (`HC_CONTAINER_CREDENTIALS_FULL_URI` + `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE`); ECS metadata |
//! | region | [`Overrides::region`]; `HUAWEICLOUD_SDK_REGION`; the profile's `region` |
//! | endpoints | [`Overrides::endpoints`]; the service's own variable (`DCS_ENDPOINT`); `HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION}`; the regions file; the built-in table; `https://{service}.{region}.myhuaweicloud.com` |
//! | project id | [`Overrides::project_id`]; `HUAWEICLOUD_SDK_PROJECT_ID`; the profile's `project_id`; IAM lookup at first use |
//! | IAM endpoint | [`Overrides::iam_endpoint`]; the profile's `iam_endpoint`; `HUAWEICLOUD_SDK_IAM_ENDPOINT`; derived from the region |
//!
//! | proxy | [`Context::with_http`]'s; `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (either case) |
//! | extra CA | [`Context::with_ca_bundle_pem`]; the PEM file named by `HUAWEICLOUD_SDK_CA_BUNDLE` |
//!
//! Loading reads variables and files only; no network. Pod Identity and metadata are asked
//! at the first call, and the IAM lookup happens at the first call that needs a project id.
//! The profile file is read only when something is still missing after code and variables.
//!
//! The proxy and CA found here complete the [`Context`] first; that one context
//! ([`ResolvedConfig::context`]) then sets up the metadata and Pod Identity clients, the IAM
//! lookup and (in `dcs-client`) the DCS client alike.

use crate::cache::CachingProvider;
use crate::chain::{
    env_credentials, profile_credentials, CredentialsChain, PodIdentityProvider, ENV_AK,
    ENV_POD_URI, ENV_SK, PROVIDER_ENV, PROVIDER_POD, PROVIDER_PROFILE,
};
use crate::context::{Context, EnvVarError, MAX_CA_BUNDLE_BYTES};
use crate::iam::{is_valid_project_id, ProjectIdSource, ENV_IAM_ENDPOINT, ENV_PROJECT_ID};
use crate::metadata::{MetadataProvider, ENV_METADATA_DISABLED, PROVIDER as PROVIDER_METADATA};
use crate::profile::{self, Profile, ProfileError, ProfileLookup};
use crate::region::{
    parse_regions_file, Region, RegionError, RegionsFileError, Service, DCS, ENV_REGION,
    ENV_REGIONS_FILE,
};
use dcs_transport::{
    ConfigError, Credentials, Endpoint, ProvideCredentials, ProviderError, ProxySettings,
};
use std::path::PathBuf;
use std::sync::Arc;

/// Variable naming a PEM file of extra CA certificates, trusted besides the web PKI roots.
pub const ENV_CA_BUNDLE: &str = "HUAWEICLOUD_SDK_CA_BUNDLE";

/// What the caller sets in code; each wins over every other source.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Overrides {
    /// Credentials, or a provider of them.
    pub credentials: Option<Arc<dyn ProvideCredentials>>,
    /// The project id.
    pub project_id: Option<String>,
    /// The region id.
    pub region: Option<String>,
    /// Endpoint URLs, tried in order.
    pub endpoints: Vec<String>,
    /// The profile-file section to read (instead of `HUAWEICLOUD_SDK_PROFILE` or `basic`).
    pub profile: Option<String>,
    /// The IAM endpoint for the project id lookup.
    pub iam_endpoint: Option<String>,
}

impl Overrides {
    /// Fixed credentials.
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(Arc::new(c));
        self
    }
    /// A credentials provider.
    pub fn credentials_provider(mut self, p: Arc<dyn ProvideCredentials>) -> Self {
        self.credentials = Some(p);
        self
    }
    /// The project id.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }
    /// The region id.
    pub fn region(mut self, id: impl Into<String>) -> Self {
        self.region = Some(id.into());
        self
    }
    /// One more endpoint URL.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints.push(url.into());
        self
    }
    /// The profile section.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }
    /// The IAM endpoint.
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }
}

/// Why the configuration could not be loaded. Each names the variable, the file and line, or
/// the provider at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigLoadError {
    /// A variable is set but empty or not UTF-8.
    #[error(transparent)]
    Env(#[from] EnvVarError),
    /// A credentials provider is configured but broken, or (when no provider could ever
    /// answer) none had credentials.
    #[error("credentials: {0}")]
    Credentials(#[source] ProviderError),
    /// The profile file is unreadable or malformed.
    #[error("credentials profile file: {0}")]
    Profile(#[from] ProfileError),
    /// The regions file is unreadable or malformed.
    #[error("regions file: {0}")]
    RegionsFile(#[from] RegionsFileError),
    /// A region id is malformed.
    #[error("region from {origin}: {error}")]
    Region {
        /// Where it came from (`builder`, a variable, `file:line`).
        origin: String,
        /// What is wrong.
        #[source]
        error: RegionError,
    },
    /// An endpoint URL is not usable.
    #[error("endpoint from {origin}: {error}")]
    Endpoint {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        #[source]
        error: ConfigError,
    },
    /// No endpoint was given and no region to derive one from.
    #[error(
        "no region: set it in code, in HUAWEICLOUD_SDK_REGION or as `region` in the profile \
         (or give an endpoint in code or in {endpoint_env})"
    )]
    NoRegion {
        /// The service's own endpoint variable.
        endpoint_env: &'static str,
    },
    /// A project id cannot go into a URL path.
    #[error("project id from {origin} must be 1 to 64 letters, digits, '-' or '_'")]
    ProjectId {
        /// Where it came from.
        origin: String,
    },
    /// A proxy variable holds a URL that cannot be used (its password never repeated).
    #[error("proxy from the environment: {0}")]
    Proxy(#[source] ConfigError),
    /// The extra CA bundle cannot be read.
    #[error("{ENV_CA_BUNDLE} {path}: {problem}")]
    CaBundle {
        /// The file.
        path: String,
        /// Why.
        problem: String,
    },
    /// A client (IAM, metadata) cannot be set up with this configuration (an unusable CA
    /// bundle, an invalid setting).
    #[error("{what}: {error}")]
    Client {
        /// Which client.
        what: &'static str,
        /// Why.
        #[source]
        error: ConfigError,
    },
}

/// Everything a client needs, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    context: Context,
    credentials: Arc<dyn ProvideCredentials>,
    credentials_source: &'static str,
    region: Option<Region>,
    region_known: bool,
    endpoints: Vec<Endpoint>,
    endpoint_source: String,
    project_id: ProjectIdSource,
}

/// The profile, read at most once and only when needed.
struct ProfileSlot<'a> {
    ctx: &'a Context,
    section: Option<&'a str>,
    loaded: Option<ProfileLookup>,
}

impl ProfileSlot<'_> {
    fn get(&mut self) -> Result<&ProfileLookup, ConfigLoadError> {
        if self.loaded.is_none() {
            self.loaded = Some(profile::load(self.ctx, self.section)?);
        }
        Ok(self.loaded.as_ref().expect("just loaded"))
    }

    fn profile(&mut self) -> Result<Option<&Profile>, ConfigLoadError> {
        Ok(match self.get()? {
            ProfileLookup::Found(p) => Some(p),
            ProfileLookup::Absent(_) => None,
        })
    }
}

impl ResolvedConfig {
    /// Loads the configuration for DCS.
    pub fn load(ctx: &Context, overrides: Overrides) -> Result<Self, ConfigLoadError> {
        Self::load_for(ctx, &DCS, overrides)
    }

    /// Loads the configuration for `service`.
    pub fn load_for(
        ctx: &Context,
        service: &Service,
        overrides: Overrides,
    ) -> Result<Self, ConfigLoadError> {
        let context = with_network_from_environment(ctx.clone())?;
        let ctx = &context;
        let mut profile = ProfileSlot {
            ctx,
            section: overrides.profile.as_deref(),
            loaded: None,
        };
        if overrides.profile.is_some() {
            // A section asked for in code must exist, whatever else is configured.
            profile.get()?;
        }
        let (credentials, credentials_source) =
            resolve_credentials(ctx, overrides.credentials.clone(), &mut profile)?;
        let region = resolve_region(ctx, overrides.region.as_deref(), &mut profile)?;
        let (endpoints, endpoint_source) =
            resolve_endpoints(ctx, service, &overrides.endpoints, region.as_ref())?;
        let project_id = resolve_project_id(
            ctx,
            &overrides,
            &mut profile,
            region.as_ref(),
            credentials.clone(),
        )?;
        Ok(Self {
            context,
            credentials,
            credentials_source,
            region_known: region.as_ref().is_some_and(|r| service.knows(r)),
            region,
            endpoints,
            endpoint_source,
            project_id,
        })
    }

    /// The shared runtime configuration, completed with the environment's proxy and CA
    /// bundle: build the service's client from it
    /// ([`Context::http_client_builder`]) so it goes out as the IAM lookup does.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The credentials provider to sign with (ask it before every attempt).
    pub fn credentials(&self) -> &Arc<dyn ProvideCredentials> {
        &self.credentials
    }

    /// Where the credentials come from: `explicit`, `environment`, `profile`, or `chain`
    /// (Pod Identity or metadata, decided at the first call).
    pub fn credentials_source(&self) -> &'static str {
        self.credentials_source
    }

    /// The region, when one is configured.
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }

    /// Whether the region is in the service's built-in table (an unknown but well-formed
    /// region still works, by the standard endpoint pattern).
    pub fn region_is_known(&self) -> bool {
        self.region_known
    }

    /// The endpoints, in the order to try them (at least one).
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Where the endpoints come from: `builder`, a variable name, `file:line`, `table` or
    /// `pattern`.
    pub fn endpoint_source(&self) -> &str {
        &self.endpoint_source
    }

    /// The project id, or how to get it ([`ProjectIdSource::project_id`]).
    pub fn project_id(&self) -> &ProjectIdSource {
        &self.project_id
    }
}

fn resolve_credentials(
    ctx: &Context,
    explicit: Option<Arc<dyn ProvideCredentials>>,
    profile: &mut ProfileSlot<'_>,
) -> Result<(Arc<dyn ProvideCredentials>, &'static str), ConfigLoadError> {
    if let Some(p) = explicit {
        return Ok((p, crate::chain::PROVIDER_EXPLICIT));
    }
    if let Some(c) = env_credentials(ctx).map_err(ConfigLoadError::Credentials)? {
        return Ok((Arc::new(c), PROVIDER_ENV));
    }
    let mut chain =
        CredentialsChain::new().skipped(PROVIDER_ENV, format!("{ENV_AK} and {ENV_SK} are not set"));
    let profile_lookup = profile.get().map_err(|e| match e {
        ConfigLoadError::Profile(p) => {
            ConfigLoadError::Credentials(ProviderError::broken(PROVIDER_PROFILE, p.to_string()))
        }
        other => other,
    })?;
    match profile_lookup {
        ProfileLookup::Found(p) => {
            match profile_credentials(p).map_err(ConfigLoadError::Credentials)? {
                Some(c) => return Ok((Arc::new(c), PROVIDER_PROFILE)),
                None => {
                    chain = chain.skipped(
                        PROVIDER_PROFILE,
                        format!("{} [{}] has no ak and sk", p.path().display(), p.section()),
                    )
                }
            }
        }
        ProfileLookup::Absent(why) => chain = chain.skipped(PROVIDER_PROFILE, why.clone()),
    }
    let mut any = false;
    match PodIdentityProvider::from_context(ctx).map_err(ConfigLoadError::Credentials)? {
        Some(pod) => {
            chain = chain.with(Arc::new(CachingProvider::new(pod, ctx.clock().clone())));
            any = true;
        }
        None => chain = chain.skipped(PROVIDER_POD, format!("{ENV_POD_URI} is not set")),
    }
    match MetadataProvider::from_context(ctx).map_err(ConfigLoadError::Credentials)? {
        Some(m) => {
            chain = chain.with(Arc::new(CachingProvider::new(m, ctx.clock().clone())));
            any = true;
        }
        None => {
            chain = chain.skipped(
                PROVIDER_METADATA,
                format!("turned off by {ENV_METADATA_DISABLED}=true"),
            )
        }
    }
    if !any {
        // Nothing left that could answer later: say so now, with every reason.
        return Err(ConfigLoadError::Credentials(chain.nothing_found()));
    }
    Ok((Arc::new(chain), "chain"))
}

fn resolve_region(
    ctx: &Context,
    explicit: Option<&str>,
    profile: &mut ProfileSlot<'_>,
) -> Result<Option<Region>, ConfigLoadError> {
    let parse = |id: &str, origin: String| {
        Region::parse(id.trim()).map_err(|error| ConfigLoadError::Region { origin, error })
    };
    if let Some(r) = explicit {
        return parse(r, "builder".into()).map(Some);
    }
    if let Some(r) = ctx.var(ENV_REGION)? {
        return parse(&r, ENV_REGION.into()).map(Some);
    }
    if let Some(p) = profile.profile()? {
        if let Some(e) = p.get("region") {
            return parse(&e.value, p.location("region")).map(Some);
        }
    }
    Ok(None)
}

fn parse_endpoints(list: &str, origin: &str) -> Result<Vec<Endpoint>, ConfigLoadError> {
    let eps = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|u| {
            Endpoint::parse(u).map_err(|error| ConfigLoadError::Endpoint {
                origin: origin.to_string(),
                error,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if eps.is_empty() {
        return Err(ConfigLoadError::Endpoint {
            origin: origin.to_string(),
            error: ConfigError::Invalid("no endpoint in the list"),
        });
    }
    Ok(eps)
}

fn resolve_endpoints(
    ctx: &Context,
    service: &Service,
    explicit: &[String],
    region: Option<&Region>,
) -> Result<(Vec<Endpoint>, String), ConfigLoadError> {
    if !explicit.is_empty() {
        return Ok((
            parse_endpoints(&explicit.join(","), "builder")?,
            "builder".into(),
        ));
    }
    if let Some(var) = service.endpoint_env {
        if let Some(url) = ctx.var(var)? {
            return Ok((parse_endpoints(&url, var)?, var.to_string()));
        }
    }
    let Some(region) = region else {
        return Err(ConfigLoadError::NoRegion {
            endpoint_env: service
                .endpoint_env
                .unwrap_or("the service's endpoint variable"),
        });
    };
    let var = service.region_env_var(region);
    if let Some(list) = ctx.var(&var)? {
        return Ok((parse_endpoints(&list, &var)?, var));
    }
    let (path, explicit_file) = match ctx.var(ENV_REGIONS_FILE)? {
        Some(p) => (Some(PathBuf::from(p)), true),
        None => (
            ctx.home_dir()?
                .map(|h| h.join(".huaweicloud").join("regions.yaml")),
            false,
        ),
    };
    if let Some(path) = path {
        let unreadable = |problem: String| RegionsFileError {
            path: path.clone(),
            line: 0,
            problem,
        };
        let text = match ctx
            .fs()
            .read_capped(&path, crate::context::MAX_REGIONS_FILE_BYTES)
        {
            Ok(b) => Some(String::from_utf8(b).map_err(|_| unreadable("not valid UTF-8".into()))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit_file => None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(unreadable(format!(
                "named by {ENV_REGIONS_FILE} but does not exist"
            )))?,
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => Err(unreadable(format!(
                "the regions file is larger than {} bytes, the most read of it",
                crate::context::MAX_REGIONS_FILE_BYTES
            )))?,
            Err(e) => Err(unreadable(format!("cannot be read: {e}")))?,
        };
        if let Some(text) = text {
            let entries = parse_regions_file(&path, &text, service.name)?;
            if let Some(entry) = entries.get(region.as_str()) {
                let origin = format!("{}:{}", path.display(), entry.line);
                return Ok((
                    parse_endpoints(&entry.endpoints.join(","), &origin)?,
                    origin,
                ));
            }
        }
    }
    let url = service.pattern_endpoint(region);
    let source = if service.knows(region) {
        "table"
    } else {
        "pattern"
    };
    Ok((parse_endpoints(&url, source)?, source.into()))
}

fn resolve_project_id(
    ctx: &Context,
    overrides: &Overrides,
    profile: &mut ProfileSlot<'_>,
    region: Option<&Region>,
    credentials: Arc<dyn ProvideCredentials>,
) -> Result<ProjectIdSource, ConfigLoadError> {
    let known = |id: &str, origin: String| {
        let id = id.trim();
        if is_valid_project_id(id) {
            Ok(ProjectIdSource::known(id))
        } else {
            Err(ConfigLoadError::ProjectId { origin })
        }
    };
    if let Some(id) = &overrides.project_id {
        return known(id, "builder".into());
    }
    if let Some(id) = ctx.var(ENV_PROJECT_ID)? {
        return known(&id, ENV_PROJECT_ID.into());
    }
    if let Some(p) = profile.profile()? {
        if let Some(e) = p.get("project_id") {
            return known(&e.value, p.location("project_id"));
        }
    }
    let Some(region) = region else {
        return Ok(ProjectIdSource::missing());
    };
    let (iam_url, origin) = if let Some(u) = &overrides.iam_endpoint {
        (u.clone(), "builder".to_string())
    } else if let Some((v, loc)) = profile.profile()?.and_then(|p| {
        p.get("iam_endpoint")
            .map(|e| (e.value.clone(), p.location("iam_endpoint")))
    }) {
        (v, loc)
    } else if let Some(v) = ctx.var(ENV_IAM_ENDPOINT)? {
        (v, ENV_IAM_ENDPOINT.to_string())
    } else {
        (region.iam_endpoint(), "region".to_string())
    };
    let iam =
        Endpoint::parse(&iam_url).map_err(|error| ConfigLoadError::Endpoint { origin, error })?;
    ProjectIdSource::lookup(ctx, credentials, iam, region.clone()).map_err(|error| {
        ConfigLoadError::Client {
            what: "the IAM client for the project id lookup",
            error,
        }
    })
}

/// `ctx` with the environment's proxies (unless its HTTP settings name one) and CA bundle
/// (unless it has one).
fn with_network_from_environment(mut ctx: Context) -> Result<Context, ConfigLoadError> {
    if ctx.http().get_proxy().is_none() {
        // Empty or unreadable proxy variables mean "no proxy", as curl reads them.
        let lookup = |k: &str| ctx.var(k).ok().flatten();
        let proxies = ProxySettings::from_lookup(lookup).map_err(ConfigLoadError::Proxy)?;
        if proxies != ProxySettings::default() {
            let http = ctx.http().clone().proxy(proxies);
            ctx = ctx.with_http(http);
        }
    }
    if ctx.ca_bundle_pem().is_none() {
        if let Some(path) = ctx.var(ENV_CA_BUNDLE)? {
            let pem = ctx
                .fs()
                .read_capped(std::path::Path::new(&path), MAX_CA_BUNDLE_BYTES)
                .map_err(|e| ConfigLoadError::CaBundle {
                    path: path.clone(),
                    problem: if e.kind() == std::io::ErrorKind::FileTooLarge {
                        format!(
                            "the CA bundle is larger than {MAX_CA_BUNDLE_BYTES} bytes, the most \
                             read of it"
                        )
                    } else {
                        format!("cannot read it: {e}")
                    },
                })?;
            ctx = ctx.with_ca_bundle_pem(pem);
        }
    }
    Ok(ctx)
}
