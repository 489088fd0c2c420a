use verzuim_tests::{on_both_databases, TestApp};

fn committed_openapi_yaml() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap()
}

#[test]
fn committed_openapi_yaml_is_what_the_code_generates() {
    let generated = verzuim::routes::document_yaml().unwrap();
    assert!(
        committed_openapi_yaml() == generated,
        "openapi.yaml is stale: run `cargo run -q -p verzuim -- openapi > openapi.yaml`"
    );
}

#[test]
fn every_operation_id_is_unique() {
    let document: serde_json::Value = serde_json::to_value(verzuim::routes::document()).unwrap();
    let mut seen = std::collections::HashSet::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().unwrap();
            assert!(
                seen.insert(id.to_string()),
                "operationId {id} is used twice"
            );
        }
    }
}

#[test]
fn every_operation_documents_its_error_responses_and_security() {
    let document: serde_json::Value = serde_json::to_value(verzuim::routes::document()).unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            // Reachable without a token on purpose: operations, the token endpoint, and the
            // steps before an employee has a session.
            let public = [
                "/health",
                "/ready",
                "/api/v1/oauth/token",
                "/api/v1/status",
                "/api/v1/auth/login",
                "/api/v1/auth/refresh",
                "/api/v1/auth/logout",
                "/api/v1/auth/password-reset",
                "/api/v1/auth/password-reset/{token}",
                "/api/v1/auth/email-change/{token}",
                "/api/v1/activation/{token}",
                "/api/v1/activation/{token}/verify",
            ]
            .contains(&path.as_str());
            if !public {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} lacks its 401"
                );
                assert!(
                    operation["security"].is_array(),
                    "{method} {path} lacks security"
                );
            }
            if path != "/health" {
                assert!(
                    responses.keys().any(|status| !status.starts_with('2')),
                    "{method} {path} documents no error"
                );
            }
        }
    }
}

fn document() -> serde_json::Value {
    serde_json::to_value(verzuim::routes::document()).unwrap()
}

/// Every operation of the document: (method, path, operation).
fn operations(document: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            all.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    all
}

fn employer_scopes(operation: &serde_json::Value) -> Option<Vec<String>> {
    operation["security"]
        .as_array()?
        .iter()
        .find_map(|requirement| {
            requirement["employer_oauth"].as_array().map(|scopes| {
                scopes
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            })
        })
}

#[test]
fn every_employer_operation_but_reading_its_employer_declares_exactly_one_scope_and_a_403() {
    let document = document();
    let mut employer_operations = 0;
    for (method, path, operation) in operations(&document) {
        let Some(scopes) = employer_scopes(&operation) else {
            continue;
        };
        employer_operations += 1;
        // Any valid client may read its own employer or arbodienst; every other call needs its
        // one scope.
        if method == "get" && ["/api/v1/employer", "/api/v1/arbodienst"].contains(&path.as_str()) {
            assert!(scopes.is_empty(), "{method} {path} names {scopes:?}");
            continue;
        }
        assert_eq!(scopes.len(), 1, "{method} {path} names {scopes:?}");
        assert!(
            operation["responses"]["403"].is_object(),
            "{method} {path} lacks its 403"
        );
    }
    assert!(
        employer_operations >= 30,
        "{employer_operations} employer operations"
    );
}

#[test]
fn every_public_operation_says_it_needs_no_security() {
    for (method, path, operation) in operations(&document()) {
        let security = operation["security"].as_array();
        assert!(
            security.is_some(),
            "{method} {path} leaves security undeclared"
        );
    }
    let login = &document()["paths"]["/api/v1/auth/login"]["post"];
    assert_eq!(login["security"], serde_json::json!([]));
}

#[test]
fn every_id_in_a_path_is_a_uuid() {
    for (method, path, operation) in operations(&document()) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "path" && parameter["name"] == "id" {
                assert_eq!(parameter["schema"]["format"], "uuid", "{method} {path}");
            }
        }
    }
}

