//! The route table and the OpenAPI document. The document is collected from the handlers that
//! are actually registered here, so it cannot list a route the server lacks or miss one it has.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::App;
use utoipa_actix_web::AppExt;

use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

use crate::{absences, accounts, arbodienst, dossier, employers, events, operations};

use crate::auth::Scope;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Verzuim API",
        description = include_str!("routes/integration_guide.md"),
        license(name = "EUPL-1.2", identifier = "EUPL-1.2")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Tokens for employer systems (OAuth 2.0 client credentials)"),
        (name = "sessions", description = "Employee login (one login per person, with a second factor), refresh, switching employment, logout and password reset"),
        (name = "activation", description = "An employee's first visit: the identity check of an invitation, then choosing a password"),
        (name = "profile", description = "The employee's own data, language, notification preference and password"),
        (name = "security", description = "The employee's second factors: an authenticator app (TOTP) and its recovery codes"),
        (name = "employer", description = "The calling client's own employer"),
        (name = "arbodienst", description = "The calling arbodienst client's own arbodienst, the employers it acts for, and their event feed"),
        (name = "employees", description = "The employer's employees: single, upsert by external id, and bulk sync"),
        (name = "absences", description = "Sick reports, recovery, corrections and the Poortwachter timeline"),
        (name = "operations", description = "Health and readiness"),
        (name = "webhooks", description = "Signed webhook endpoints (Standard Webhooks) and their delivery attempts"),
        (name = "events", description = "The durable, ordered event feed: the same events as the webhooks"),
        (name = "audit", description = "The append-only audit log: who read or changed which absence or document"),
        (name = "documents", description = "The re-integration dossier: documents published by employer and arbodienst, and the employee's view of the visible ones"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scopes = Scopes::from_iter(
            Scope::ALL
                .into_iter()
                .map(|s| (s.as_str().to_string(), scope_description(s).to_string())),
        );
        components.add_security_scheme(
            "employer_oauth",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/api/v1/oauth/token",
                    scopes,
                ))],
                "Employer systems and the arbodienst: client id and secret from the operator.",
            )),
        );
        components.add_security_scheme(
            "employee_bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Employees: access token from /api/v1/auth/login."))
                    .build(),
            ),
        );
    }
}

fn scope_description(scope: Scope) -> &'static str {
    match scope {
        Scope::EmployeesRead => "Read employees",
        Scope::EmployeesWrite => {
            "Create, change and delete employees; invite; change the employer's details"
        }
        Scope::AbsencesRead => "Read absences and timelines",
        Scope::AbsencesWrite => "Report, correct, recover and cancel absences",
        Scope::DocumentsRead => "Read dossier documents",
        Scope::DocumentsWrite => "Publish, change and delete dossier documents",
        Scope::WebhooksManage => "Manage webhooks and read the event feed",
        Scope::PoortwachterWrite => "Record Poortwachter steps done outside the dossier",
    }
}

/// The whole document, as served at `/api/openapi.json` and printed by `verzuim openapi`.
pub fn document() -> utoipa::openapi::OpenApi {
    api_app().1
}

pub fn document_yaml() -> anyhow::Result<String> {
    Ok(document().to_yaml()?)
}

/// The API routes, registered once for both the server and the OpenAPI document.
pub fn api_app() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let (app, mut document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(operations::health)
        .service(operations::ready)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(employers::routes)
                .configure(arbodienst::routes)
                .configure(accounts::routes)
                .configure(absences::routes)
                .configure(dossier::routes)
                .configure(events::routes)
                .configure(crate::audit::routes)
                // Idempotency-Key on the employer API's POSTs (acts only on employer tokens).
                .wrap(actix_web::middleware::from_fn(
                    crate::web::idempotency::middleware,
                )),
        )
        .split_for_parts();
    crate::web::openapi::apply_shared_rules(&mut document);
    (app, document)
}
