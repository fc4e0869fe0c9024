//! The gateway layer over the generated route table: ambiguous paths, 404/405, validation
//! before any handler, per-operation faults. Raw signed requests go through the transport so
//! that the client's own checks do not stand in the way.

mod common;
use common::{client, seeded, AK, INSTANCE, PROJECT, SK};
use dcs_emulator::{Emulator, Fault, ScriptedFault};
use dcs_transport::{Endpoint, HttpClient, Method, Request, Response, RetryPolicy};

fn transport(emu: &Emulator) -> HttpClient {
    HttpClient::builder(
        Endpoint::parse(&emu.endpoint()).unwrap(),
        dcs_transport::Credentials::new(AK, SK),
    )
    .project_id(PROJECT)
    .config(dcs_transport::ClientConfig::default().retry(RetryPolicy::disabled()))
    .build()
    .unwrap()
}

fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

fn error_code(r: &Response) -> String {
    let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
    v["error_code"].as_str().unwrap_or_default().to_string()
}

fn error_msg(r: &Response) -> String {
    let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
    v["error_msg"].as_str().unwrap_or_default().to_string()
}

async fn send(http: &HttpClient, method: Method, path: &str, body: Option<&str>) -> Response {
    let path = path.replace("{p}", PROJECT);
    let (path, query) = path.split_once('?').unwrap_or((&path, ""));
    let mut req = Request::new(method, path);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        req = req.query(k, v);
    }
    if let Some(b) = body {
        req = req.body(b.as_bytes().to_vec());
    }
    http.send(&req).await.unwrap()
}

