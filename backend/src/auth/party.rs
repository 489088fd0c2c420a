//! Whom an API client acts for (SPEC §9): one employer, or an arbodienst acting for every
//! employer linked to it — for as long as the link lasts, so every request asks the database
//! again and an employer that unlinks its arbodienst ends that access at once.

use diesel::prelude::*;

use crate::db::schema::employers;
use crate::db::DbConnection;
use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    Employer(String),
    Arbodienst(String),
}

impl Party {
    pub fn employer_id(&self) -> Option<&str> {
        match self {
            Party::Employer(id) => Some(id),
            Party::Arbodienst(_) => None,
        }
    }

    pub fn arbodienst_id(&self) -> Option<&str> {
        match self {
            Party::Employer(_) => None,
            Party::Arbodienst(id) => Some(id),
        }
    }

    /// The employers this party may act for now.
    pub fn employer_ids(&self, conn: &mut DbConnection) -> QueryResult<Vec<String>> {
        match self {
            Party::Employer(id) => Ok(vec![id.clone()]),
            Party::Arbodienst(id) => employers::table
                .filter(employers::arbodienst_id.eq(id))
                .select(employers::id)
                .order(employers::id)
                .load(conn),
        }
    }

    /// `employer_id` when this party may act for it now; 404 otherwise, exactly as for an
    /// employer that does not exist.
    pub fn acting_for(
        &self,
        conn: &mut DbConnection,
        employer_id: &str,
    ) -> Result<String, ApiError> {
        let reaches = match self {
            Party::Employer(id) => id == employer_id,
            Party::Arbodienst(id) => {
                employers::table
                    .filter(employers::id.eq(employer_id))
                    .filter(employers::arbodienst_id.eq(id))
                    .count()
                    .get_result::<i64>(conn)?
                    == 1
            }
        };
        if reaches {
            Ok(employer_id.to_string())
        } else {
            Err(ApiError::NotFound)
        }
    }

    /// The employer a record belongs to, when this party may act for it. `employer_of` looks
    /// the record's employer up (`None`: no such record); an employer's own client needs no
    /// lookup — its queries filter on its own employer, so a foreign record stays a 404.
    pub fn employer_of_record(
        &self,
        conn: &mut DbConnection,
        employer_of: impl FnOnce(&mut DbConnection) -> QueryResult<Option<String>>,
    ) -> Result<String, ApiError> {
        match self {
            Party::Employer(id) => Ok(id.clone()),
            Party::Arbodienst(_) => {
                let employer_id = employer_of(conn)?.ok_or(ApiError::NotFound)?;
                self.acting_for(conn, &employer_id)
            }
        }
    }

    /// The employers a list covers: those the party may act for, or the one `requested` in
    /// `?employer_id=` (404 when the party may not act for it).
    pub fn employers_listed(
        &self,
        conn: &mut DbConnection,
        requested: Option<&str>,
    ) -> Result<Vec<String>, ApiError> {
        match requested {
            Some(employer_id) => Ok(vec![self.acting_for(conn, employer_id)?]),
            None => Ok(self.employer_ids(conn)?),
        }
    }
}
