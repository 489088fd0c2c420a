//! The operator's service message shown on the login and help pages (SPEC §2.12).

use actix_web::{get, web};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::service_status;
use crate::db::{now, DbConnection};
use crate::error::{ApiError, ServiceUnavailable};
use crate::state::AppState;

const ROW: i32 = 1;

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceStatus {
    /// The operator's message; `null` means no known disruptions.
    pub message: Option<String>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn read(conn: &mut DbConnection) -> Result<ServiceStatus, ApiError> {
    let row = service_status::table
        .find(ROW)
        .select((service_status::message, service_status::updated_at))
        .first::<(Option<String>, chrono::NaiveDateTime)>(conn)
        .optional()?;
    Ok(match row {
        Some((message, updated_at)) => ServiceStatus {
            message,
            updated_at: Some(updated_at.and_utc()),
        },
        None => ServiceStatus {
            message: None,
            updated_at: None,
        },
    })
}

/// Sets (`Some`) or clears (`None`) the message.
pub fn write(conn: &mut DbConnection, message: Option<&str>) -> Result<ServiceStatus, ApiError> {
    let message = message.map(str::trim).filter(|m| !m.is_empty());
    if message.is_some_and(|m| m.chars().count() > 500) {
        return Err(ApiError::invalid(
            "message",
            "must be at most 500 characters",
        ));
    }
    let at = now();
    crate::db::write_transaction(conn, |conn| {
        let updated = diesel::update(service_status::table.find(ROW))
            .set((
                service_status::message.eq(message),
                service_status::updated_at.eq(at),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(service_status::table)
                .values((
                    service_status::id.eq(ROW),
                    service_status::message.eq(message),
                    service_status::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        read(conn)
    })
}

/// Current service status; public.
///
/// The operator's message (`verzuim status set --message …`), or none when there are no known
/// disruptions. The login and help pages show it.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = ServiceStatus),
        ServiceUnavailable,
    )
)]
#[get("/status")]
pub async fn get_status(state: web::Data<AppState>) -> Result<web::Json<ServiceStatus>, ApiError> {
    Ok(web::Json(state.db.run(read).await?))
}
