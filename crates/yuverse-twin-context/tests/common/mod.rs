//! Shared fixtures of the integration tests.
#![allow(dead_code)]

use std::cell::Cell;
use std::collections::HashMap;

use serde_json::{json, Value};
use yuverse_twin_context::{ContextError, ContextLoader};

pub const SDM_ENV: &str = "https://smartdatamodels.org/dataModel.Environment/";
pub const SDM_TRANSPORT: &str = "https://smartdatamodels.org/dataModel.Transportation/";
pub const SDM_URL: &str = "https://example.org/contexts/sdm.jsonld";
pub const DEFAULT: &str = "https://uri.etsi.org/ngsi-ld/default-context/";
pub const NGSI: &str = "https://uri.etsi.org/ngsi-ld/";

/// A Smart Data Models style user context (the local context object).
pub fn sdm_context() -> Value {
    json!({
        "sdm-env": SDM_ENV,
        "AirQualityObserved": "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved",
        "pm25": "https://smartdatamodels.org/dataModel.Environment/pm25",
        "pm10": "sdm-env:pm10",
        "no2": {"@id": "sdm-env:no2"},
        "airQualityLevel": {"@id": "sdm-env:airQualityLevel", "@type": "@vocab"},
        "TrafficFlowObserved": "https://smartdatamodels.org/dataModel.Transportation/TrafficFlowObserved",
        "intensity": "https://smartdatamodels.org/dataModel.Transportation/intensity",
        "refDevice": {"@id": "https://smartdatamodels.org/refDevice", "@type": "@id"},
        "Device": "https://smartdatamodels.org/dataModel.Device/Device",
        "dateObserved": {"@id": "https://smartdatamodels.org/dateObserved", "@type": "DateTime"},
        "name": "https://schema.org/name"
    })
}

/// A loader over a fixed map that counts its calls.
pub struct CountingLoader {
    pub docs: HashMap<String, Value>,
    pub calls: Cell<usize>,
}

impl CountingLoader {
    pub fn new(docs: impl IntoIterator<Item = (&'static str, Value)>) -> Self {
        Self {
            docs: docs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            calls: Cell::new(0),
        }
    }
}

impl ContextLoader for CountingLoader {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        self.calls.set(self.calls.get() + 1);
        self.docs.load(url)
    }
}

/// A map loader holding the SDM context at [`SDM_URL`].
pub fn sdm_loader() -> HashMap<String, Value> {
    let mut m = HashMap::new();
    m.insert(SDM_URL.to_string(), json!({"@context": sdm_context()}));
    m
}
