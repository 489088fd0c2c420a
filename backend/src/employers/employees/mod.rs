//! The employer's employee API: list, create, change, delete, idempotent upsert by external
//! id, and bulk sync of up to 10,000 rows.

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(_cfg: &mut ServiceConfig) {}
