//! `yuverse`: the platform binary.
#![forbid(unsafe_code)]

mod cli;
mod config;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use yuverse_core::db::Database;
use yuverse_governance::service::audit::{verify_chain, VerifyReport};

/// mimalloc instead of the system allocator: the twin's write path allocates and frees many
/// small JSON values from every worker thread, where glibc malloc spent a third of the time
/// (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::{AuditCommand, Cli, Command, ConfigCommand, LogFormat, ServeArgs, StorageArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(*args).await,
            Command::Config {
                command: ConfigCommand::Example,
            } => {
                print!("{}", config::EXAMPLE);
                Ok(ExitCode::SUCCESS)
            }
            Command::Audit {
                command: AuditCommand::Verify(storage),
            } => audit_verify(storage).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

/// Errors end the process with one line on stderr.
fn fail(e: anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,rumqttd=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let file = config::read_file(args.storage.config.as_deref())?;
    let settings = config::settings(&args, &file)?;
    init_logging(config::log_format(&args, &file));
    // Bind first: a taken port should fail before any data is touched.
    let listener = yuverse_server::bind(settings.listen).await?;
    tracing::info!(settings = ?settings, "starting");
    let (state, report) = yuverse_server::prepare(&settings).await?;
    print_report(&report);
    // The bound address, not the configured one: with port 0 the system picked it.
    let address = listener.local_addr()?;
    tracing::info!(%address, "listening; the UI is at http://{address}/");
    yuverse_server::serve(listener, state, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Printed to stdout once, not logged, so generated passwords do not land in log collectors.
fn print_report(report: &yuverse_server::StartupReport) {
    if let Some(password) = &report.generated_admin_password {
        println!("Created the administrator `admin` with the generated password: {password}");
        println!("It is shown only this once. Sign in and change it.");
    }
    if !report.demo_accounts.is_empty() {
        println!("Demo accounts (one per role):");
        for (username, role) in &report.demo_accounts {
            println!("  {username:<22} {role}");
        }
        match &report.generated_demo_password {
            Some(password) => println!("Generated password of new demo accounts: {password}"),
            None => println!("Demo accounts use the password in YUVERSE_DEMO_PASSWORD."),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn audit_verify(storage: StorageArgs) -> anyhow::Result<ExitCode> {
    let file = config::read_file(storage.config.as_deref())?;
    let data_dir = config::data_dir(&storage, &file);
    let url = config::database_url(&storage, &file);
    if url.is_none() && !yuverse_core::db::sqlite_path(&data_dir).exists() {
        anyhow::bail!(
            "no database in {} (give --data-dir or --database-url)",
            data_dir.display()
        );
    }
    let db = Database::connect(url.as_deref(), &data_dir).await?;
    let report = verify_chain(&db).await?;
    db.close().await;
    Ok(match report {
        VerifyReport::Intact { entries } => {
            println!("audit log intact: {entries} entries verified");
            ExitCode::SUCCESS
        }
        VerifyReport::Broken { verified, at } => {
            println!("audit log BROKEN at {at}; {verified} entries before it verified");
            ExitCode::FAILURE
        }
    })
}
