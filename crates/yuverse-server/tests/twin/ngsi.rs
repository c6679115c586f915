//! A small NGSI-LD client for the tests.

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;

use crate::common::TestApp;

pub const ERRORS: &str = "https://uri.etsi.org/ngsi-ld/errors/";

pub struct Ngsi {
    pub client: Client,
    pub base: String,
    pub key: Option<String>,
    pub tenant: Option<String>,
}

impl Ngsi {
    /// A client holding an API key with twin:write of the demo unit's organisation.
    pub async fn writer(app: &TestApp) -> Ngsi {
        let unit = app.demo("demo-unit").await;
        let org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
        let created: Value = unit
            .post(
                "/api/v1/api-keys",
                serde_json::json!({"name": "twin tests", "organisation_id": org, "permissions": ["twin:read", "twin:write"]}),
            )
            .await
            .json()
            .await
            .unwrap();
        Ngsi {
            client: Client::new(),
            base: app.url("/ngsi-ld/v1"),
            key: Some(created["key"].as_str().unwrap().to_owned()),
            tenant: None,
        }
    }

    pub fn anonymous(app: &TestApp) -> Ngsi {
        Ngsi {
            client: Client::new(),
            base: app.url("/ngsi-ld/v1"),
            key: None,
            tenant: None,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(key) = &self.key {
            r = r.header("x-api-key", key);
        }
        if let Some(t) = &self.tenant {
            r = r.header("NGSILD-Tenant", t);
        }
        r
    }

    pub async fn send_json(&self, method: Method, path: &str, body: &Value) -> Response {
        self.request(method, path)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send_json(Method::POST, path, body).await
    }

    /// Creates a temporal representation, asserting 201.
    pub async fn create_temporal(&self, body: &Value) -> Response {
        let r = self.post("/temporal/entities", body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "POST /temporal/entities");
        r
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path).send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.unwrap()
    }
}

/// The ids of a list of entities, in the list's order.
pub fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect()
}

/// The ids of a list of entities, sorted (for answers whose order is not the point).
pub fn sorted_ids(list: &Value) -> Vec<&str> {
    let mut ids = ids(list);
    ids.sort();
    ids
}

/// Asserts an NGSI-LD error of this kind and status.
pub async fn expect_error(r: Response, status: StatusCode, kind: &str) -> Value {
    assert_eq!(r.status(), status, "status");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], format!("{ERRORS}{kind}"), "{body}");
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

/// Asserts that each body, posted to `/temporal/entities`, is refused as BadRequestData and
/// that none of them wrote anything: afterwards there is no temporal entity `id`.
pub async fn refused_writes_nothing(ngsi: &Ngsi, id: &str, bodies: &[Value]) {
    for body in bodies {
        expect_error(
            ngsi.post("/temporal/entities", body).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    expect_error(
        ngsi.get(&format!("/temporal/entities/{id}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}
