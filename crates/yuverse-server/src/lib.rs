//! The HTTP composition of Yuverse: it opens the database, runs migrations, loads the district
//! data set, wires the context services into one [`AppState`], and serves the API, the
//! NGSI-LD and real-time paths as they arrive, and the embedded web UI.
#![forbid(unsafe_code)]

mod dataset;
mod demo;
mod indicators;
mod metrics;
mod middleware;
pub mod migrate;
mod openapi;
mod plan;
mod routes;
mod settings;
mod state;
mod twin;
mod ui;

pub use settings::Settings;
pub use state::AppState;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use yuverse_core::db::Database;
use yuverse_governance::{pii::PiiCipher, Governance};
use yuverse_industry::Industry;

/// What start-up has to tell the operator once (printed by the binary, never logged).
#[derive(Debug, Default)]
pub struct StartupReport {
    /// The generated password of `admin` when it was created without `YUVERSE_ADMIN_PASSWORD`.
    pub generated_admin_password: Option<String>,
    /// Demo accounts (username, role) created or present.
    pub demo_accounts: Vec<(String, String)>,
    /// The demo accounts' password when it was generated (never when the operator supplied it).
    pub generated_demo_password: Option<String>,
    pub dataset_loaded_now: bool,
}

/// Opens storage and prepares the state (migrations, data set, first administrator, demo).
pub async fn prepare(settings: &Settings) -> anyhow::Result<(AppState, StartupReport)> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create the data dir {}", settings.data_dir.display()))?;
    let db = Database::connect(settings.database_url.as_deref(), &settings.data_dir).await?;
    migrate::run(&db).await?;
    let pii = PiiCipher::load(&settings.pii_key_source())?;
    let governance = Governance::new(db.clone(), pii, settings.governance.clone());
    let industry = Industry::new(db.clone());
    let mut report = StartupReport {
        dataset_loaded_now: dataset::load_yubei(&db).await?,
        ..StartupReport::default()
    };
    report.generated_admin_password = governance
        .bootstrap_admin(settings.admin_password.as_deref())
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot create the first administrator: {}",
                e.problem().detail
            )
        })?;
    if settings.demo {
        let (accounts, password) =
            demo::ensure_accounts(&governance, settings.demo_password.as_deref()).await?;
        report.demo_accounts = accounts;
        report.generated_demo_password = settings.demo_password.is_none().then_some(password);
    }
    let twin = twin::open(&db, settings).await?;
    let devices = twin::devices(&db, &governance, &twin, settings).await?;
    let alerts = twin::alerts(&db, &industry, &twin).await?;
    let simulator = if settings.demo {
        demo::simulator(settings, &governance, &twin, &devices)
    } else {
        None
    };
    let plan = plan::open(&db, &governance, &industry, &devices, &alerts, settings).await?;
    let (twin, contexts) = twin;
    let mut state = AppState::new(
        db,
        governance,
        industry,
        (twin, contexts, devices, alerts),
        plan,
        settings,
    );
    state.simulator = simulator;
    Ok((state, report))
}

/// Binds the listen address, explaining a taken port in one line.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "cannot listen on {addr}: the address is already in use (choose another with --listen or YUVERSE_LISTEN)"
            )
        } else {
            anyhow::anyhow!("cannot listen on {addr}: {e} (change it with --listen or YUVERSE_LISTEN)")
        }
    })
}

/// Serves until `shutdown` completes, then lets in-flight requests finish and closes storage.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let db = state.db.clone();
    let devices = state.devices.clone();
    let simulator = state.simulator.clone();
    let alerts = state.alerts.clone();
    let twin = state.twin.clone();
    let housekeeping = tokio::spawn(housekeeping(state.governance.clone()));
    let sweeper = state.plan.spawn_sweeper(state.plan_sweep_every);
    let app = routes::router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("the HTTP server failed")?;
    housekeeping.abort();
    sweeper.abort();
    // The simulator's devices go before the broker they publish to.
    if let Some(simulator) = simulator {
        simulator.stop().await;
    }
    devices.stop().await;
    alerts.stop().await;
    yuverse_twin::subscriptions::backlog::store_at_stop(&db, twin.backlog()).await;
    db.close().await;
    tracing::info!("stopped; the database is closed");
    Ok(())
}

/// Periodic clean-up: idle sessions and idle login rate-limit buckets.
async fn housekeeping(governance: Governance) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    loop {
        tick.tick().await;
        match governance.purge_idle_sessions().await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "ended idle sessions"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session clean-up failed"),
        }
        governance.shrink_login_limiter();
    }
}