#[test]
fn every_json_body_operation_declares_415() {
    let mut with_json = 0;
    for (method, path, operation) in operations(&document()) {
        if operation["requestBody"]["content"]["application/json"].is_object() {
            with_json += 1;
            assert!(
                operation["responses"]["415"].is_object(),
                "{method} {path} lacks its 415"
            );
        }
    }
    assert!(with_json >= 15, "{with_json} operations take JSON");
}

#[test]
fn every_employer_post_declares_the_idempotency_key_its_422_and_the_replay_header() {
    for (method, path, operation) in operations(&document()) {
        if method != "post" || employer_scopes(&operation).is_none() {
            continue;
        }
        let declared = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key");
        assert!(declared, "POST {path} lacks the Idempotency-Key header");
        let unprocessable =
            &operation["responses"]["422"]["content"]["application/problem+json"]["schema"];
        let problem = serde_json::json!({"$ref": "#/components/schemas/Problem"});
        let admits_the_key_problem = *unprocessable == problem
            || unprocessable["anyOf"]
                .as_array()
                .is_some_and(|any| any.contains(&problem));
        assert!(
            admits_the_key_problem,
            "POST {path}: its 422 does not admit the key-reused problem: {unprocessable}"
        );
        let success = operation["responses"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(status, _)| status.starts_with('2'))
            .map(|(_, r)| r.clone())
            .unwrap();
        assert!(
            success["headers"]["Idempotent-Replayed"].is_object(),
            "POST {path}"
        );
    }
}