/// The seven same-method pairs of codegen.md B.9, each resolved to the literal route.
#[tokio::test]
async fn ambiguous_paths_route_to_the_literal_template() {
    let emu = seeded().await;
    let http = transport(&emu);
    let cases = [
        (
            Method::GET,
            "/v2/{p}/instances/export-job?job_id=j-1",
            None,
            "ExportExcelJob",
        ),
        (
            Method::GET,
            "/v2/{p}/instances/status",
            None,
            "ListNumberOfInstancesInDifferentStatus",
        ),
        (
            Method::GET,
            "/v2/{p}/instances/statistic",
            None,
            "ListStatisticsOfRunningInstances",
        ),
        (
            Method::GET,
            &format!("/v2/{{p}}/instances/{INSTANCE}"),
            None,
            "ShowInstance",
        ),
        (
            Method::PUT,
            "/v2/{p}/instances/status",
            Some(format!(
                r#"{{"instances":["{INSTANCE}"],"action":"flush"}}"#
            )),
            "RestartOrFlushInstances",
        ),
        (
            Method::PUT,
            &format!("/v2/{{p}}/instances/{INSTANCE}"),
            Some(r#"{"description":"x"}"#.to_string()),
            "UpdateInstance",
        ),
        (
            Method::PUT,
            &format!("/v2/{{p}}/{INSTANCE}/client-ip-transparent-transmission"),
            Some(r#"{"transparent_client_ip_enable":true}"#.to_string()),
            "UpdateClientIpTransparentTransmission",
        ),
        (
            Method::PUT,
            "/v2/{p}/config-templates/t-1",
            Some("{}".to_string()),
            "UpdateConfigTemplate",
        ),
        (
            Method::PUT,
            "/v2/{p}/migration-task/t-1",
            Some("{}".to_string()),
            "UpdateMigrationTask",
        ),
    ];
    for (method, path, body, op) in cases {
        let r = send(&http, method.clone(), path, body.as_deref()).await;
        assert_eq!(
            header(&r, "x-dcs-emulator-operation"),
            Some(op),
            "{method} {path}: {} {}",
            r.status(),
            String::from_utf8_lossy(r.body())
        );
    }
}

#[tokio::test]
async fn unknown_paths_are_apigw_0101_and_wrong_methods_405() {
    let emu = seeded().await;
    let http = transport(&emu);
    for path in [
        "/v2/{p}/nothing",
        "/v3/{p}/instances",
        "/v2/{p}/instances/a/b/c/d/e",
        "/",
    ] {
        let r = send(&http, Method::GET, path, None).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(error_code(&r), "APIGW.0101", "{path}");
        assert!(r.request_id().is_some());
    }
    for (m, path) in [
        (Method::POST, "/v2/{p}/tasks/t-1"),
        (Method::PATCH, "/v2/{p}/instances"),
        (Method::DELETE, "/v2/{p}/flavors"),
        (Method::POST, "/v2/available-zones"),
    ] {
        let r = send(&http, m.clone(), path, None).await;
        assert_eq!(r.status(), 405, "{m} {path}");
        assert_eq!(error_code(&r), "DCS.5001");
    }
    // The two operations without a project in their path.
    for path in ["/v2/available-zones", "/v2/instances/maintain-windows"] {
        let r = send(&http, Method::GET, path, None).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(header(&r, "x-dcs-emulator-tier"), Some("synthetic"));
    }
}

#[tokio::test]
async fn requests_are_validated_against_the_models_before_any_handler() {
    let emu = seeded().await;
    let http = transport(&emu);
    let create = "/v2/{p}/instances";
    let valid = serde_json::json!({
        "name": "cache-1", "engine": "Redis", "capacity": 1, "spec_code": "s",
        "az_codes": ["az"], "vpc_id": "v", "subnet_id": "s"
    });
    let with = |k: &str, v: serde_json::Value| {
        let mut b = valid.clone();
        b[k] = v;
        b.to_string()
    };
    let without = |k: &str| {
        let mut b = valid.clone();
        b.as_object_mut().unwrap().remove(k);
        b.to_string()
    };
    let cases: Vec<(Method, &str, Option<String>, &str, &str)> = vec![
        (
            Method::POST,
            create,
            Some("{\"name\":".into()),
            "DCS.4005",
            "body",
        ),
        (
            Method::POST,
            create,
            Some(with("nope", 1.into())),
            "DCS.4062",
            "body.nope",
        ),
        (
            Method::POST,
            create,
            Some(with("capacity", "big".into())),
            "DCS.4062",
            "body.capacity",
        ),
        (
            Method::POST,
            create,
            Some(without("name")),
            "DCS.4062",
            "body.name",
        ),
        (Method::POST, create, None, "DCS.4062", "body.name"),
        (
            Method::GET,
            "/v2/{p}/instances?limit=abc",
            None,
            "DCS.4062",
            "limit",
        ),
        (
            Method::GET,
            "/v2/{p}/tasks?limit=1.5",
            None,
            "DCS.4062",
            "limit",
        ),
        (
            Method::DELETE,
            "/v2/{p}/instances?all_failure=maybe",
            None,
            "DCS.4062",
            "all_failure",
        ),
        (
            Method::GET,
            "/v2/{p}/tasks?offset=-1",
            None,
            "DCS.4062",
            "offset",
        ),
        (
            Method::DELETE,
            "/v2/{p}/tasks/..",
            None,
            "DCS.4070",
            "task_id",
        ),
    ];
    for (m, path, body, code, field) in cases {
        let r = send(&http, m.clone(), path, body.as_deref()).await;
        assert_eq!(r.status(), 400, "{m} {path} {body:?}");
        assert_eq!(
            error_code(&r),
            code,
            "{m} {path} {body:?}: {}",
            error_msg(&r)
        );
        assert!(
            error_msg(&r).contains(field),
            "{m} {path}: {field} not named in {}",
            error_msg(&r)
        );
    }
    // Nothing was created.
    let all = client(&emu)
        .list_instances()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.instance_num, Some(1));
    // Valid, it is created.
    let r = send(&http, Method::POST, create, Some(&valid.to_string())).await;
    assert_eq!(r.status(), 200, "{}", String::from_utf8_lossy(r.body()));
}

#[tokio::test]
async fn faults_can_target_one_operation() {
    let emu = seeded().await;
    emu.push_fault(
        ScriptedFault::new(Fault::Status {
            status: 500,
            retry_after: None,
        })
        .on_operation("ShowInstance"),
    );
    let c = client(&emu);
    c.list_instances().send().await.unwrap();
    assert_eq!(emu.pending_faults(), 1);
    let err = c.show_instance(INSTANCE).send().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(emu.pending_faults(), 0);
    c.show_instance(INSTANCE).send().await.unwrap();
}

#[tokio::test]
async fn stateful_ops_on_unknown_ids_are_404_with_a_dcs_code() {
    let emu = seeded().await;
    let c = client(&emu);
    let err = c.show_instance("missing").send().await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(err.is_instance_not_found(), "{err}");
    assert_eq!(err.error_code(), Some("DCS.3022"));
    let err = c.list_background_task("missing").send().await.unwrap_err();
    assert!(err.is_instance_not_found(), "{err}");
    assert_eq!(err.error_code(), Some("DCS.3022"));
    let err = c.delete_center_task("missing").send().await.unwrap_err();
    assert_eq!(err.error_code(), Some("DCS.4001"));
}

/// The coverage table in the README is the emulator's real tier table.
#[test]
fn readme_coverage_table_matches_the_tiers() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_default();
    let table = dcs_emulator::coverage_markdown();
    if std::env::var_os("UPDATE_EMULATOR_COVERAGE").is_some() {
        let start = readme.find(BEGIN).unwrap();
        let end = readme.find(END).unwrap();
        let new = format!("{}{BEGIN}\n{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"), new).unwrap();
        return;
    }
    assert!(
        readme.contains(&format!("{BEGIN}\n{table}{END}")),
        "the README's coverage table is stale: run UPDATE_EMULATOR_COVERAGE=1 cargo test -p dcs-emulator --test gateway"
    );
}

const BEGIN: &str = "<!-- coverage:begin (generated by the gateway test) -->";
const END: &str = "<!-- coverage:end -->";
