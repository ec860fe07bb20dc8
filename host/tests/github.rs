//! The GitHub service against a local mock of GitHub's REST API (wiremock; no network).
//!
//! Response bodies are under `tests/fixtures/github/`, shaped like the examples of GitHub's
//! REST documentation (issues and pull requests with full `user`, `labels`, `assignees`,
//! `head`/`base` objects; error bodies with `message` and `documentation_url`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use exomonad::base::config::Config;
use exomonad::services::github::{
    DEFAULT_API_URL, GitHubEnv, GitHubError, GitHubService, MAX_LIMIT,
};
use exomonad_protocol::abi::ErrorCode;
use exomonad_protocol::github::{
    GetIssueRequest, ListIssuesRequest, ListPullsRequest, RepoRef, StateFilter,
};
use exomonad_protocol::names::ENV_GITHUB_API_URL;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[path = "support/github_mock.rs"]
mod github_mock;
use github_mock::{TOKEN, json, mount_two_pages, runtime};

const GH_TOKEN_FROM_GH: &str = "gho_FromTheGhCommand0123456789abcd";

/// A mock GitHub that answers every GET with `response`.
fn answering_every_get(rt: &tokio::runtime::Runtime, response: ResponseTemplate) -> MockServer {
    rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(response)
            .mount(&server)
            .await;
        server
    })
}

/// An environment with exactly these variables and no `gh`.
fn env(vars: &[(&str, &str)]) -> GitHubEnv {
    env_gh(vars, None)
}

fn env_gh(vars: &[(&str, &str)], gh: Option<PathBuf>) -> GitHubEnv {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    GitHubEnv::new(move |name| vars.get(name).cloned(), gh)
}

/// A service for the mock at `base`: a host other than github.com, so its token comes from
/// `GH_ENTERPRISE_TOKEN` (`gh`'s rule for GitHub Enterprise hosts).
fn service(base: &str) -> GitHubService {
    GitHubService::new(base, env(&[("GH_ENTERPRISE_TOKEN", TOKEN)]))
}

fn hello() -> RepoRef {
    RepoRef {
        owner: "octocat".into(),
        repo: "Hello-World".into(),
    }
}

fn list(state: StateFilter, labels: &[&str], limit: Option<u32>) -> ListIssuesRequest {
    ListIssuesRequest {
        repo: hello(),
        state,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        limit,
    }
}

/// The error's every text form is free of both tokens.
fn assert_clean(e: &GitHubError) {
    for text in [e.to_string(), format!("{e:?}"), e.to_abi().message] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains(GH_TOKEN_FROM_GH), "token leaked: {text}");
    }
}

fn requests(rt: &tokio::runtime::Runtime, server: &MockServer) -> Vec<Request> {
    rt.block_on(server.received_requests()).unwrap()
}

fn query(req: &Request) -> HashMap<String, String> {
    req.url.query_pairs().into_owned().collect()
}

fn auth(req: &Request) -> Option<&str> {
    req.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
}

#[test]
fn list_issues_drops_pull_requests_and_sends_token_state_labels() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/repos/octocat/Hello-World/issues"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(json(200, "issues_page1.json"))
            .expect(1)
            .mount(&server),
    );
    let gh = service(&server.uri());
    let got = gh
        .list_issues(&list(StateFilter::Open, &["bug", "good first issue"], None))
        .unwrap();

    let numbers: Vec<u64> = got.issues.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [1347, 1345], "the pull request #1346 is dropped");
    let first = &got.issues[0];
    assert_eq!(
        first.title,
        "Found a bug: \"quotes\" & emoji 🐛 in the title"
    );
    assert_eq!(first.labels, ["bug", "good first issue"]);
    assert_eq!(first.assignees, ["hubot", "monalisa"]);
    assert_eq!(first.author, "octocat");
    assert_eq!(first.state, "open");
    assert!(first.body.starts_with("I'm having a problem"));
    assert_eq!(
        first.url,
        "https://github.com/octocat/Hello-World/issues/1347"
    );
    let second = &got.issues[1];
    assert_eq!(second.body, "", "a null body is empty");
    assert_eq!(second.labels, ["area: ui"]);
    assert!(second.assignees.is_empty());

    let reqs = requests(&rt, &server);
    assert_eq!(reqs.len(), 1);
    assert_eq!(auth(&reqs[0]), Some(format!("Bearer {TOKEN}").as_str()));
    let q = query(&reqs[0]);
    assert_eq!(q["state"], "open");
    assert_eq!(q["labels"], "bug,good first issue");
    assert_eq!(q["per_page"], "100");
    assert_eq!(q["sort"], "created");
    assert_eq!(q["direction"], "desc");
}

