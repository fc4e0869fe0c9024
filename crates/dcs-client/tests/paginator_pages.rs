//! The paginator's promises against scripted pages: the offset advances by the items received
//! from the request's own offset, paging stops at an empty page or at the reported total
//! (never sending a request past it), and a service that ignores `offset` cannot make it loop:
//! a repeated page, or more pages than the total allows at the first page's size, ends paging
//! with a `Paging` error, exactly at the first page that proves it.

mod raw;
use dcs_client::{Credentials, DcsClient, ErrorKind, RetryPolicy};
use raw::{ok, Raw, RawServer};

const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

fn client(endpoint: &str) -> DcsClient {
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new("PAGETESTAK0000000001", "paging-secret"))
        .project_id(PROJECT)
        .config(dcs_client::ClientConfig::default().retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

/// A page of tasks with these ids, and the total the service reports.
fn page(ids: &[&str], total: Option<i64>) -> Raw {
    let tasks: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id":"{id}","name":"EXTEND","status":"SUCCESS"}}"#))
        .collect();
    let count = total.map_or(String::new(), |t| format!(r#""task_count":"{t}","#));
    ok(&format!(r#"{{{count}"tasks":[{}]}}"#, tasks.join(",")))
}

/// The `offset` of every request the server saw.
fn offsets(server: &RawServer) -> Vec<String> {
    server
        .lines()
        .iter()
        .map(|l| {
            l.split(['?', '&'])
                .find_map(|p| p.strip_prefix("offset="))
                .unwrap_or("-")
                .to_string()
        })
        .collect()
}

async fn ids_of_pages(
    server: &RawServer,
    start: Option<i64>,
) -> Vec<Result<Vec<String>, ErrorKind>> {
    let mut call = client(&server.endpoint).list_center_task();
    if let Some(o) = start {
        call = call.offset(o);
    }
    let mut pages = call.into_paginator();
    let mut out = Vec::new();
    while let Some(p) = pages.next().await {
        out.push(
            p.map(|p| {
                p.tasks
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| t.id.unwrap_or_default())
                    .collect()
            })
            .map_err(|e| e.kind()),
        );
        assert!(out.len() < 50, "paging must end");
    }
    assert!(
        pages.next().await.is_none(),
        "an ended paginator stays ended"
    );
    out
}

fn ids(v: &[&str]) -> Result<Vec<String>, ErrorKind> {
    Ok(v.iter().map(|s| s.to_string()).collect())
}

#[tokio::test]
async fn the_offset_advances_by_the_items_received_until_the_total() {
    let server = RawServer::start(vec![
        page(&["a", "b"], Some(5)),
        page(&["c", "d"], Some(5)),
        page(&["e"], Some(5)),
        page(&["never"], Some(5)),
    ])
    .await;
    let got = ids_of_pages(&server, None).await;
    assert_eq!(got, [ids(&["a", "b"]), ids(&["c", "d"]), ids(&["e"])]);
    assert_eq!(
        offsets(&server),
        ["0", "2", "4"],
        "no request past the total"
    );
}

#[tokio::test]
async fn without_a_total_paging_ends_at_the_first_empty_page() {
    let server = RawServer::start(vec![
        page(&["a", "b"], None),
        page(&["c"], None),
        page(&[], None),
        page(&["never"], None),
    ])
    .await;
    let got = ids_of_pages(&server, Some(3)).await;
    assert_eq!(got, [ids(&["a", "b"]), ids(&["c"]), ids(&[])]);
    assert_eq!(offsets(&server), ["3", "5", "6"]);
}

#[tokio::test]
async fn a_repeated_page_ends_paging_even_among_pages_of_one_size() {
    let server = RawServer::start(vec![
        page(&["a", "b"], Some(100)),
        page(&["c", "d"], Some(100)),
        page(&["a", "b"], Some(100)),
    ])
    .await;
    let got = ids_of_pages(&server, None).await;
    assert_eq!(
        got,
        [ids(&["a", "b"]), ids(&["c", "d"]), Err(ErrorKind::Paging)]
    );
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn the_repeat_is_named_with_both_offsets() {
    let server = RawServer::start(vec![page(&["a"], Some(100))]).await;
    let mut pages = client(&server.endpoint).list_center_task().into_paginator();
    pages.next().await.unwrap().unwrap();
    let e = pages.next().await.unwrap().unwrap_err();
    assert!(
        e.to_string().contains(
            "the page at offset 1 repeats the page at offset 0 (1 items); paging stopped after 2 pages"
        ),
        "{e}"
    );
}

/// First page 2 items (the page size), then 1 item a page, each page new.
fn dribble(total: i64, pages: usize) -> Vec<Raw> {
    let mut v = vec![page(&["p0a", "p0b"], Some(total))];
    for i in 1..pages {
        v.push(page(&[&format!("p{i}")], Some(total)));
    }
    v
}

#[tokio::test]
async fn more_pages_than_the_total_allows_end_paging() {
    // Total 6 at 2 a page: 3 pages, and one more for a total that grew. The fifth page is
    // one too many (offsets 0, 2, 3, 4, 5).
    let server = RawServer::start(dribble(6, 10)).await;
    let got = ids_of_pages(&server, None).await;
    assert_eq!(got.len(), 5, "{got:?}");
    assert!(got[..4].iter().all(Result::is_ok));
    assert_eq!(got[4], Err(ErrorKind::Paging));
    // Total 7: 4 pages (one part-full), and one more: the sixth is too many.
    let server = RawServer::start(dribble(7, 10)).await;
    let got = ids_of_pages(&server, None).await;
    assert_eq!(got.len(), 6, "{got:?}");
    assert_eq!(got[5], Err(ErrorKind::Paging));
    // Counted from the request's own offset: from 2 of 8, 6 remain, as in the first case.
    let server = RawServer::start(dribble(8, 10)).await;
    let got = ids_of_pages(&server, Some(2)).await;
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[4], Err(ErrorKind::Paging));
    assert_eq!(offsets(&server), ["2", "4", "5", "6", "7"]);
}

#[tokio::test]
async fn the_too_many_pages_error_says_what_the_total_allows() {
    let server = RawServer::start(dribble(6, 10)).await;
    let mut pages = client(&server.endpoint).list_center_task().into_paginator();
    for _ in 0..4 {
        pages.next().await.unwrap().unwrap();
    }
    let e = pages.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Paging);
    assert!(
        e.to_string()
            .contains("it sent 5 pages where its total of 6 at 2 a page allows 4; paging stopped"),
        "{e}"
    );
}

#[tokio::test]
async fn items_come_one_by_one_across_pages() {
    let server = RawServer::start(vec![page(&["a", "b"], Some(3)), page(&["c"], Some(3))]).await;
    let all = client(&server.endpoint)
        .list_center_task()
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<_> = all.into_iter().map(|t| t.id.unwrap()).collect();
    assert_eq!(got, ["a", "b", "c"]);
    let server = RawServer::start(vec![page(&["a"], Some(2)), page(&["a"], Some(2))]).await;
    let e = client(&server.endpoint)
        .list_center_task()
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Paging);
}

#[tokio::test]
async fn the_first_error_ends_paging() {
    let server = RawServer::start(vec![
        page(&["a"], Some(3)),
        raw::answer(400, &[], r#"{"error_code":"DCS.4005","error_msg":"bad"}"#),
        page(&["b"], Some(3)),
    ])
    .await;
    let got = ids_of_pages(&server, None).await;
    assert_eq!(got, [ids(&["a"]), Err(ErrorKind::Service)]);
    assert_eq!(server.requests(), 2);
}
