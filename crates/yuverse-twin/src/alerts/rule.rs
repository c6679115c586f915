//! A rule compiled for evaluation on stored entities: names expanded with the core @context,
//! the geofence as a `within` geo-query on `location`, and the Chinese message. No I/O.

use serde_json::{Map, Value};
use yuverse_twin_geo::{GeoQuery, GeoRel};
use yuverse_twin_query::{CompareOp, Expr, Literal, Operand, Query, Term};

use super::model::{Rule, Severity};
use crate::domain::entity::{doc, types_of};
use crate::domain::Vocabulary;

/// A rule as stored: the rule, and for a geofence the area it stands for and the place's name.
#[derive(Debug, Clone)]
pub struct StoredRule {
    pub rule: Rule,
    pub area: Option<Value>,
    pub place_name: Option<String>,
}

#[derive(Debug)]
pub struct CompiledRule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub auto_close: bool,
    pub entity_type: String,
    pub type_iri: String,
    query: Query,
    geo: Option<GeoQuery>,
    location_iri: String,
    /// The attributes the rule tests: (short name, expanded name).
    attributes: Vec<(String, String)>,
    message: String,
}

impl CompiledRule {
    /// Compiles a stored rule (checked when it was written); `None` if it no longer parses.
    pub fn compile(stored: &StoredRule, vocab: &dyn Vocabulary) -> Option<CompiledRule> {
        let rule = &stored.rule;
        let short = yuverse_twin_query::parse_q(&rule.q).ok()?;
        let mut query = short.clone();
        query.map_attribute_names(&mut |n| vocab.expand(n));
        let location_iri = vocab.expand("location");
        let geo = match &stored.area {
            Some(area) => Some(GeoQuery {
                georel: GeoRel::Within,
                geometry: yuverse_twin_geo::geometry_from_geojson(area).ok()?,
                geoproperty: location_iri.clone(),
            }),
            None => None,
        };
        let attributes = short
            .attribute_names()
            .into_iter()
            .map(|n| (n.to_owned(), vocab.expand(n)))
            .collect();
        Some(CompiledRule {
            id: rule.id.clone(),
            name: rule.name.clone(),
            severity: rule.severity,
            auto_close: rule.auto_close,
            entity_type: rule.entity_type.clone(),
            type_iri: vocab.expand(&rule.entity_type),
            message: message(
                &rule.name,
                &rule.q,
                short.expr(),
                stored.place_name.as_deref(),
            ),
            query,
            geo,
            location_iri,
            attributes,
        })
    }

    /// Whether a stored entity matches: its type, q, and location within the geofence.
    pub fn matches(&self, entity: &Value) -> bool {
        if !types_of(doc(entity)).contains(&self.type_iri.as_str()) || !self.query.matches(entity) {
            return false;
        }
        match &self.geo {
            None => true,
            Some(geo) => self
                .location(entity)
                .is_some_and(|l| geo.matches_geojson(&l)),
        }
    }

    /// The entity's `location` value (GeoJSON), if it has one.
    pub fn location(&self, entity: &Value) -> Option<Value> {
        first_instance(entity, &self.location_iri)?
            .get("value")
            .cloned()
    }

    /// The values of the tested attributes, by short name.
    pub fn values(&self, entity: &Value) -> Value {
        let mut out = Map::new();
        for (short, iri) in &self.attributes {
            let Some(instance) = first_instance(entity, iri) else {
                continue;
            };
            let value = [
                "value",
                "object",
                "languageMap",
                "vocab",
                "valueList",
                "json",
            ]
            .iter()
            .find_map(|m| instance.get(*m));
            if let Some(v) = value {
                out.insert(short.clone(), v.clone());
            }
        }
        Value::Object(out)
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

fn first_instance<'a>(entity: &'a Value, iri: &str) -> Option<&'a Value> {
    doc(entity).get(iri)?.as_array()?.first()
}

/// How an attribute is named in messages, and whether it is a ratio shown as a percentage.
fn label(attribute: &str) -> (&str, bool) {
    match attribute {
        "pm25" => ("PM2.5", false),
        "pm10" => ("PM10", false),
        "no2" => ("二氧化氮", false),
        "so2" => ("二氧化硫", false),
        "o3" => ("臭氧", false),
        "co" => ("一氧化碳", false),
        "airQualityIndex" => ("空气质量指数", false),
        "occupancy" => ("占用率", true),
        "peopleCount" => ("人数", false),
        "temperature" => ("温度", false),
        "relativeHumidity" => ("相对湿度", true),
        "intensity" => ("车流量", false),
        "LAeq" => ("噪声", false),
        other => (other, false),
    }
}

