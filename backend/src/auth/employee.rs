//! The extractor for employee calls: a valid access token of a session that is still open,
//! for an employee who is active and not deleted. An open session is remembered in the read
//! cache (`db::read_cache`) until something changes the employee or their sessions.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use diesel::prelude::*;

use super::employer_client::bearer_token;
use super::tokens::Stage;
use crate::db::schema::{employees, refresh_tokens};
use crate::error::ApiError;
use crate::state::AppState;

/// An employee with a full access token: every employee route but enrolment takes this.
pub struct AuthenticatedEmployee {
    pub employee_id: String,
    pub employer_id: String,
    pub session_id: String,
}

/// An employee whose token may still be limited to enrolling a second factor (the employer
/// requires one and the login has none yet): the few routes that lead through enrolment.
pub struct EnrollingEmployee {
    pub employee_id: String,
    pub employer_id: String,
    pub session_id: String,
    pub stage: Stage,
}

impl FromRequest for AuthenticatedEmployee {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let session = authenticate(req, false);
        Box::pin(async move {
            let session = session.await?;
            Ok(AuthenticatedEmployee {
                employee_id: session.employee_id,
                employer_id: session.employer_id,
                session_id: session.session_id,
            })
        })
    }
}

impl FromRequest for EnrollingEmployee {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        Box::pin(authenticate(req, true))
    }
}

/// The token is checked before the first wait (see `employer_client::verify`): its 401 or 403
/// comes before any error of the body extractors actix polls alongside.
fn authenticate(
    req: &HttpRequest,
    allow_enrolment: bool,
) -> impl Future<Output = Result<EnrollingEmployee, ApiError>> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = bearer_token(req).map(str::to_owned);
    async move {
        let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing")))?;
        let token = token.ok_or_else(ApiError::missing_bearer)?;
        let claims = state.tokens.verify_employee_token(&token).map_err(|e| {
            ApiError::bearer_challenge(format!("The access token is not valid: {e}."))
        })?;
        let stage = claims.stage();
        if stage == Stage::Enrolment && !allow_enrolment {
            return Err(ApiError::MfaEnrolmentRequired);
        }
        let (employee_id, employer_id, session_id) = (claims.sub, claims.emp, claims.sid);
        let reads = state.db.reads();
        if reads.session_is_open(&employee_id, &employer_id, &session_id) {
            return Ok(EnrollingEmployee {
                employee_id,
                employer_id,
                session_id,
                stage,
            });
        }
        let ticket = reads.ticket();
        // One query on the blocking pool: the session family is open and its employee is
        // activated and not deleted.
        let valid = state
            .db
            .run({
                let (employee_id, employer_id, session_id) =
                    (employee_id.clone(), employer_id.clone(), session_id.clone());
                move |conn| {
                    let open_tokens = refresh_tokens::table
                        .inner_join(employees::table)
                        .filter(refresh_tokens::family_id.eq(&session_id))
                        .filter(refresh_tokens::revoked_at.is_null())
                        .filter(employees::id.eq(&employee_id))
                        .filter(employees::employer_id.eq(&employer_id))
                        .filter(employees::deleted_at.is_null())
                        .filter(employees::activated_at.is_not_null())
                        .count()
                        .get_result::<i64>(conn)?;
                    Ok(open_tokens > 0)
                }
            })
            .await?;
        if !valid {
            return Err(ApiError::bearer_challenge(
                "The session has ended; log in again.",
            ));
        }
        reads.remember_session(ticket, &employee_id, &employer_id, &session_id);
        Ok(EnrollingEmployee {
            employee_id,
            employer_id,
            session_id,
            stage,
        })
    }
}
