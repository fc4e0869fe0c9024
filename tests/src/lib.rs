//! Shared fixtures for the end-to-end tests: an emulator with one account and a client
//! pointed at it over real TCP.
#![deny(missing_docs)]

use dcs_emulator::{Emulator, TaskStatus};
use dcs_tasks::{ClientConfig, Credentials, RetryPolicy, TasksClient};
use dcs_transport::ManualTime;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The test account's access key id.
pub const AK: &str = "HWTESTAK0E2E00000001";
/// The test account's secret key.
pub const SK: &str = "e2e-secret-key-0123456789abcdef0123";
/// The test account's project.
pub const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
/// A task id seeded by [`Fixture::new`].
pub const TASK: &str = "ff8080818e1c6f1b018e2b7d5a3c0042";

/// An emulator with the test account and one finished task, plus a way to build clients.
#[derive(Debug)]
pub struct Fixture {
    /// The emulator.
    pub emu: Emulator,
    /// The clock and sleeper handed to clients: sleeps return at once and are recorded.
    pub time: ManualTime,
}

impl Fixture {
    /// Starts the emulator, registers the account, seeds [`TASK`].
    pub async fn new() -> Self {
        let emu = Emulator::start().await.expect("emulator starts");
        emu.add_credentials(AK, SK, PROJECT);
        emu.seed_task(PROJECT, TASK, TaskStatus::Success);
        Self {
            emu,
            time: ManualTime::new(SystemTime::now()),
        }
    }

    /// A client with the test credentials and `config`; retries sleep on the manual clock.
    pub fn client_with(&self, credentials: Credentials, config: ClientConfig) -> TasksClient {
        TasksClient::builder()
            .endpoint(self.emu.endpoint())
            .credentials(credentials)
            .project_id(PROJECT)
            .config(config)
            .clock(Arc::new(self.time.clone()))
            .sleeper(Arc::new(self.time.clone()))
            .build()
            .expect("client builds")
    }

    /// A client with the test credentials, short timeouts and the default retry policy.
    pub fn client(&self) -> TasksClient {
        self.client_with(Credentials::new(AK, SK), test_config())
    }
}

/// Default retries and timeouts generous enough that a loaded 2-core CI machine never trips
/// them by accident; tests that exercise a timeout set a short one themselves, against a
/// fault that lasts far longer.
pub fn test_config() -> ClientConfig {
    ClientConfig::default()
        .connect_timeout(Duration::from_secs(5))
        .attempt_timeout(Duration::from_secs(10))
        .total_timeout(Duration::from_secs(60))
        .retry(RetryPolicy::default())
}