#[test]
fn every_tag_in_use_is_declared_and_servers_are_named() {
    let document = document();
    let declared: Vec<&str> = document["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for (method, path, operation) in operations(&document) {
        for tag in operation["tags"].as_array().into_iter().flatten() {
            assert!(
                declared.contains(&tag.as_str().unwrap()),
                "{method} {path}: tag {tag}"
            );
        }
    }
    assert!(document["servers"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
    let guide = document["info"]["description"].as_str().unwrap();
    for topic in [
        "oauth/token",
        "webhook-signature",
        "next_cursor",
        "Idempotency-Key",
    ] {
        assert!(
            guide.contains(topic),
            "the integration guide does not mention {topic}"
        );
    }
}

#[test]
fn an_optional_body_is_optional_not_nullable() {
    let document = document();
    for (method, path, operation) in operations(&document) {
        let Some(content) = operation["requestBody"]["content"].as_object() else {
            continue;
        };
        for (media_type, body) in content {
            let nullable = body["schema"]["oneOf"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|variant| variant["type"] == "null");
            assert!(!nullable, "{method} {path} {media_type}: a nullable body");
        }
    }
    let cancel = &document["paths"]["/api/v1/absences/{id}/cancel"]["post"]["requestBody"];
    assert_ne!(cancel["required"], true, "cancel's body may be left out");
    assert_eq!(
        cancel["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CancelRequest"
    );
}

#[test]
fn a_bulk_row_requires_its_external_id() {
    let document = document();
    let rows =
        &document["components"]["schemas"]["BulkRequest"]["properties"]["employees"]["items"];
    let name = rows["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
    let required = document["components"]["schemas"][name]["required"]
        .as_array()
        .unwrap();
    assert!(
        required.contains(&serde_json::json!("external_id")),
        "{name}: {required:?}"
    );
}

#[test]
fn the_token_endpoint_names_its_grant_and_error_codes() {
    let schemas = &document()["components"]["schemas"];
    assert_eq!(
        schemas["GrantType"]["enum"],
        serde_json::json!(["client_credentials"])
    );
    assert_eq!(
        schemas["OAuthErrorCode"]["enum"].as_array().unwrap().len(),
        4
    );
    let grant = &schemas["TokenRequest"]["properties"]["grant_type"];
    assert_eq!(grant["$ref"], "#/components/schemas/GrantType");
}

#[test]
fn every_operation_has_a_one_line_summary_and_a_description() {
    for (method, path, operation) in operations(&document()) {
        let summary = operation["summary"].as_str().unwrap_or_default();
        assert!(
            !summary.is_empty() && !summary.contains(". "),
            "{method} {path}: {summary:?}"
        );
        assert!(
            operation["description"]
                .as_str()
                .is_some_and(|d| d.len() > 10),
            "{method} {path} has no description"
        );
    }
}

#[test]
fn event_types_and_actor_types_are_enums_not_prose() {
    let schemas = &document()["components"]["schemas"];
    let kinds: Vec<&str> = schemas["EventKind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 9, "{kinds:?}");
    assert!(kinds.contains(&"document.responded") && kinds.contains(&"poortwachter.step_overdue"));
    let kind = "#/components/schemas/EventKind";
    assert_eq!(
        schemas["WebhookInput"]["properties"]["events"]["items"]["$ref"],
        kind
    );
    assert_eq!(schemas["FeedEvent"]["properties"]["type"]["$ref"], kind);
    assert_eq!(
        schemas["DeliveryAttempt"]["properties"]["event_type"]["$ref"],
        kind
    );
    assert_eq!(
        schemas["AuditEntry"]["properties"]["actor_type"]["$ref"],
        "#/components/schemas/ActorType"
    );
}

/// Every scope any one of an operation's security requirements accepts (the audit log takes
/// either of two).
fn accepted_scopes(operation: &serde_json::Value) -> Vec<String> {
    operation["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|requirement| requirement["employer_oauth"].as_array())
        .flatten()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

const ALL_SCOPES: [&str; 8] = [
    "employees:read",
    "employees:write",
    "absences:read",
    "absences:write",
    "documents:read",
    "documents:write",
    "webhooks:manage",
    "poortwachter:write",
];

/// Fills a documented path with ids no employer has (a foreign id answers like these).
fn concrete_path(path: &str) -> String {
    path.split('/')
        .map(|part| match part {
            "{external_id}" => "no-such-external-id".to_string(),
            p if p.starts_with('{') => uuid::Uuid::new_v4().to_string(),
            p => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

on_both_databases! {
    // The scope is written in the extractor's type and in the annotation; this holds the two
    // together: each employer operation refuses a token that has every scope but the documented
    // one(s), and lets a token with only a documented scope past the scope check.
    async fn every_employer_operation_enforces_exactly_the_scope_it_documents(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        // The `/arbodienst` operations are for an arbodienst's clients, which hold at most
        // these scopes.
        let arbodienst = app.cli(&["arbodienst", "create", "--name", "Arbo", "--email", "a@arbo.test"]).unwrap();
        let arbo = app.cli(&["client", "create", "--arbodienst", arbodienst["id"].as_str().unwrap(), "--name", "arbo"]).unwrap();
        let arbo = verzuim_tests::Credentials {
            client_id: arbo["client_id"].as_str().unwrap().into(),
            client_secret: arbo["client_secret"].as_str().unwrap().into(),
        };
        const ARBODIENST_SCOPES: [&str; 5] =
            ["employees:read", "absences:read", "documents:read", "documents:write", "poortwachter:write"];
        let mut tokens: std::collections::HashMap<(bool, String), String> = Default::default();
        let document = document();
        let mut checked = 0;
        for (method, path, operation) in operations(&document) {
            let scopes = accepted_scopes(&operation);
            if scopes.is_empty() {
                continue;
            }
            let for_arbodienst = path.starts_with("/api/v1/arbodienst");
            let (credentials, held): (_, &[&str]) =
                if for_arbodienst { (&arbo, &ARBODIENST_SCOPES) } else { (&session.credentials, &ALL_SCOPES) };
            let without: Vec<&str> = held.iter().copied().filter(|s| !scopes.iter().any(|d| d == s)).collect();
            let mut cases = vec![(without.join(" "), true)];
            cases.extend(scopes.iter().map(|scope| (scope.clone(), false)));
            for (scope, expect_403) in cases {
                let key = (for_arbodienst, scope.clone());
                if !tokens.contains_key(&key) {
                    let response = app.request_token(credentials, Some(&scope)).await;
                    assert_eq!(response.status(), 200, "token for {scope}");
                    let body: serde_json::Value = response.json().await.unwrap();
                    tokens.insert(key.clone(), body["access_token"].as_str().unwrap().to_string());
                }
                let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut request = app.http.request(verb, app.url(&concrete_path(&path))).bearer_auth(&tokens[&key]);
                if operation["requestBody"]["content"]["application/json"].is_object() {
                    request = request.json(&serde_json::json!({}));
                }
                let status = request.send().await.unwrap().status().as_u16();
                if expect_403 {
                    assert_eq!(status, 403, "{method} {path} with every scope but {scopes:?}");
                } else {
                    assert!(status != 403 && status != 401, "{method} {path} with only {scope}: {status}");
                }
            }
            checked += 1;
        }
        assert!(checked >= 30, "{checked} operations checked");
    }

    async fn served_openapi_json_is_the_committed_document(backend) {
        let app = TestApp::spawn(backend).await;
        let served: serde_json::Value = app.http.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
        let committed: serde_json::Value = serde_yaml_ng::from_str(&committed_openapi_yaml()).unwrap();
        assert_eq!(served, committed);
    }

    async fn docs_page_loads_nothing_from_another_host(backend) {
        let app = TestApp::spawn(backend).await;
        let redirect = app.http.get(app.url("/api/docs")).send().await.unwrap();
        assert_eq!(redirect.status(), 308);
        let page = app.http.get(app.url("/api/docs/")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let mut references = 0;
        for attribute in ["src=\"", "href=\""] {
            for (at, _) in html.match_indices(attribute) {
                let value = &html[at + attribute.len()..];
                let value = &value[..value.find('"').unwrap()];
                assert!(!value.contains("//"), "external asset on the docs page: {value}");
                let asset = app.http.get(app.url(&format!("/api/docs/{}", value.trim_start_matches("./")))).send().await.unwrap();
                assert_eq!(asset.status(), 200, "{value} is not served locally");
                references += 1;
            }
        }
        assert!(references >= 4, "the page should reference its scripts and styles");
        let initializer = app.http.get(app.url("/api/docs/swagger-initializer.js")).send().await.unwrap().text().await.unwrap();
        assert!(initializer.contains("\"/api/openapi.json\""));
        assert!(!initializer.contains("http://") && !initializer.contains("https://"));
    }
}

#[test]
fn document_downloads_declare_the_media_types_they_are_served_as_and_their_headers() {
    let document: serde_json::Value = serde_json::to_value(verzuim::routes::document()).unwrap();
    for path in [
        "/api/v1/documents/{id}/content",
        "/api/v1/me/documents/{id}/content",
    ] {
        let responses = &document["paths"][path]["get"]["responses"];
        for (status, headers) in [
            (
                "200",
                &[
                    "ETag",
                    "Content-Length",
                    "Content-Disposition",
                    "Accept-Ranges",
                ][..],
            ),
            (
                "206",
                &[
                    "ETag",
                    "Content-Length",
                    "Content-Disposition",
                    "Accept-Ranges",
                    "Content-Range",
                ][..],
            ),
        ] {
            let response = &responses[status];
            let content = response["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{path} {status}: {response}"));
            let mut media_types: Vec<&str> = content.keys().map(String::as_str).collect();
            media_types.sort_unstable();
            assert_eq!(
                media_types,
                ["application/pdf", "image/jpeg", "image/png", "text/plain"],
                "{path} {status}"
            );
            for (media_type, body) in content {
                assert_eq!(
                    body["schema"],
                    serde_json::json!({"type": "string", "format": "binary"}),
                    "{path} {status} {media_type}"
                );
            }
            let declared = response["headers"]
                .as_object()
                .unwrap_or_else(|| panic!("{path} {status}: no headers"));
            let mut declared: Vec<&str> = declared.keys().map(String::as_str).collect();
            declared.sort_unstable();
            let mut expected = headers.to_vec();
            expected.sort_unstable();
            assert_eq!(declared, expected, "{path} {status}");
        }
    }
}
