//! The employee's dossier: the documents made visible to them. Hidden and foreign documents
//! answer 404 on every route, exactly as ones that do not exist.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::download::{download, DownloadResponses};
use super::models::{
    MyDocument, MyDocumentPage, ResponseRequest, ResponseView, OWN_VIEW_MAX_CHARS,
};
use super::queries::{self, ListFilter, Owner, Position};
use crate::audit::Actor;
use crate::auth::AuthenticatedEmployee;
use crate::error::{
    ApiError, Conflict, Invalid, NotFound, RangeNotSatisfiable, StepUpRequired, Unauthorized,
};
use crate::state::AppState;
use crate::web::page::{Cursor, NoFilter, PageQuery, Paged};

/// The employee's dossier: the documents made visible to them, newest first.
///
/// Hidden documents are not listed, counted or downloadable. Each carries title, category, date
/// and the author's role; the content is at `/api/v1/me/documents/{id}/content`.
#[utoipa::path(
    operation_id = "list_my_documents",
    tag = "documents",
    security(("employee_bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = MyDocumentPage),
        Invalid,
        Unauthorized,
    )
)]
#[get("/me/documents")]
pub async fn list_mine(
    employee: AuthenticatedEmployee,
    query: Paged<NoFilter, Position>,
    state: web::Data<AppState>,
) -> Result<web::Json<MyDocumentPage>, ApiError> {
    let Paged { limit, after, .. } = query;
    let page = state
        .db
        .run(move |conn| {
            let filter = ListFilter {
                employer_id: employee.employer_id,
                employee_id: employee.employee_id,
                category: None,
                visible: Some(true),
                after,
                limit,
            };
            let (rows, next) = queries::list(conn, &filter)?;
            let ids: Vec<String> = rows.iter().map(|d| d.id.clone()).collect();
            let mut responses = queries::responses_to(conn, &ids)?;
            Ok(MyDocumentPage {
                items: rows
                    .into_iter()
                    .map(|d| {
                        let response = responses.remove(&d.id);
                        MyDocument {
                            response,
                            ..MyDocument::from(d)
                        }
                    })
                    .collect(),
                next_cursor: next.as_ref().map(Cursor::encode),
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// One document of the employee's dossier. Hidden and foreign documents answer 404.
#[utoipa::path(
    operation_id = "get_my_document",
    tag = "documents",
    security(("employee_bearer" = [])),
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, body = MyDocument),
        Unauthorized,
        NotFound,
    )
)]
#[get("/me/documents/{id}")]
pub async fn get_mine(
    employee: AuthenticatedEmployee,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<MyDocument>, ApiError> {
    let actor = Actor::Employee(employee.employee_id.clone());
    let owner = Owner::Employee {
        employer_id: employee.employer_id,
        employee_id: employee.employee_id,
    };
    let id = path.into_inner();
    let document = state
        .db
        .run(move |conn| {
            let document = queries::find_recorded(conn, &owner, &id, &actor, "document.read")?;
            let response = queries::responses_to(conn, std::slice::from_ref(&document.id))?
                .remove(&document.id);
            Ok(MyDocument {
                response,
                ..MyDocument::from(document)
            })
        })
        .await?;
    Ok(web::Json(document))
}

/// Download a document of the employee's dossier. Hidden and foreign documents answer 404.
///
/// Byte ranges as for the employer download: one range → 206, several or malformed → 200.
#[utoipa::path(
    tag = "documents",
    security(("employee_bearer" = [])),
    params(
        ("id" = String, Path, description = "Document id"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-Range" = Option<String>, Header, description = "The `ETag` the client holds; the range is honoured only if it still matches"),
    ),
    responses(
        DownloadResponses,
        Unauthorized,
        NotFound,
        RangeNotSatisfiable,
    )
)]
#[get("/me/documents/{id}/content")]
pub async fn content_mine(
    employee: AuthenticatedEmployee,
    path: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Employee(employee.employee_id.clone());
    let owner = Owner::Employee {
        employer_id: employee.employer_id,
        employee_id: employee.employee_id,
    };
    download(&state, &request, owner, path.into_inner(), actor).await
}

/// Answer a document that asks for it: agree, or not, with your own view if you like.
///
/// For a plan of action, an evaluation or a re-integration report uploaded with
/// `response_requested`. Asks for a confirmation in the last five minutes (403
/// `/problems/step-up-required`: `POST /me/step-up` first). Kept with the document's SHA-256
/// and the time; an answer cannot be changed (409), a revised document asks again. The
/// employer and the arbodienst are told. `own_view`: at most 4,000 characters.
#[utoipa::path(
    tag = "documents",
    security(("employee_bearer" = [])),
    params(("id" = String, Path, description = "Document id")),
    request_body = ResponseRequest,
    responses(
        (status = 201, body = ResponseView),
        Invalid,
        Unauthorized,
        StepUpRequired,
        NotFound,
        Conflict,
    )
)]
#[post("/me/documents/{id}/response")]
pub async fn respond(
    employee: AuthenticatedEmployee,
    path: web::Path<String>,
    body: crate::web::input::Json<ResponseRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ResponseRequest {
        agreement,
        own_view,
    } = body.into_inner();
    let own_view = own_view
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    if own_view
        .as_ref()
        .is_some_and(|text| text.chars().count() > OWN_VIEW_MAX_CHARS)
    {
        return Err(ApiError::invalid(
            "own_view",
            format!("must be at most {OWN_VIEW_MAX_CHARS} characters"),
        ));
    }
    let owner = Owner::Employee {
        employer_id: employee.employer_id.clone(),
        employee_id: employee.employee_id.clone(),
    };
    let id = path.into_inner();
    let row = state
        .db
        .run_changing(move |conn, changed| {
            let row = super::changes::respond(
                conn,
                &owner,
                &employee.session_id,
                &id,
                agreement,
                own_view,
            )?;
            changed.employee(&employee.employee_id);
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(ResponseView::from(row)))
}
