//! What every operation's documentation shares, added in one place after the handlers have
//! registered their own: the rules of this layer (the Idempotency-Key middleware, the JSON
//! extractor, the public routes) hold for every route, so they are written once here rather
//! than in 55 annotations that could forget them.

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, KnownFormat, OpenApi, RefOr, Required, ResponseBuilder, Schema,
    ServerBuilder,
};

use crate::error::PROBLEM_JSON;

/// The security scheme of employer systems, as the handlers name it.
const EMPLOYER_SCHEME: &str = "employer_oauth";

pub fn apply_shared_rules(document: &mut OpenApi) {
    document.servers = Some(vec![ServerBuilder::new()
        .url("/")
        .description(Some("This server (every path starts with its own prefix)"))
        .build()]);
    for item in document.paths.paths.values_mut() {
        for (method, operation) in [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ] {
            if let Some(operation) = operation.as_mut() {
                apply_to_operation(method, operation);
            }
        }
    }
}

fn apply_to_operation(method: &str, operation: &mut Operation) {
    split_summary(operation);
    let employer = is_employer_operation(operation);
    // Public on purpose: say so, rather than leave readers to guess.
    if operation.security.is_none() {
        operation.security = Some(Vec::new());
    }
    for parameter in operation.parameters.iter_mut().flatten() {
        declare_uuid_ids(parameter);
    }
    optional_bodies_are_not_nullable(operation);
    if takes_json(operation) {
        add_response(operation, "415", "The body is not `application/json`");
    }
    if let Some(scope) = employer_scope(operation) {
        add_response(
            operation,
            "403",
            &format!("The token does not carry the scope `{scope}`"),
        );
    }
    if employer && method == "post" {
        declare_idempotency_key(operation);
    }
}

fn is_employer_operation(operation: &Operation) -> bool {
    operation.security.iter().flatten().any(|requirement| {
        serde_json::to_value(requirement)
            .ok()
            .and_then(|value| value.as_object().map(|o| o.contains_key(EMPLOYER_SCHEME)))
            .unwrap_or(false)
    })
}

/// utoipa takes a handler's whole first doc paragraph as the summary; tools show a summary as
/// a one-line title. The first sentence is the summary, the sentences after it the description.
fn split_summary(operation: &mut Operation) {
    let Some(summary) = operation.summary.take() else {
        return;
    };
    let text = summary.split_whitespace().collect::<Vec<_>>().join(" ");
    let first_end = text
        .match_indices(". ")
        .map(|(at, _)| at)
        .find(|at| !text[..*at].ends_with("e.g") && !text[..*at].ends_with("i.e"));
    let (first, rest) = match first_end {
        Some(at) => (text[..=at].to_string(), text[at + 2..].trim().to_string()),
        None => (text, String::new()),
    };
    operation.summary = Some(first.trim_end_matches('.').to_string());
    if !rest.is_empty() {
        operation.description = Some(match operation.description.take() {
            Some(more) => format!("{rest}\n\n{more}"),
            None => rest,
        });
    }
}

/// A body that may be left out is `required: false`; utoipa also writes its schema as
/// `oneOf [null, X]`, which makes generated clients send (or insist on) a JSON `null`.
fn optional_bodies_are_not_nullable(operation: &mut Operation) {
    let Some(body) = operation.request_body.as_mut() else {
        return;
    };
    if matches!(body.required, Some(Required::True)) {
        return;
    }
    for content in body.content.values_mut() {
        if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
            let mut not_null = one_of.items.iter().filter(|item| !is_null(item));
            if let (Some(only), None, 2) = (not_null.next(), not_null.next(), one_of.items.len()) {
                content.schema = Some(only.clone());
            }
        }
    }
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(object)) if object.schema_type == SchemaType::Type(Type::Null))
}

/// The one scope an employer operation demands, as its `security` names it.
fn employer_scope(operation: &Operation) -> Option<String> {
    operation.security.iter().flatten().find_map(|requirement| {
        let value = serde_json::to_value(requirement).ok()?;
        let scopes = value.get(EMPLOYER_SCHEME)?.as_array()?;
        scopes.first()?.as_str().map(str::to_string)
    })
}

fn takes_json(operation: &Operation) -> bool {
    operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.content.contains_key("application/json"))
}

/// Every id in a path is a UUID: the extractor answers 404 for anything else.
fn declare_uuid_ids(parameter: &mut Parameter) {
    if parameter.parameter_in == ParameterIn::Path && parameter.name == "id" {
        parameter.schema = Some(uuid_schema());
    }
}

fn uuid_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .into()
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new().schema(Some(problem_ref())).build(),
        )
        .into()
}

fn add_response(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| problem_response(description));
}

/// Like [`add_response`], but where the operation already answers `status` with another body
/// (the bulk sync's 422 `BulkProblem`), the middleware's plain problem is added as an
/// alternative, so both answers match the document.
fn add_or_widen_response(operation: &mut Operation, status: &str, description: &str) {
    let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status) else {
        add_response(operation, status, description);
        return;
    };
    let mut widened = false;
    for content in response.content.values_mut() {
        let Some(schema) = content.schema.take() else {
            continue;
        };
        let is_problem = matches!(&schema, RefOr::Ref(reference) if reference.ref_location.ends_with("/Problem"));
        content.schema = Some(if is_problem {
            schema
        } else {
            widened = true;
            AnyOfBuilder::new().item(schema).item(problem_ref()).into()
        });
    }
    if widened {
        response.description = format!("{}; or: {description}", response.description);
    }
}

fn problem_ref() -> RefOr<Schema> {
    RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem"))
}

/// The Idempotency-Key middleware acts on every employer POST (`web/idempotency`).
fn declare_idempotency_key(operation: &mut Operation) {
    let key = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: the first request with a key is handled and its response kept \
             for 24 hours; a later request with the same key and the same method, path, query and \
             body gets that response again, with `Idempotent-Replayed: true`, to a caller that \
             may still make the request. 1–255 printable ASCII characters, per API client.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build();
    operation.parameters.get_or_insert_with(Vec::new).push(key);
    add_or_widen_response(
        operation,
        "422",
        "The Idempotency-Key was used for a different request; use a new key",
    );
    add_response(
        operation,
        "409",
        "A request with this Idempotency-Key is still being handled; retry shortly",
    );
    let replayed = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["true"])))
        .description(Some(
            "`true` when this is the kept response to an earlier request with the same Idempotency-Key",
        ))
        .build();
    for (status, response) in operation.responses.responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
            response
                .headers
                .insert("Idempotent-Replayed".into(), replayed.clone());
        }
    }
}