fn verb(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Gt => "超过",
        CompareOp::Ge => "达到",
        CompareOp::Lt => "低于",
        CompareOp::Le => "不高于",
        CompareOp::Eq => "等于",
        CompareOp::Ne => "不等于",
    }
}

fn literal_text(literal: &Literal, percent: bool) -> String {
    match (literal, percent) {
        (Literal::Number(n), true) => match n.as_f64() {
            Some(f) => format!("{}%", trim_number(f * 100.0)),
            None => n.to_string(),
        },
        (Literal::Number(n), false) => n.to_string(),
        (other, _) => match other.to_json() {
            Value::String(s) => s,
            v => v.to_string(),
        },
    }
}

/// `95.00000000000001` → `95`: ratios times 100 pick up floating-point noise.
fn trim_number(f: f64) -> String {
    let rounded = (f * 1000.0).round() / 1000.0;
    let text = format!("{rounded:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The comparisons of a conjunction, in words; `None` when the expression has other terms.
fn describe(expr: &Expr, out: &mut Vec<String>) -> Option<()> {
    match expr {
        Expr::And(children) => children.iter().try_for_each(|c| describe(c, out)),
        Expr::Term(Term::Compare {
            path,
            op,
            operand: Operand::Single(literal),
        }) if path.is_simple() => {
            let (name, percent) = label(&path.name);
            out.push(format!(
                "{name} {} {}",
                verb(*op),
                literal_text(literal, percent)
            ));
            Some(())
        }
        _ => None,
    }
}

/// `PM2.5 超过 75`; `铜锣山矿山公园：人数 超过 3000`; otherwise the rule name and its q.
fn message(name: &str, q: &str, expr: &Expr, place: Option<&str>) -> String {
    let mut parts = Vec::new();
    let text = match describe(expr, &mut parts) {
        Some(()) => parts.join("，"),
        None => format!("{name}（{q}）"),
    };
    match place {
        Some(place) => format!("{place}：{text}"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocabulary::Identity;
    use serde_json::json;

    fn stored(q: &str, area: Option<Value>, place: Option<&str>) -> StoredRule {
        StoredRule {
            rule: Rule {
                id: "r1".into(),
                name: "人流超限".into(),
                entity_type: "CrowdFlowObserved".into(),
                q: q.into(),
                geofence: None,
                severity: Severity::Critical,
                enabled: true,
                auto_close: true,
                created_at: String::new(),
                created_by: String::new(),
                updated_at: String::new(),
                updated_by: String::new(),
            },
            area,
            place_name: place.map(str::to_owned),
        }
    }

    fn entity(count: i64, lon: f64) -> Value {
        json!({
            "id": "urn:ngsi-ld:CrowdFlowObserved:1",
            "type": ["CrowdFlowObserved"],
            "peopleCount": [{"type": "Property", "value": count}],
            "location": [{"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, 0.5]}}]
        })
    }

    #[test]
    fn matches_type_q_and_geofence() {
        let square =
            json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]});
        let rule = CompiledRule::compile(&stored("peopleCount>100", Some(square), None), &Identity)
            .unwrap();
        assert!(rule.matches(&entity(150, 0.5)));
        assert!(!rule.matches(&entity(50, 0.5)));
        assert!(!rule.matches(&entity(150, 2.0)), "outside the geofence");
        let mut other = entity(150, 0.5);
        other["type"] = json!(["Parking"]);
        assert!(!rule.matches(&other));
        assert_eq!(rule.values(&entity(150, 0.5)), json!({"peopleCount": 150}));
    }

    #[test]
    fn messages_read_as_chinese_sentences() {
        let m = |q: &str, place| {
            CompiledRule::compile(&stored(q, None, place), &Identity)
                .unwrap()
                .message()
                .to_owned()
        };
        assert_eq!(m("pm25>75", None), "PM2.5 超过 75");
        assert_eq!(m("occupancy>0.95", None), "占用率 超过 95%");
        assert_eq!(
            m("peopleCount>3000", Some("铜锣山矿山公园")),
            "铜锣山矿山公园：人数 超过 3000"
        );
        assert_eq!(m("pm25>75;pm10>=150", None), "PM2.5 超过 75，PM10 达到 150");
        assert_eq!(m("pm25>75|pm10>150", None), "人流超限（pm25>75|pm10>150）");
    }
}