#[test]
fn no_labels_no_labels_parameter_and_state_all() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path("/repos/octocat/Hello-World/issues"))
            .and(query_param("state", "all"))
            .and(query_param_is_missing("labels"))
            .respond_with(json(200, "issues_page2.json"))
            .expect(1)
            .mount(&server),
    );
    let got = service(&server.uri())
        .list_issues(&list(StateFilter::All, &[], None))
        .unwrap();
    let numbers: Vec<u64> = got.issues.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [1340, 1337]);
    assert_eq!(got.issues[0].title, "Crash on start\twith a tab");
}

/// Serves the two issue pages under `prefix` (GitHub Enterprise's `/api/v3`, or empty), the
/// first with a real `Link` header whose URLs are absolute and use GitHub's
/// `/repositories/{id}/` form.
#[test]
fn pages_follow_the_link_header_under_an_api_v3_prefix() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    mount_two_pages(&rt, &server, "/api/v3");
    let gh = service(&format!("{}/api/v3", server.uri()));

    let got = gh.list_issues(&list(StateFilter::Open, &[], None)).unwrap();
    let numbers: Vec<u64> = got.issues.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [1347, 1345, 1340, 1337]);
    let reqs = requests(&rt, &server);
    let paths: Vec<&str> = reqs.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/api/v3/repos/octocat/Hello-World/issues",
            "/api/v3/repositories/1296269/issues"
        ]
    );
    for r in &reqs {
        assert_eq!(
            auth(r),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{}",
            r.url
        );
    }

    // A limit reached on page 2 cuts there; one reached on page 1 asks no page 2.
    let got = gh
        .list_issues(&list(StateFilter::Open, &[], Some(3)))
        .unwrap();
    assert_eq!(got.issues.len(), 3);
    assert_eq!(requests(&rt, &server).len(), 4);
    let got = gh
        .list_issues(&list(StateFilter::Open, &[], Some(2)))
        .unwrap();
    let numbers: Vec<u64> = got.issues.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [1347, 1345]);
    assert_eq!(requests(&rt, &server).len(), 5);
    // 0 asks nothing.
    assert!(
        gh.list_issues(&list(StateFilter::Open, &[], Some(0)))
            .unwrap()
            .issues
            .is_empty()
    );
    assert_eq!(requests(&rt, &server).len(), 5);
}

#[test]
fn works_from_spawn_blocking_of_another_runtime() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    mount_two_pages(&rt, &server, "");
    let gh = service(&server.uri());
    // The MCP server's runtime: the guest, and so this service, runs in spawn_blocking.
    let other = runtime();
    let numbers = other.block_on(async {
        let calls = (0..3).map(|_| {
            let gh = gh.clone();
            tokio::task::spawn_blocking(move || {
                gh.list_issues(&list(StateFilter::Open, &[], None))
                    .unwrap()
                    .issues
                    .iter()
                    .map(|i| i.number)
                    .collect::<Vec<_>>()
            })
        });
        let mut all = Vec::new();
        for c in calls.collect::<Vec<_>>() {
            all.push(c.await.unwrap());
        }
        all
    });
    for n in numbers {
        assert_eq!(n, [1347, 1345, 1340, 1337]);
    }
    // Dropping the last clone inside that runtime's async context must not panic.
    other.block_on(async move { drop(gh) });
}

