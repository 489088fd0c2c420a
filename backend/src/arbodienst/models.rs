use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::arbodiensten;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = arbodiensten)]
pub struct Arbodienst {
    pub id: String,
    pub name: String,
    pub email: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The calling client's arbodienst.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArbodienstResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    /// Receives the absence and answer e-mails of every linked employer.
    pub email: String,
    /// The employers linked to it now, by name.
    pub employers: Vec<EmployerServed>,
}

/// An employer the arbodienst acts for.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerServed {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
}
