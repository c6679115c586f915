//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yuverse API",
        description = "渝北区元宇宙先导试验区平台 · the platform API of the Yubei District Metaverse Pilot Zone. \
                       Errors are RFC 9457 problem+json. Sign in with POST /api/v1/auth/login (cookie or bearer token); \
                       devices and integrations use API keys.",
        license(name = "Apache-2.0")
    ),
    tags(
        (name = "auth", description = "Sign-in and sessions"),
        (name = "me", description = "The signed-in user"),
        (name = "users", description = "User accounts"),
        (name = "organisations", description = "Organisations: units, park companies, enterprises, institutions"),
        (name = "api-keys", description = "API keys for devices and integrations"),
        (name = "roles", description = "Roles and permissions"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "places", description = "Parks, areas and scenario sites of the district"),
        (name = "twin-devices", description = "MQTT devices of the digital twin (FIWARE IoT Agent JSON convention)"),
        (name = "twin-live", description = "The twin's committed changes as Server-Sent Events"),
        (name = "plan", description = "Plan supervision (督办): the action plan, work items, reports, indicators, the cockpit"),
        (name = "notifications", description = "In-app notifications of the signed-in user"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;