#[test]
fn get_issue_reads_one_and_refuses_a_pull_request() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        Mock::given(path("/repos/octocat/Hello-World/issues/1347"))
            .respond_with(json(200, "issue_1347.json"))
            .mount(&server)
            .await;
        Mock::given(path("/repos/octocat/Hello-World/issues/1346"))
            .respond_with(json(200, "issue_1346_pr.json"))
            .mount(&server)
            .await;
        Mock::given(path("/repos/octocat/Hello-World/issues/9999"))
            .respond_with(json(404, "not_found.json"))
            .mount(&server)
            .await;
    });
    let gh = service(&server.uri());
    let get = |number| {
        gh.get_issue(&GetIssueRequest {
            repo: hello(),
            number,
        })
    };

    let issue = get(1347).unwrap();
    assert_eq!(issue.number, 1347);
    assert_eq!(issue.labels, ["bug", "good first issue"]);

    let e = get(1346).unwrap_err();
    assert!(matches!(e, GitHubError::IsPullRequest { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("octocat/Hello-World#1346 is a pull request"),
        "{e}"
    );
    assert_eq!(e.to_abi().code, ErrorCode::HostFunction);

    let e = get(9999).unwrap_err();
    let host = server.address().to_string();
    assert_eq!(
        e,
        GitHubError::NotFound {
            what: "octocat/Hello-World#9999".into(),
            host: host.clone()
        }
    );
    assert!(
        e.to_string()
            .starts_with(&format!("octocat/Hello-World#9999 not found on {host}")),
        "{e}"
    );
    assert_eq!(e.to_abi().code, ErrorCode::NotFound);
    assert_clean(&e);
}

#[test]
fn unknown_repository_is_not_found() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path("/repos/octocat/Nope/pulls"))
            .respond_with(json(404, "not_found.json"))
            .mount(&server),
    );
    let e = service(&server.uri())
        .list_pulls(&ListPullsRequest {
            repo: RepoRef {
                owner: "octocat".into(),
                repo: "Nope".into(),
            },
            state: StateFilter::Open,
            limit: None,
        })
        .unwrap_err();
    assert!(
        e.to_string().starts_with("octocat/Nope not found on "),
        "{e}"
    );
}

#[test]
fn bad_credentials_say_so_without_the_token() {
    let rt = runtime();
    let server = answering_every_get(&rt, json(401, "bad_credentials.json"));
    let e = service(&server.uri())
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    assert!(matches!(e, GitHubError::Unauthorized { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("rejected the GitHub token"), "{text}");
    assert!(text.contains("Bad credentials"), "{text}");
    assert!(text.contains("gh auth login"), "{text}");
    assert_eq!(e.to_abi().code, ErrorCode::HostFunction);
    assert_clean(&e);
}

#[test]
fn rate_limit_says_when_it_resets() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let reset = jiff::Timestamp::now().as_second() + 600;
    rt.block_on(
        Mock::given(method("GET"))
            .respond_with(
                json(403, "rate_limited.json")
                    .insert_header("x-ratelimit-limit", "5000")
                    .insert_header("x-ratelimit-remaining", "0")
                    .insert_header("x-ratelimit-used", "5000")
                    .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                    .insert_header("x-ratelimit-resource", "core"),
            )
            .mount(&server),
    );
    let e = service(&server.uri())
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    let GitHubError::RateLimited {
        reset: Some(at), ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(at.as_second(), reset);
    let text = e.to_string();
    assert!(text.contains("rate limit exceeded"), "{text}");
    assert!(text.contains(&format!("resets at {at}")), "{text}");
    assert!(text.contains("in about 10 min"), "{text}");
    assert_clean(&e);
}

#[test]
fn other_forbidden_carries_githubs_message() {
    let rt = runtime();
    let server = answering_every_get(
        &rt,
        json(403, "forbidden.json").insert_header("x-ratelimit-remaining", "4999"),
    );
    let e = service(&server.uri())
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "GitHub refused access to octocat/Hello-World (403): Resource not accessible by personal access token"
    );
}

#[test]
fn server_errors_name_the_status() {
    let rt = runtime();
    let server = answering_every_get(
        &rt,
        ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"),
    );
    let e = service(&server.uri())
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    assert!(
        matches!(e, GitHubError::Status { status: 502, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("GitHub answered 502 for octocat/Hello-World"),
        "{e}"
    );
}

#[test]
fn list_pulls_reads_merged_draft_and_branches() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/repos/octocat/Hello-World/pulls"))
            .and(query_param("state", "all"))
            .and(query_param("per_page", "30"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(json(200, "pulls.json"))
            .expect(1)
            .mount(&server),
    );
    let got = service(&server.uri())
        .list_pulls(&ListPullsRequest {
            repo: hello(),
            state: StateFilter::All,
            limit: None,
        })
        .unwrap()
        .pull_requests;
    let summary: Vec<(u64, &str, bool, bool, &str, &str, &str)> = got
        .iter()
        .map(|p| {
            (
                p.number,
                p.state.as_str(),
                p.merged,
                p.draft,
                p.head.as_str(),
                p.base.as_str(),
                p.author.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                1350,
                "open",
                false,
                true,
                "gh-1345-dark-mode",
                "master",
                "monalisa"
            ),
            (
                1346,
                "closed",
                true,
                false,
                "gh-1347-found-a-bug",
                "master",
                "hubot"
            ),
            (
                1339,
                "closed",
                false,
                false,
                "experiment",
                "master",
                "octocat"
            ),
        ]
    );
    assert_eq!(got[0].title, "Add dark mode");
    assert_eq!(
        got[0].url,
        "https://github.com/octocat/Hello-World/pull/1350"
    );
}

#[test]
fn pull_limit_is_capped() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path("/repos/octocat/Hello-World/pulls"))
            .and(query_param("per_page", "100"))
            .respond_with(json(200, "pulls.json"))
            .expect(1)
            .mount(&server),
    );
    let got = service(&server.uri())
        .list_pulls(&ListPullsRequest {
            repo: hello(),
            state: StateFilter::Open,
            limit: Some(MAX_LIMIT * 10),
        })
        .unwrap();
    assert_eq!(got.pull_requests.len(), 3);
}

