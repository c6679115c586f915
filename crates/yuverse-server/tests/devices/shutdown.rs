//! A server that is gone lets go of its database, even though the embedded broker's threads
//! (which rumqttd cannot stop) live on until the process exits.

use std::time::Duration;

use crate::*;

/// The server's open connections to its database: SQLite file handles of this process, or
/// PostgreSQL sessions on the test database.
async fn open_connections(settings: &yuverse_server::Settings) -> usize {
    yuverse_core::testing::open_connections(settings.database_url.as_deref(), &settings.data_dir)
        .await
}

/// What `#[tokio::test]` does at the end of every test: the server is not stopped, its runtime
/// is dropped with every task on it. Only threads outside the runtime (the broker's) could keep
/// the server's database open then, which is what left PostgreSQL connections behind for as
/// long as a test binary ran.
#[test]
fn a_dropped_server_closes_its_database_although_the_broker_threads_live_on() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (settings, _dir) = runtime.block_on(async {
        let DeviceApp { app, mqtt, dir } = spawn_devices().await;
        let unit = app.demo("demo-unit").await;
        let (key_id, secret) = org_key(&unit, &["mqtt:publish"]).await;
        // A device signs in: the broker has checked an API key against the database.
        let device = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
        assert!(open_connections(&app.settings).await > 0);
        drop(device);
        (app.settings.clone(), dir)
    });
    drop(runtime);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut waited = 0;
        while open_connections(&settings).await > 0 && waited < 100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        }
        assert_eq!(open_connections(&settings).await, 0);
    });
}
