use chrono::NaiveDateTime;
use diesel::prelude::*;

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