#[test]
fn pull_for_branch_asks_for_owner_colon_branch_in_every_state() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        Mock::given(path("/repos/octocat/Hello-World/pulls"))
            .and(query_param("head", "octocat:gh-1347-found-a-bug"))
            .and(query_param("state", "all"))
            .respond_with(json(200, "pulls_for_branch.json"))
            .mount(&server)
            .await;
        Mock::given(path("/repos/octocat/Hello-World/pulls"))
            .and(query_param("head", "octocat:no-pr-yet"))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
            .mount(&server)
            .await;
    });
    let gh = service(&server.uri());
    let pr = gh
        .pull_for_branch(&hello(), "gh-1347-found-a-bug")
        .unwrap()
        .expect("a pull request");
    assert_eq!(pr.number, 1346);
    assert!(pr.merged);
    assert_eq!(pr.head, "gh-1347-found-a-bug");
    assert_eq!(gh.pull_for_branch(&hello(), "no-pr-yet").unwrap(), None);
}

#[test]
fn renamed_repository_redirect_is_followed_with_the_token() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let moved = format!("{}/repositories/1296269/issues/1347", server.uri());
    rt.block_on(async {
        Mock::given(path("/repos/octocat/Old-Name/issues/1347"))
            .respond_with(
                ResponseTemplate::new(301)
                    .insert_header("location", moved.as_str())
                    .set_body_json(serde_json::json!({
                        "message": "Moved Permanently",
                        "url": moved,
                        "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects"
                    })),
            )
            .mount(&server)
            .await;
        Mock::given(path("/repositories/1296269/issues/1347"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(json(200, "issue_1347.json"))
            .mount(&server)
            .await;
    });
    let issue = service(&server.uri())
        .get_issue(&GetIssueRequest {
            repo: RepoRef {
                owner: "octocat".into(),
                repo: "Old-Name".into(),
            },
            number: 1347,
        })
        .unwrap();
    assert_eq!(issue.number, 1347);
}

#[test]
fn api_url_comes_from_env_then_config_then_default() {
    let config = Config {
        github_api_url: Some("https://ghe.example.com/api/v3/".into()),
        ..Config::default()
    };
    let with_env = env(&[(ENV_GITHUB_API_URL, "http://127.0.0.1:9/api/v3")]);
    assert_eq!(
        GitHubService::from_config(&config, with_env.clone()).api_url(),
        "http://127.0.0.1:9/api/v3"
    );
    assert_eq!(
        GitHubService::from_config(&config, env(&[])).api_url(),
        "https://ghe.example.com/api/v3"
    );
    assert_eq!(
        GitHubService::from_config(&config, env(&[(ENV_GITHUB_API_URL, "")])).api_url(),
        "https://ghe.example.com/api/v3",
        "an empty variable does not count"
    );
    assert_eq!(
        GitHubService::from_config(&Config::default(), env(&[])).api_url(),
        DEFAULT_API_URL
    );
    assert_eq!(
        GitHubService::from_config(&Config::default(), env(&[])).host(),
        "github.com"
    );

    // And the resolved URL is the one asked: the environment's mock, not the config's host.
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    mount_two_pages(&rt, &server, "");
    let gh = GitHubService::from_config(
        &config,
        env(&[
            (ENV_GITHUB_API_URL, &server.uri()),
            ("GITHUB_ENTERPRISE_TOKEN", TOKEN),
        ]),
    );
    assert_eq!(
        gh.list_issues(&list(StateFilter::Open, &[], None))
            .unwrap()
            .issues
            .len(),
        4
    );
}

#[test]
fn default_base_builds_an_https_client() {
    // Nothing here reaches api.github.com; this proves the client builds for it (TLS roots
    // load) by failing only at the connection: the base is a port on which nothing listens.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gh = service(&format!("https://127.0.0.1:{port}"));
    let e = gh
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    assert!(matches!(e, GitHubError::Transport { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with(&format!("could not reach https://127.0.0.1:{port}: ")),
        "{e}"
    );
    assert_clean(&e);
}

#[test]
fn token_order_and_empty_values() {
    let rt = runtime();
    let server = answering_every_get(&rt, ResponseTemplate::new(200).set_body_string("[]"));
    // The mock is not github.com: gh's enterprise variables, in gh's order.
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("GH_ENTERPRISE_TOKEN", "ghp_first"),
                ("GITHUB_ENTERPRISE_TOKEN", "ghp_second"),
                ("GH_TOKEN", "ghp_dotcom"),
            ],
            "ghp_first",
        ),
        (
            &[
                ("GH_ENTERPRISE_TOKEN", ""),
                ("GITHUB_ENTERPRISE_TOKEN", "ghp_second"),
            ],
            "ghp_second",
        ),
        (&[("GH_ENTERPRISE_TOKEN", "  ghp_padded\n")], "ghp_padded"),
    ];
    for (vars, want) in cases {
        GitHubService::new(server.uri(), env(vars))
            .list_issues(&list(StateFilter::Open, &[], None))
            .unwrap();
        let reqs = requests(&rt, &server);
        assert_eq!(
            auth(reqs.last().unwrap()),
            Some(format!("Bearer {want}").as_str()),
            "{vars:?}"
        );
    }
}

