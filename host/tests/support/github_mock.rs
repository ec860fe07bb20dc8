//! A local GitHub: wiremock serving the REST fixtures of `tests/fixtures/github/` (shaped
//! like the examples of GitHub's REST documentation). Shared by the integration tests that
//! talk to "GitHub" (`#[path]`-included, so not every test uses every item).

#![allow(dead_code)]

use std::path::Path;

use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The token the tests give; it must never show up in any output.
pub const TOKEN: &str = "ghp_T0kenThatMustNeverLeak0123456789";

/// A runtime for the mock server (and for tests that need one).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Fixture `name` of `tests/fixtures/github/` as JSON.
pub fn fixture(name: &str) -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/github")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

/// A response of `status` with fixture `name` as its JSON body.
pub fn json(status: u16, name: &str) -> ResponseTemplate {
    // GitHub sends its JSON with this content type, errors included.
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_json(fixture(name))
}

/// Mounts `GET {prefix}/repos/octocat/Hello-World/issues` answering page 1 with a `Link` to
/// page 2 (GitHub's `/repositories/{id}` form), and page 2.
pub fn mount_two_pages(rt: &tokio::runtime::Runtime, server: &MockServer, prefix: &str) {
    let next = format!(
        "{}{prefix}/repositories/1296269/issues?state=open&sort=created&direction=desc&per_page=100&page=2",
        server.uri()
    );
    let link = format!(r#"<{next}>; rel="next", <{next}>; rel="last""#);
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path(format!("{prefix}/repos/octocat/Hello-World/issues")))
            .and(query_param("per_page", "100"))
            .respond_with(json(200, "issues_page1.json").insert_header("link", link.as_str()))
            .mount(server)
            .await;
        let first = format!(
            "{}{prefix}/repositories/1296269/issues?state=open&sort=created&direction=desc&per_page=100&page=1",
            server.uri()
        );
        Mock::given(method("GET"))
            .and(path(format!("{prefix}/repositories/1296269/issues")))
            .and(query_param("page", "2"))
            .respond_with(json(200, "issues_page2.json").insert_header(
                "link",
                format!(r#"<{first}>; rel="prev", <{first}>; rel="first""#).as_str(),
            ))
            .mount(server)
            .await;
    });
}
