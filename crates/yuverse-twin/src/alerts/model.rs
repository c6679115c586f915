//! Alert rules and alerts as the API shows them, and the checks on what clients send. No I/O.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use yuverse_core::FieldError;

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Critical]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// The value of the Smart Data Models `Alert.severity` enumeration.
    pub fn sdm(self) -> &'static str {
        match self {
            Severity::Info => "informational",
            Severity::Warning => "medium",
            Severity::Critical => "critical",
        }
    }
}

/// Where an alert is in its life cycle: open → acknowledged → closed, or open → closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Open,
    Acknowledged,
    Closed,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<AlertState> {
        [
            AlertState::Open,
            AlertState::Acknowledged,
            AlertState::Closed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// The close reason the engine records when the entity no longer matches an `autoClose` rule.
pub const REASON_CLEARED: &str = "cleared";
/// The close reason of alerts whose rule was deleted.
pub const REASON_RULE_DELETED: &str = "rule deleted";

/// An alert rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub name: String,
    /// Entity type, a short name resolved with the core @context (e.g. `AirQualityObserved`).
    pub entity_type: String,
    /// NGSI-LD q expression on the entity, short attribute names (e.g. `pm25>75`).
    pub q: String,
    /// `{"placeId": "…"}` (a place's id or code) or a GeoJSON Polygon/MultiPolygon; the
    /// entity's `location` must lie within it.
    #[schema(value_type = Option<Object>)]
    pub geofence: Option<Value>,
    pub severity: Severity,
    pub enabled: bool,
    /// Close the alert (reason `cleared`) when the entity stops matching.
    pub auto_close: bool,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

fn yes() -> bool {
    true
}

/// `POST /api/v1/twin/alert-rules`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewRule {
    pub name: String,
    pub entity_type: String,
    pub q: String,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub geofence: Option<Value>,
    pub severity: Severity,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "yes")]
    pub auto_close: bool,
}

/// Keeps an explicit `null` apart from an absent member (`null` removes the geofence).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// `PATCH /api/v1/twin/alert-rules/{id}`: members present are changed; `"geofence": null`
/// removes the geofence.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RulePatch {
    pub name: Option<String>,
    pub entity_type: Option<String>,
    pub q: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub geofence: Option<Value>,
    pub severity: Option<Severity>,
    pub enabled: Option<bool>,
    pub auto_close: Option<bool>,
}

impl RulePatch {
    /// The rule with this patch applied (not yet checked).
    pub fn apply(self, mut rule: Rule) -> Rule {
        if let Some(v) = self.name {
            rule.name = v;
        }
        if let Some(v) = self.entity_type {
            rule.entity_type = v;
        }
        if let Some(v) = self.q {
            rule.q = v;
        }
        if let Some(v) = self.geofence {
            rule.geofence = (!v.is_null()).then_some(v);
        }
        if let Some(v) = self.severity {
            rule.severity = v;
        }
        if let Some(v) = self.enabled {
            rule.enabled = v;
        }
        if let Some(v) = self.auto_close {
            rule.auto_close = v;
        }
        rule
    }
}

/// What a geofence refers to, once its shape is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Geofence {
    /// A place of the district data set, by id or code.
    Place(String),
    /// A GeoJSON Polygon or MultiPolygon.
    Area(Value),
}

/// Entity types an alert rule may not watch: its own output would feed it.
const UNWATCHABLE_TYPES: [&str; 1] = ["Alert"];

/// Checks a rule's own members (the place of a geofence is looked up by the service).
pub fn check_rule(rule: &Rule) -> Result<Option<Geofence>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = rule.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1 to 100 characters"));
    }
    let t = rule.entity_type.as_str();
    if t.is_empty()
        || t.len() > 256
        || t.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'=;(),|".contains(c))
    {
        errors.push(FieldError::new(
            "entityType",
            "must be one entity type name (e.g. AirQualityObserved)",
        ));
    } else if UNWATCHABLE_TYPES.contains(&t) {
        errors.push(FieldError::new(
            "entityType",
            "alerts are themselves Alert entities; a rule on them would feed itself",
        ));
    }
    match check_q(&rule.q) {
        Ok(()) => {}
        Err(reason) => errors.push(FieldError::new("q", reason)),
    }
    let geofence = match rule.geofence.as_ref().map(check_geofence).transpose() {
        Ok(g) => g,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if errors.is_empty() {
        Ok(geofence)
    } else {
        Err(errors)
    }
}

fn check_q(q: &str) -> Result<(), String> {
    if q.trim().is_empty() || q.len() > 2000 {
        return Err("must be an NGSI-LD q expression of 1 to 2000 characters".into());
    }
    let parsed = yuverse_twin_query::parse_q(q).map_err(|e| e.to_string())?;
    if parsed.has_linked_paths() {
        return Err("linked-entity paths (`rel{attr}`) are not supported in alert rules".into());
    }
    Ok(())
}

