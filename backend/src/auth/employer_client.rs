//! The extractor for employer API calls: a valid client token, a client that still exists and
//! is not revoked, and the scope the handler names in its signature.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use diesel::prelude::*;

use super::scopes::{AnyScope, RequiredScope, Scope, ScopeSet};
use crate::db::schema::api_clients;
use crate::error::ApiError;
use crate::state::AppState;

pub struct EmployerClient<S: RequiredScope = AnyScope> {
    pub client_id: String,
    pub employer_id: String,
    pub scopes: ScopeSet,
    required: PhantomData<S>,
}

/// The raw Bearer credential, if the request carries one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A client token that is valid now: signature, audience and expiry, a client that still
/// exists, is not revoked and has not rotated its secret since.
pub struct ValidClient {
    pub client_id: String,
    pub employer_id: String,
    pub scopes: ScopeSet,
}

/// Checks `token` as the extractor does, for the Idempotency-Key middleware too: a replay is
/// served only to a caller who may make the request now.
pub async fn authenticate(state: &AppState, token: &str) -> Result<ValidClient, ApiError> {
    verify(state, token)?.still_valid(state).await
}

/// A token whose signature, audience, expiry and scopes check out; whether its client may
/// still use it needs the database ([`VerifiedToken::still_valid`]).
pub struct VerifiedToken {
    client_id: String,
    employer_id: String,
    generation: i32,
    scopes: ScopeSet,
}

/// The checks that need no database. The extractor runs them (and the scope check) before its
/// first wait, so that their 401 or 403 comes before any error of the body or query
/// extractors, which actix polls alongside it.
pub fn verify(state: &AppState, token: &str) -> Result<VerifiedToken, ApiError> {
    let claims = state
        .tokens
        .verify_client_token(token)
        .map_err(|e| ApiError::bearer_challenge(format!("The access token is not valid: {e}.")))?;
    let scopes = ScopeSet::parse(&claims.scope)
        .map_err(|_| ApiError::bearer_challenge("The access token names an unknown scope."))?;
    Ok(VerifiedToken {
        client_id: claims.sub,
        employer_id: claims.emp,
        generation: claims.gen,
        scopes,
    })
}

impl VerifiedToken {
    /// The client still exists, is not revoked and has not rotated its secret since.
    pub async fn still_valid(self, state: &AppState) -> Result<ValidClient, ApiError> {
        let (client_id, employer_id, generation) = (
            self.client_id.clone(),
            self.employer_id.clone(),
            self.generation,
        );
        let still_valid = state
            .db
            .run(move |conn| {
                let found = api_clients::table
                    .filter(api_clients::id.eq(&client_id))
                    .filter(api_clients::employer_id.eq(&employer_id))
                    .filter(api_clients::revoked_at.is_null())
                    .filter(api_clients::token_generation.eq(generation))
                    .count()
                    .get_result::<i64>(conn)?;
                Ok(found == 1)
            })
            .await?;
        if !still_valid {
            return Err(ApiError::bearer_challenge(
                "The access token was revoked; fetch a new one.",
            ));
        }
        Ok(ValidClient {
            client_id: self.client_id,
            employer_id: self.employer_id,
            scopes: self.scopes,
        })
    }
}

/// 403 unless `scopes` holds `required`.
pub fn require_scope(scopes: &ScopeSet, required: Option<Scope>) -> Result<(), ApiError> {
    match required {
        Some(scope) if !scopes.contains(scope) => Err(ApiError::Forbidden(format!(
            "This call needs the scope `{}`, which this token does not carry.",
            scope.as_str()
        ))),
        _ => Ok(()),
    }
}

/// Left in the request's extensions by the extractor once the caller is authorised: the scope
/// the handler demanded. The Idempotency-Key middleware keeps a response only when it is there,
/// and asks a replay's caller for the same scope.
#[derive(Debug, Clone, Copy)]
pub struct AuthorisedFor(pub Option<Scope>);

impl<S: RequiredScope + 'static> FromRequest for EmployerClient<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing")))?;
            let token = token.ok_or_else(ApiError::missing_bearer)?;
            let verified = verify(&state, &token)?;
            require_scope(&verified.scopes, S::SCOPE)?;
            let client = verified.still_valid(&state).await?;
            req.extensions_mut().insert(AuthorisedFor(S::SCOPE));
            Ok(EmployerClient {
                client_id: client.client_id,
                employer_id: client.employer_id,
                scopes: client.scopes,
                required: PhantomData,
            })
        })
    }
}
