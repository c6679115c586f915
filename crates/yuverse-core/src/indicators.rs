//! The indicator registry: how every module contributes measurable outcomes of the action plan
//! (organisations by kind, parks, devices online, scenarios opened, …) without the plan knowing
//! the module.
//!
//! A module implements [`IndicatorSource`] over its own service (never another module's
//! tables) and the composition root registers it once at start-up:
//! `registry.register(MySource::new(service))`. The plan reads every registered source to show
//! live values against the targets the plan states and to take monthly snapshots for trends.

use std::sync::{Arc, RwLock};

use serde::Serialize;

use crate::error::Error;

/// What an indicator measures. `key` is stable (`<module>.<what>`, e.g. `twin.devices.online`);
/// targets in the plan refer to it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorDef {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// Unit of the value as shown (e.g. `个`, `台`, `%`).
    pub unit: String,
    /// The module that computes it (e.g. `governance`, `twin`).
    pub module: String,
}

impl IndicatorDef {
    pub fn new(key: &str, name_zh: &str, name_en: &str, unit: &str, module: &str) -> Self {
        Self {
            key: key.to_owned(),
            name_zh: name_zh.to_owned(),
            name_en: name_en.to_owned(),
            unit: unit.to_owned(),
            module: module.to_owned(),
        }
    }
}

/// A live value of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorValue {
    pub key: String,
    pub value: f64,
}

impl IndicatorValue {
    pub fn new(key: &str, value: f64) -> Self {
        Self {
            key: key.to_owned(),
            value,
        }
    }
}

/// A module's indicators, computed through its own service interface.
#[async_trait::async_trait]
pub trait IndicatorSource: Send + Sync {
    /// The indicators this source computes (stable while the process runs).
    fn indicators(&self) -> Vec<IndicatorDef>;
    /// Their current values; an indicator left out has no value now.
    async fn values(&self) -> Result<Vec<IndicatorValue>, Error>;
}

/// One indicator as read from the registry: its definition and its value, or why there is none.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorReading {
    #[serde(flatten)]
    pub def: IndicatorDef,
    pub value: Option<f64>,
    /// Why there is no value (the source failed), for operators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The registered sources; cheap to clone, shared by the composition root and the plan.
#[derive(Clone, Default)]
pub struct IndicatorRegistry {
    sources: Arc<RwLock<Vec<Arc<dyn IndicatorSource>>>>,
}

impl std::fmt::Debug for IndicatorRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndicatorRegistry")
            .field("sources", &self.sources().len())
            .finish()
    }
}

impl IndicatorRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source; its indicators appear in every reading from now on.
    pub fn register(&self, source: impl IndicatorSource + 'static) {
        if let Ok(mut sources) = self.sources.write() {
            sources.push(Arc::new(source));
        }
    }

    fn sources(&self) -> Vec<Arc<dyn IndicatorSource>> {
        self.sources.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every registered indicator with its current value. A failing source does not hide the
    /// others: its indicators come back without a value and with the reason.
    pub async fn read(&self) -> Vec<IndicatorReading> {
        let mut readings = Vec::new();
        for source in self.sources() {
            let defs = source.indicators();
            let values = source.values().await;
            for def in defs {
                let (value, error) = match &values {
                    Ok(values) => (
                        values.iter().find(|v| v.key == def.key).map(|v| v.value),
                        None,
                    ),
                    Err(e) => {
                        tracing::warn!(indicator = %def.key, error = %e, "indicator source failed");
                        (None, Some(e.problem().detail))
                    }
                };
                readings.push(IndicatorReading { def, value, error });
            }
        }
        readings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    #[async_trait::async_trait]
    impl IndicatorSource for Fixed {
        fn indicators(&self) -> Vec<IndicatorDef> {
            vec![
                IndicatorDef::new("test.a", "甲", "A", "个", "test"),
                IndicatorDef::new("test.b", "乙", "B", "个", "test"),
            ]
        }
        async fn values(&self) -> Result<Vec<IndicatorValue>, Error> {
            Ok(vec![IndicatorValue::new("test.a", 3.0)])
        }
    }

    struct Failing;

    #[async_trait::async_trait]
    impl IndicatorSource for Failing {
        fn indicators(&self) -> Vec<IndicatorDef> {
            vec![IndicatorDef::new("test.c", "丙", "C", "个", "test")]
        }
        async fn values(&self) -> Result<Vec<IndicatorValue>, Error> {
            Err(Error::Unavailable("down".into()))
        }
    }

    #[tokio::test]
    async fn readings_cover_every_registered_indicator() {
        let registry = IndicatorRegistry::new();
        registry.register(Fixed);
        registry.register(Failing);
        let readings = registry.read().await;
        let keys: Vec<_> = readings.iter().map(|r| r.def.key.as_str()).collect();
        assert_eq!(keys, ["test.a", "test.b", "test.c"]);
        assert_eq!(readings[0].value, Some(3.0));
        assert_eq!(readings[1].value, None);
        assert_eq!(readings[2].error.as_deref(), Some("down"));
    }
}