fn check_geofence(value: &Value) -> Result<Geofence, FieldError> {
    let object = value.as_object().ok_or_else(|| {
        FieldError::new(
            "geofence",
            "must be {\"placeId\": \"…\"} or a GeoJSON Polygon or MultiPolygon",
        )
    })?;
    if let Some(place) = object.get("placeId") {
        let id = place
            .as_str()
            .filter(|s| !s.trim().is_empty() && object.len() == 1)
            .ok_or_else(|| {
                FieldError::new(
                    "geofence.placeId",
                    "must be the only member, a place id or code",
                )
            })?;
        return Ok(Geofence::Place(id.to_owned()));
    }
    check_area(value)
        .map(|()| Geofence::Area(value.clone()))
        .map_err(|reason| FieldError::new("geofence", reason))
}

/// An area a location can lie within: a valid GeoJSON Polygon or MultiPolygon.
pub fn check_area(value: &Value) -> Result<(), String> {
    match value.get("type").and_then(Value::as_str) {
        Some("Polygon" | "MultiPolygon") => yuverse_twin_geo::geometry_from_geojson(value)
            .map(|_| ())
            .map_err(|e| format!("not a valid GeoJSON geometry: {e}")),
        _ => Err(
            "must be {\"placeId\": \"…\"} or a GeoJSON geometry of type Polygon or MultiPolygon"
                .into(),
        ),
    }
}

/// An alert as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub id: String,
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub entity_id: String,
    pub entity_type: String,
    /// The NGSI-LD tenant of the entity (empty for the default tenant).
    pub tenant: String,
    /// What happened, in Chinese (e.g. `PM2.5 超过 75`).
    pub message: String,
    /// The values of the attributes the rule tests, when the alert was raised.
    #[schema(value_type = Object)]
    pub values: Value,
    /// The entity's location (GeoJSON) when the alert was raised.
    #[schema(value_type = Option<Object>)]
    pub location: Option<Value>,
    pub state: AlertState,
    pub raised_at: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub close_reason: Option<String>,
}

/// `POST /api/v1/twin/alerts/{id}/close`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// Why it is closed (up to 500 characters).
    pub reason: Option<String>,
}

/// Checks a close reason given by a user.
pub fn check_reason(reason: Option<String>) -> Result<Option<String>, FieldError> {
    match reason.map(|r| r.trim().to_owned()) {
        Some(r) if r.chars().count() > 500 => {
            Err(FieldError::new("reason", "must be at most 500 characters"))
        }
        Some(r) if r.is_empty() => Ok(None),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(q: &str, geofence: Option<Value>) -> Rule {
        Rule {
            id: "r".into(),
            name: "PM2.5".into(),
            entity_type: "AirQualityObserved".into(),
            q: q.into(),
            geofence,
            severity: Severity::Warning,
            enabled: true,
            auto_close: true,
            created_at: String::new(),
            created_by: String::new(),
            updated_at: String::new(),
            updated_by: String::new(),
        }
    }

    fn fields(r: Result<Option<Geofence>, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn good_rules_pass_and_bad_members_are_named() {
        assert_eq!(check_rule(&rule("pm25>75", None)).unwrap(), None);
        assert_eq!(fields(check_rule(&rule("pm25>", None))), ["q"]);
        assert_eq!(fields(check_rule(&rule("a{b}==1", None))), ["q"]);
        let mut alert = rule("status==open", None);
        alert.entity_type = "Alert".into();
        assert_eq!(fields(check_rule(&alert)), ["entityType"]);
        let place = check_rule(&rule("pm25>75", Some(json!({"placeId": "p1"}))));
        assert_eq!(place.unwrap(), Some(Geofence::Place("p1".into())));
        let point = json!({"type": "Point", "coordinates": [106.6, 29.7]});
        assert_eq!(
            fields(check_rule(&rule("pm25>75", Some(point)))),
            ["geofence"]
        );
        let open_ring = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]});
        assert_eq!(
            fields(check_rule(&rule("pm25>75", Some(open_ring)))),
            ["geofence"]
        );
        let extra = json!({"placeId": "p1", "radius": 3});
        assert_eq!(
            fields(check_rule(&rule("pm25>75", Some(extra)))),
            ["geofence.placeId"]
        );
    }

    #[test]
    fn a_patch_tells_null_from_absent() {
        let base = rule("pm25>75", Some(json!({"placeId": "p1"})));
        let keep: RulePatch = serde_json::from_value(json!({"name": "x"})).unwrap();
        assert!(keep.apply(base.clone()).geofence.is_some());
        let drop: RulePatch = serde_json::from_value(json!({"geofence": null})).unwrap();
        assert!(drop.apply(base).geofence.is_none());
    }
}
