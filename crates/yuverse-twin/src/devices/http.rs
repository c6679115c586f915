//! `/api/v1/twin/devices`: device provisioning (platform API style: problem+json errors,
//! `ApiJson`, OpenAPI).

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error, PageQuery, Paged};
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use super::{CommandRequest, CommandSent, DeviceView, Devices, NewDevice};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Devices: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_devices, create_device))
        .routes(routes!(get_device, delete_device))
        .routes(routes!(send_command))
}

/// Devices the caller may manage (all, or their organisation's), with their status.
#[utoipa::path(get, path = "/api/v1/twin/devices", tag = "twin-devices", params(PageQuery),
    responses((status = 200, body = Paged<DeviceView>), (status = 401, body = Problem),
              (status = 403, body = Problem)))]
async fn list_devices(
    State(devices): State<Devices>,
    auth: Authenticated,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Paged<DeviceView>>, Error> {
    let page = page.validate()?;
    Ok(ApiJson(devices.list(&auth.actor, page).await?))
}

/// Provision a device (FIWARE IoT Agent JSON convention): its measures on
/// `/{api_key_id}/{device_id}/attrs` go to the entity `entity_name`.
#[utoipa::path(post, path = "/api/v1/twin/devices", tag = "twin-devices", request_body = NewDevice,
    responses((status = 201, body = DeviceView), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_device(
    State(devices): State<Devices>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewDevice>,
) -> Result<(StatusCode, ApiJson<DeviceView>), Error> {
    let created = devices.create(&auth.actor, body).await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// A device with its ingestion status (messages received, errors, last error, last seen).
#[utoipa::path(get, path = "/api/v1/twin/devices/{id}", tag = "twin-devices",
    responses((status = 200, body = DeviceView), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn get_device(
    State(devices): State<Devices>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<DeviceView>, Error> {
    Ok(ApiJson(devices.get(&auth.actor, &id).await?))
}

/// Delete a device; its entity and history stay in the twin.
#[utoipa::path(delete, path = "/api/v1/twin/devices/{id}", tag = "twin-devices",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_device(
    State(devices): State<Devices>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    devices.delete(&auth.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a command: published as `{"<command>": <value>}` on `/{api_key_id}/{device_id}/cmd`;
/// the entity's `<command>_status` becomes `PENDING` until the device answers on `/cmdexe`.
#[utoipa::path(post, path = "/api/v1/twin/devices/{id}/commands", tag = "twin-devices",
    request_body = CommandRequest,
    responses((status = 202, body = CommandSent), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem),
              (status = 503, body = Problem)))]
async fn send_command(
    State(devices): State<Devices>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CommandRequest>,
) -> Result<(StatusCode, ApiJson<CommandSent>), Error> {
    let sent = devices.command(&auth.actor, &id, body).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(sent)))
}
