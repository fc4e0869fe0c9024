//! `dcs-emulator`: serves the local DCS Task Center on a port until killed.
//!
//! ```text
//! dcs-emulator [--port N] [--ak AK --sk SK --project PROJECT_ID] [--task ID]... [--running-task ID]...
//! ```

use dcs_emulator::{Emulator, EmulatorConfig, TaskStatus};
use std::net::SocketAddr;

fn usage() -> ! {
    eprintln!(
        "usage: dcs-emulator [--port N] [--ak AK --sk SK --project PROJECT_ID] [--task ID]... [--running-task ID]..."
    );
    std::process::exit(2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut port = 0u16;
    let mut ak = "EMULATORAK".to_string();
    let mut sk = "emulator-secret-key".to_string();
    let mut project = "0a1b2c3d4e5f40718293a4b5c6d7e8f9".to_string();
    let mut tasks = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--port" => port = val().parse().unwrap_or_else(|_| usage()),
            "--ak" => ak = val(),
            "--sk" => sk = val(),
            "--project" => project = val(),
            "--task" => tasks.push((val(), TaskStatus::Success)),
            "--running-task" => tasks.push((val(), TaskStatus::Running)),
            _ => usage(),
        }
    }
    let config = EmulatorConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], port)),
        // A long-running server must not keep every request it ever saw.
        record_requests: false,
    };
    let emu = match Emulator::start_with(config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot start: {e}");
            std::process::exit(1)
        }
    };
    emu.add_credentials(&ak, &sk, &project);
    for (id, status) in &tasks {
        emu.seed_task(&project, id, *status);
    }
    println!(
        "DCS emulator listening on {} (project {project}, AK {ak}, {} tasks)",
        emu.endpoint(),
        tasks.len()
    );
    std::future::pending::<()>().await;
}