/// A stand-in `gh`: records its arguments in `args.txt` next to it, then runs `body`.
#[cfg(unix)]
fn fake_gh(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let gh = dir.join("gh");
    let args = dir.join("args.txt");
    std::fs::write(
        &gh,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n{body}\n", args.display()),
    )
    .unwrap();
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    gh
}

#[cfg(unix)]
#[test]
fn token_falls_back_to_gh_auth_token_at_the_first_call() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("GET"))
            .and(header(
                "authorization",
                format!("Bearer {GH_TOKEN_FROM_GH}").as_str(),
            ))
            .respond_with(json(200, "issues_page1.json"))
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    let gh_bin = fake_gh(
        dir.path(),
        &format!("[ \"$1 $2\" = 'auth token' ] || exit 2\nprintf '%s\\n' {GH_TOKEN_FROM_GH}"),
    );
    let gh = GitHubService::new(
        format!("{}/api/v3", server.uri()),
        env_gh(
            &[("GH_ENTERPRISE_TOKEN", ""), ("GH_TOKEN", TOKEN)],
            Some(gh_bin),
        ),
    );
    // Lazy: building the service runs nothing.
    assert!(!dir.path().join("args.txt").exists());
    // The mock serves any path; the prefix only matters for the host gh is asked about.
    let got = gh.list_issues(&list(StateFilter::Open, &[], None)).unwrap();
    assert_eq!(got.issues.len(), 2);
    gh.list_issues(&list(StateFilter::Open, &[], None)).unwrap();
    let args = std::fs::read_to_string(dir.path().join("args.txt")).unwrap();
    assert_eq!(
        args, "auth token --hostname 127.0.0.1\n",
        "gh runs once, asked about the API's host"
    );
    assert!(!format!("{gh:?}").contains(GH_TOKEN_FROM_GH));
}

