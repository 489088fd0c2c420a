//! The extractor for employer API calls: a valid client token, a client that still exists and
//! is not revoked, and the scope the handler names in its signature.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use diesel::prelude::*;

use super::party::Party;
use super::scopes::{AnyScope, RequiredScope, Scope, ScopeSet};
use crate::db::schema::api_clients;
use crate::error::ApiError;
use crate::state::AppState;

/// A client of one employer: the only kind that may manage employees, webhooks, the employer
/// itself or its audit log. An arbodienst's token is refused here with 403.
pub struct EmployerClient<S: RequiredScope = AnyScope> {
    pub client_id: String,
    pub employer_id: String,
    pub scopes: ScopeSet,
    required: PhantomData<S>,
}

/// A client of an arbodienst, for the calls about the arbodienst itself (`/arbodienst/...`).
pub struct ArbodienstClient<S: RequiredScope = AnyScope> {
    pub client_id: String,
    pub arbodienst_id: String,
    pub scopes: ScopeSet,
    required: PhantomData<S>,
}

/// A client working on the case: an employer's own, or one of the arbodienst linked to it
/// (SPEC §9). What it may reach is [`Party`]'s to say, asked again on every request.
pub struct CaseClient<S: RequiredScope = AnyScope> {
    pub client_id: String,
    pub party: Party,
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
    pub party: Party,
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
    party: Party,
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
    let party = match (claims.emp, claims.arb) {
        (Some(employer_id), None) => Party::Employer(employer_id),
        (None, Some(arbodienst_id)) => Party::Arbodienst(arbodienst_id),
        _ => {
            return Err(ApiError::bearer_challenge(
                "The access token names no single party.",
            ))
        }
    };
    Ok(VerifiedToken {
        client_id: claims.sub,
        party,
        generation: claims.gen,
        scopes,
    })
}

impl VerifiedToken {
    /// The client still exists, is not revoked and has not rotated its secret since.
    pub async fn still_valid(self, state: &AppState) -> Result<ValidClient, ApiError> {
        let (client_id, party, generation) =
            (self.client_id.clone(), self.party.clone(), self.generation);
        let still_valid = state
            .db
            .run(move |conn| {
                let clients = api_clients::table
                    .filter(api_clients::id.eq(&client_id))
                    .into_boxed();
                let of_party = match &party {
                    Party::Employer(id) => clients.filter(api_clients::employer_id.eq(id)),
                    Party::Arbodienst(id) => clients.filter(api_clients::arbodienst_id.eq(id)),
                };
                let found = of_party
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
            party: self.party,
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

/// Which party's clients a call is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallFor {
    Employer,
    Arbodienst,
    Either,
}

impl CallFor {
    fn refusal(self) -> ApiError {
        ApiError::Forbidden(
            match self {
                CallFor::Employer => {
                    "This call is for an employer's own API clients; an arbodienst's client \
                     cannot make it."
                }
                _ => "This call is for an arbodienst's API clients.",
            }
            .into(),
        )
    }

    fn admits(self, party: &Party) -> bool {
        match self {
            CallFor::Employer => matches!(party, Party::Employer(_)),
            CallFor::Arbodienst => matches!(party, Party::Arbodienst(_)),
            CallFor::Either => true,
        }
    }
}

/// The checks both extractors make, cheapest first: the token and its scope before the
/// database is asked whether the client may still use it; another party's token is refused
/// (403) before any database work.
fn authorise(
    req: &HttpRequest,
    required: Option<Scope>,
    call_for: CallFor,
) -> Pin<Box<dyn Future<Output = Result<ValidClient, ApiError>>>> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = bearer_token(req).map(str::to_owned);
    let req = req.clone();
    Box::pin(async move {
        let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing")))?;
        let token = token.ok_or_else(ApiError::missing_bearer)?;
        let verified = verify(&state, &token)?;
        if !call_for.admits(&verified.party) {
            return Err(call_for.refusal());
        }
        require_scope(&verified.scopes, required)?;
        let client = verified.still_valid(&state).await?;
        req.extensions_mut().insert(AuthorisedFor(required));
        Ok(client)
    })
}

impl<S: RequiredScope + 'static> FromRequest for EmployerClient<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let authorised = authorise(req, S::SCOPE, CallFor::Employer);
        Box::pin(async move {
            let client = authorised.await?;
            let Party::Employer(employer_id) = client.party else {
                return Err(CallFor::Employer.refusal());
            };
            Ok(EmployerClient {
                client_id: client.client_id,
                employer_id,
                scopes: client.scopes,
                required: PhantomData,
            })
        })
    }
}

impl<S: RequiredScope + 'static> FromRequest for CaseClient<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let authorised = authorise(req, S::SCOPE, CallFor::Either);
        Box::pin(async move {
            let client = authorised.await?;
            Ok(CaseClient {
                client_id: client.client_id,
                party: client.party,
                scopes: client.scopes,
                required: PhantomData,
            })
        })
    }
}

impl<S: RequiredScope + 'static> FromRequest for ArbodienstClient<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let authorised = authorise(req, S::SCOPE, CallFor::Arbodienst);
        Box::pin(async move {
            let client = authorised.await?;
            let Party::Arbodienst(arbodienst_id) = client.party else {
                return Err(CallFor::Arbodienst.refusal());
            };
            Ok(ArbodienstClient {
                client_id: client.client_id,
                arbodienst_id,
                scopes: client.scopes,
                required: PhantomData,
            })
        })
    }
}