#[cfg(unix)]
#[test]
fn no_token_anywhere_fails_only_the_call_and_says_what_to_do() {
    let rt = runtime();
    let server = answering_every_get(&rt, json(200, "issues_page1.json"));
    // No variables for this host (a github.com token is not one), no gh.
    let gh = GitHubService::new(server.uri(), env(&[("GH_TOKEN", TOKEN)]));
    let e = gh
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    let host = server.address().to_string();
    assert!(
        e.to_string().starts_with(&format!(
            "no GitHub token for {host}: set GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN, or run `gh auth login --hostname {host}`"
        )),
        "{e}"
    );
    assert!(!e.to_string().contains(TOKEN), "{e}");
    assert_eq!(e.to_abi().code, ErrorCode::HostFunction);

    // gh present but logged out: its reason is passed on.
    let dir = tempfile::tempdir().unwrap();
    let gh_bin = fake_gh(
        dir.path(),
        "echo 'no oauth token found for 127.0.0.1' >&2\nexit 1",
    );
    let e = GitHubService::new(server.uri(), env_gh(&[], Some(gh_bin)))
        .get_issue(&GetIssueRequest {
            repo: hello(),
            number: 1,
        })
        .unwrap_err();
    assert!(matches!(e, GitHubError::NoToken { .. }), "{e:?}");
    assert!(e.to_string().contains("no oauth token found"), "{e}");

    // Nothing reached GitHub.
    assert!(requests(&rt, &server).is_empty());
}

#[test]
fn a_token_that_appears_later_is_picked_up() {
    let rt = runtime();
    let server = answering_every_get(&rt, json(200, "issues_page1.json"));
    let token: Arc<Mutex<Option<String>>> = Arc::default();
    let t = token.clone();
    let gh = GitHubService::new(
        server.uri(),
        GitHubEnv::new(
            move |name| {
                (name == "GH_ENTERPRISE_TOKEN")
                    .then(|| t.lock().unwrap().clone())
                    .flatten()
            },
            None,
        ),
    );
    let req = list(StateFilter::Open, &[], None);
    assert!(matches!(
        gh.list_issues(&req),
        Err(GitHubError::NoToken { .. })
    ));
    *token.lock().unwrap() = Some(TOKEN.into());
    assert_eq!(gh.list_issues(&req).unwrap().issues.len(), 2);
}

#[test]
fn a_token_with_a_newline_inside_is_refused_not_sent() {
    let gh = GitHubService::new(
        "http://127.0.0.1:9",
        env(&[("GH_ENTERPRISE_TOKEN", "ghp_abc\nX-Injected: 1")]),
    );
    let e = gh
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    assert!(matches!(e, GitHubError::BadToken { .. }), "{e:?}");
    assert!(e.to_string().contains("GH_ENTERPRISE_TOKEN"), "{e}");
    assert!(!e.to_string().contains("ghp_abc"), "{e}");
}

#[test]
fn a_slow_answer_times_out() {
    let rt = runtime();
    let server = answering_every_get(
        &rt,
        json(200, "issues_page1.json").set_delay(Duration::from_secs(5)),
    );
    let gh = service(&server.uri()).with_request_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let e = gh
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(e, GitHubError::TimedOut { .. }), "{e:?}");
    assert!(e.to_string().contains(&server.uri()), "{e}");
}

#[test]
fn bad_api_url_is_reported_by_the_call() {
    let gh = GitHubService::new("api.github.com", env(&[("GH_TOKEN", TOKEN)]));
    let e = gh
        .list_issues(&list(StateFilter::Open, &[], None))
        .unwrap_err();
    assert!(matches!(e, GitHubError::BadApiUrl { .. }), "{e:?}");
    assert!(e.to_string().contains(ENV_GITHUB_API_URL), "{e}");
}

#[test]
fn plain_http_is_refused_off_loopback_before_a_token_is_read() {
    for url in ["http://ghe.example.com/api/v3", "http://api.github.com"] {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let a = asked.clone();
        let gh = GitHubService::new(
            url,
            GitHubEnv::new(
                move |name| {
                    a.lock().unwrap().push(name.to_owned());
                    Some(TOKEN.into())
                },
                None,
            ),
        );
        let e = gh
            .list_issues(&list(StateFilter::Open, &[], None))
            .unwrap_err();
        assert!(matches!(e, GitHubError::BadApiUrl { .. }), "{e:?}");
        assert!(e.to_string().contains("https"), "{e}");
        assert!(
            asked.lock().unwrap().is_empty(),
            "{:?}",
            asked.lock().unwrap()
        );
    }
}

#[test]
fn debug_never_shows_the_token() {
    let rt = runtime();
    let server = answering_every_get(&rt, json(200, "issues_page1.json"));
    let gh = service(&server.uri());
    gh.list_issues(&list(StateFilter::Open, &[], None)).unwrap();
    let debug = format!("{gh:?}");
    assert!(debug.contains("client_ready: true"), "{debug}");
    assert!(!debug.contains(TOKEN), "{debug}");
}
