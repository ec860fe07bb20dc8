//! GitHub, through its REST API (<https://docs.github.com/en/rest>) with octocrab: listing
//! and reading issues, listing pull requests, finding the pull request of a branch.
//!
//! The façade is synchronous because the guest's host functions are: each call runs the async
//! request on a small tokio runtime that this service owns (one worker thread, built at the
//! first call) and waits for the answer on the calling thread. That works from a plain thread
//! and from inside `tokio::task::spawn_blocking` of another runtime, where the MCP server runs
//! the guest; the calling thread never enters a runtime itself.
//!
//! Where things come from:
//! - the API base URL: `$EXOMONAD_GITHUB_API_URL`, else the config's `github_api_url`, else
//!   `https://api.github.com` ([`resolve_api_url`]). A base with a path
//!   (`https://ghe.example.com/api/v3`, GitHub Enterprise Server) works: octocrab keeps the
//!   path in front of every route.
//! - the token, at the first call (so a server starts without one and only GitHub calls
//!   fail), by the host it goes to, with `gh`'s own rule (`gh help environment`): for
//!   `https://api.github.com`, `$GH_TOKEN`, else `$GITHUB_TOKEN`; for any other host (GitHub
//!   Enterprise Server, a local mock), `$GH_ENTERPRISE_TOKEN`, else
//!   `$GITHUB_ENTERPRISE_TOKEN` ([`token_vars`]; empty values skipped); else the output of
//!   `gh auth token --hostname <host>` when `gh` is on `PATH` (`gh` keeps one token per
//!   host) ([`GitHubEnv`]). So a github.com token never goes to another host, whoever named
//!   that host. The token goes into the `Authorization: Bearer` header and nowhere else: not
//!   into logs, errors, events, `Debug` output, anything returned to the guest, or a worker's
//!   files and environment.
//! - the scheme: `https`, or plain `http` to a loopback address only (`localhost`,
//!   `127.0.0.0/8`, `[::1]`: a mock in tests); anything else is refused before a token is read
//!   ([`check_api_url`]).
//!
//! The API URL's sources and who may set them: the environment is the person's own (like
//! `GH_HOST` for `gh`), and a config's `github_api_url` counts only from the user's config or
//! a trusted project file ([`crate::base::config`]). The token rule above holds whichever
//! set it.
//! - TLS roots: the operating system's certificate store (octocrab turns on hyper-rustls'
//!   `native-tokio`, i.e. `rustls-native-certs`, which also honours `SSL_CERT_FILE` and
//!   `SSL_CERT_DIR`), so a GitHub Enterprise server behind a company CA works once that CA is
//!   installed. The crypto provider is ring.
//!
//! Every request is bounded in time ([`REQUEST_TIMEOUT`] by default, per page). Redirects to
//! the same origin are followed (a renamed or transferred repository answers 301); a redirect
//! elsewhere is followed without the token.

use std::fmt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use exomonad_protocol::abi::{AbiError, ErrorCode};
use exomonad_protocol::github::{
    GetIssueRequest, Issue, IssueList, ListIssuesRequest, ListPullsRequest, PullList, PullRequest,
    RepoRef, StateFilter,
};
use exomonad_protocol::names::ENV_GITHUB_API_URL;
use octocrab::{Octocrab, Page};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::base::config::Config;
use crate::services::process::{self, ProcessError};

/// The API base URL when neither the environment nor the config names one.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// How long one HTTP request (one page) may take, from connecting to the last byte of the
/// body, unless [`GitHubService::with_request_timeout`] says otherwise.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `gh auth token` may run before it is killed.
pub const GH_TIMEOUT: Duration = Duration::from_secs(5);

/// Issues asked for when the request gives no `limit`.
pub const DEFAULT_ISSUE_LIMIT: u32 = 100;

/// Pull requests asked for when the request gives no `limit`.
pub const DEFAULT_PULL_LIMIT: u32 = 30;

/// The most issues or pull requests one call returns, whatever `limit` says.
pub const MAX_LIMIT: u32 = 500;

/// The most pages one listing reads (100 items each). GitHub's issue list mixes pull
/// requests in and those are dropped, so a repository of mostly pull requests may need more
/// pages than `limit / 100`; this bounds that walk.
pub const MAX_PAGES: u32 = 20;

/// The environment variables a token for github.com is read from, in order.
pub const TOKEN_VARS: [&str; 2] = ["GH_TOKEN", "GITHUB_TOKEN"];

/// The environment variables a token for any other host (GitHub Enterprise Server) is read
/// from, in order: `gh`'s names for them.
pub const ENTERPRISE_TOKEN_VARS: [&str; 2] = ["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"];

/// The variables a token for `host` (as [`GitHubService::host`] names it) is read from:
/// [`TOKEN_VARS`] for `github.com`, [`ENTERPRISE_TOKEN_VARS`] for every other host.
pub fn token_vars(host: &str) -> [&'static str; 2] {
    if host.eq_ignore_ascii_case("github.com") {
        TOKEN_VARS
    } else {
        ENTERPRISE_TOKEN_VARS
    }
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors of the GitHub service. Messages say what to do; none contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// No token in the host's variables ([`token_vars`]), and `gh auth token` gave none.
    #[error("no GitHub token for {host}: set {}, or run `gh auth login{}`{}", .vars.join(" or "), login_host(.host), paren(.detail))]
    NoToken {
        /// The host a token was looked for.
        host: String,
        /// The variables looked at.
        vars: [&'static str; 2],
        /// Why `gh` gave none (not on `PATH`, not logged in, timed out), when it was tried;
        /// else empty.
        detail: String,
    },
    /// A token was found but cannot be sent (it holds spaces or control characters).
    #[error(
        "the GitHub token from {origin} is not a token (it holds spaces, control characters or non-ASCII); set a valid one"
    )]
    BadToken {
        /// Where it came from: `GH_TOKEN`, `GITHUB_TOKEN` or `` `gh auth token` ``.
        origin: String,
    },
    /// The API base URL cannot be used.
    #[error(
        "GitHub API URL {url:?} is not usable ({reason}); set {ENV_GITHUB_API_URL} or `github_api_url` to e.g. https://api.github.com or https://<host>/api/v3"
    )]
    BadApiUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be set up (no runtime thread, no TLS root certificates).
    #[error("could not set up the GitHub client: {0}")]
    Client(String),
    /// 401: GitHub rejected the token.
    #[error(
        "{host} rejected the GitHub token (401 {message}): set GH_TOKEN or GITHUB_TOKEN to a valid token, or run `gh auth login` again"
    )]
    Unauthorized {
        /// The host asked (`github.com`, `ghe.example.com`).
        host: String,
        /// GitHub's message (`Bad credentials`).
        message: String,
    },
    /// 404: no such repository, issue or pull request, or the token may not see it.
    #[error(
        "{what} not found on {host}, or the token cannot see it (check the name, and the token's access to private repositories)"
    )]
    NotFound {
        /// `owner/repo#N` or `owner/repo`.
        what: String,
        /// The host asked.
        host: String,
    },
    /// The rate limit is used up (403 or 429 with `x-ratelimit-remaining: 0`, or a secondary
    /// rate limit with `retry-after`).
    #[error("GitHub API rate limit exceeded on {host}; {}", reset_text(*.reset, *.retry_after))]
    RateLimited {
        /// The host asked.
        host: String,
        /// When the limit resets (`x-ratelimit-reset`, Unix seconds), if GitHub said.
        reset: Option<jiff::Timestamp>,
        /// Seconds to wait (`retry-after`), if GitHub said.
        retry_after: Option<u64>,
    },
    /// 403 for another reason (missing scope, SSO enforcement, blocked repository).
    #[error("GitHub refused access to {what} (403): {message}")]
    Forbidden {
        /// `owner/repo#N` or `owner/repo`.
        what: String,
        /// GitHub's message.
        message: String,
    },
    /// `github_get_issue` was asked for a number that is a pull request.
    #[error("{what} is a pull request, not an issue ({url})")]
    IsPullRequest {
        /// `owner/repo#N`.
        what: String,
        /// Its page.
        url: String,
    },
    /// Any other HTTP status.
    #[error("GitHub answered {status} for {what}: {message}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// `owner/repo#N` or `owner/repo`.
        what: String,
        /// GitHub's message, or the status' reason phrase.
        message: String,
    },
    /// The request did not get an answer: DNS, connection, TLS, a broken response.
    #[error("could not reach {url}: {detail}")]
    Transport {
        /// The API base URL.
        url: String,
        /// The error chain, outermost first.
        detail: String,
    },
    /// No complete answer within the time bound.
    #[error("no answer from {url} within {limit:?}")]
    TimedOut {
        /// The API base URL.
        url: String,
        /// The bound.
        limit: Duration,
    },
    /// The answer was not the JSON GitHub documents.
    #[error("unexpected answer from {url}: {detail}")]
    Decode {
        /// The API base URL.
        url: String,
        /// What did not parse.
        detail: String,
    },
}

fn login_host(host: &str) -> String {
    if host == "github.com" {
        String::new()
    } else {
        format!(" --hostname {host}")
    }
}

fn paren(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

fn reset_text(reset: Option<jiff::Timestamp>, retry_after: Option<u64>) -> String {
    match (reset, retry_after) {
        (_, Some(secs)) => format!("retry after {secs} s"),
        (Some(at), None) => {
            let secs = at.as_second() - jiff::Timestamp::now().as_second();
            let mins = (secs.max(0) + 59) / 60;
            format!("it resets at {at} (in about {mins} min); wait, or use another token")
        }
        (None, None) => "wait a while, or use another token".to_owned(),
    }
}

impl GitHubError {
    /// The error as the guest ABI carries it: [`GitHubError::NotFound`] is
    /// [`ErrorCode::NotFound`], everything else [`ErrorCode::HostFunction`]; the message is
    /// this error's `Display`.
    pub fn to_abi(&self) -> AbiError {
        let code = match self {
            GitHubError::NotFound { .. } => ErrorCode::NotFound,
            _ => ErrorCode::HostFunction,
        };
        AbiError::new(code, self.to_string())
    }
}

/// Reads an environment variable; `None` when unset (or not Unicode).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What the service reads from outside the config: environment variables
/// ([`TOKEN_VARS`], [`ENV_GITHUB_API_URL`]) and the `gh` program. Injectable so that tests
/// need neither the process environment nor a real `gh`.
#[derive(Clone)]
pub struct GitHubEnv {
    var: EnvLookup,
    gh: Option<PathBuf>,
}

impl fmt::Debug for GitHubEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The lookup can reach the token: never call it here.
        f.debug_struct("GitHubEnv")
            .field("gh", &self.gh)
            .finish_non_exhaustive()
    }
}

impl GitHubEnv {
    /// The process environment, and `gh` as found on `PATH` now (none if it is not there).
    pub fn process() -> Self {
        Self {
            var: Arc::new(|name| std::env::var(name).ok()),
            gh: which::which("gh").ok(),
        }
    }

    /// `var` answers environment lookups; `gh` is the `gh` executable to ask for a token,
    /// `None` for no `gh` at all.
    pub fn new(
        var: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        gh: Option<PathBuf>,
    ) -> Self {
        Self {
            var: Arc::new(var),
            gh,
        }
    }

    /// The value of `name` when set and not empty (after trimming whitespace).
    fn get(&self, name: &str) -> Option<String> {
        (self.var)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

/// The API base URL: `env_value` (of [`ENV_GITHUB_API_URL`]) if not empty, else `config`
/// if not empty, else [`DEFAULT_API_URL`]. Surrounding whitespace and trailing `/` are
/// dropped.
pub fn resolve_api_url(env_value: Option<&str>, config: Option<&str>) -> String {
    [env_value, config]
        .into_iter()
        .flatten()
        .map(|s| s.trim().trim_end_matches('/'))
        .find(|s| !s.is_empty())
        .unwrap_or(DEFAULT_API_URL)
        .to_owned()
}

/// The GitHub service: a base URL, where the token comes from, and (after the first call) a
/// ready client. Clones share the client. `Debug` shows the base URL and whether a client is
/// ready, never the token.
#[derive(Clone)]
pub struct GitHubService {
    api_url: Arc<str>,
    env: GitHubEnv,
    timeout: Duration,
    client: Arc<Mutex<Option<Arc<Client>>>>,
}

impl fmt::Debug for GitHubService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `try_lock`: the first call holds the lock while it asks `gh` for the token.
        let ready = self.client.try_lock().map(|c| c.is_some()).unwrap_or(false);
        f.debug_struct("GitHubService")
            .field("api_url", &self.api_url)
            .field("timeout", &self.timeout)
            .field("gh", &self.env.gh)
            .field("client_ready", &ready)
            .finish()
    }
}

/// What the first successful call builds: the runtime, the client, and the token (kept only
/// to scrub it out of error texts).
struct Client {
    runtime: Option<tokio::runtime::Runtime>,
    octo: Octocrab,
    token: String,
}

impl Drop for Client {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its tasks end, which panics inside another
        // runtime's async context; nothing of ours needs to finish, so don't wait.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl GitHubService {
    /// A service for the API at `api_url` (see [`resolve_api_url`] for the usual source)
    /// with tokens from `env`. Nothing is checked or started yet: a bad URL or a missing
    /// token is reported by the first call.
    pub fn new(api_url: impl Into<String>, env: GitHubEnv) -> Self {
        let url: String = api_url.into();
        Self {
            api_url: url.trim().trim_end_matches('/').into(),
            env,
            timeout: REQUEST_TIMEOUT,
            client: Arc::new(Mutex::new(None)),
        }
    }

    /// A service whose base URL is `$EXOMONAD_GITHUB_API_URL` (as `env` reads it), else
    /// `config.github_api_url`, else [`DEFAULT_API_URL`].
    pub fn from_config(config: &Config, env: GitHubEnv) -> Self {
        let url = resolve_api_url(
            env.get(ENV_GITHUB_API_URL).as_deref(),
            config.github_api_url.as_deref(),
        );
        Self::new(url, env)
    }

    /// [`GitHubService::from_config`] with the process environment ([`GitHubEnv::process`]).
    pub fn from_process(config: &Config) -> Self {
        Self::from_config(config, GitHubEnv::process())
    }

    /// Bounds each HTTP request (each page of a listing) by `limit` instead of
    /// [`REQUEST_TIMEOUT`]. For a clone made before a call; clones share the client.
    pub fn with_request_timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// The API base URL, without a trailing `/`.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The host that messages name: `github.com` for `https://api.github.com`, else the
    /// base URL's host (`ghe.example.com`, `127.0.0.1:8080`).
    pub fn host(&self) -> String {
        let rest = self
            .api_url
            .split_once("://")
            .map_or(&*self.api_url, |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or(rest);
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        if authority.eq_ignore_ascii_case("api.github.com") {
            "github.com".to_owned()
        } else {
            authority.to_owned()
        }
    }

    /// Open issues (or closed, or all) of a repository, newest first, without pull requests.
    ///
    /// `GET {base}/repos/{owner}/{repo}/issues?state=..&labels=a,b&sort=created&direction=desc&per_page=100`,
    /// following the `Link: rel="next"` header until `limit` issues (default
    /// [`DEFAULT_ISSUE_LIMIT`], at most [`MAX_LIMIT`]) are collected or [`MAX_PAGES`] pages
    /// were read. Items with a `pull_request` key are pull requests and are dropped. A
    /// `limit` of 0 asks nothing and returns nothing.
    ///
    /// # Errors
    /// [`GitHubError`]: no token, 401, 404 (`owner/repo`), rate limit, transport, time-out.
    pub fn list_issues(&self, req: &ListIssuesRequest) -> Result<IssueList, GitHubError> {
        let limit = req.limit.unwrap_or(DEFAULT_ISSUE_LIMIT).min(MAX_LIMIT) as usize;
        if limit == 0 {
            return Ok(IssueList::default());
        }
        let route = format!("{}/issues", repo_route(&req.repo));
        let mut query = vec![
            ("state", state_param(req.state).to_owned()),
            ("sort", "created".to_owned()),
            ("direction", "desc".to_owned()),
            ("per_page", "100".to_owned()),
        ];
        if !req.labels.is_empty() {
            query.push(("labels", req.labels.join(",")));
        }
        let items: Vec<WireIssue> = self.paged(
            route,
            query,
            limit,
            |i: &WireIssue| !i.is_pull_request(),
            &req.repo.to_string(),
        )?;
        Ok(IssueList {
            issues: items.into_iter().map(WireIssue::into_issue).collect(),
        })
    }

    /// One issue.
    ///
    /// `GET {base}/repos/{owner}/{repo}/issues/{number}`.
    ///
    /// # Errors
    /// [`GitHubError::IsPullRequest`] when the number is a pull request's;
    /// [`GitHubError::NotFound`] (`owner/repo#N`) when there is no such issue; the other
    /// [`GitHubError`]s as for [`GitHubService::list_issues`].
    pub fn get_issue(&self, req: &GetIssueRequest) -> Result<Issue, GitHubError> {
        let what = format!("{}#{}", req.repo, req.number);
        let route = format!("{}/issues/{}", repo_route(&req.repo), req.number);
        let item: WireIssue = self.run(&what, move |octo| async move {
            octo.get(route, None::<&()>).await
        })?;
        if item.is_pull_request() {
            return Err(GitHubError::IsPullRequest {
                what,
                url: item.html_url,
            });
        }
        Ok(item.into_issue())
    }

    /// Pull requests of a repository, newest first.
    ///
    /// `GET {base}/repos/{owner}/{repo}/pulls?state=..&sort=created&direction=desc&per_page=..`,
    /// following `Link: rel="next"` until `limit` (default [`DEFAULT_PULL_LIMIT`], at most
    /// [`MAX_LIMIT`]). `merged` is whether `merged_at` is set.
    ///
    /// # Errors
    /// As [`GitHubService::list_issues`].
    pub fn list_pulls(&self, req: &ListPullsRequest) -> Result<PullList, GitHubError> {
        let limit = req.limit.unwrap_or(DEFAULT_PULL_LIMIT).min(MAX_LIMIT) as usize;
        if limit == 0 {
            return Ok(PullList::default());
        }
        let route = format!("{}/pulls", repo_route(&req.repo));
        let query = vec![
            ("state", state_param(req.state).to_owned()),
            ("sort", "created".to_owned()),
            ("direction", "desc".to_owned()),
            ("per_page", limit.min(100).to_string()),
        ];
        let items: Vec<WirePull> =
            self.paged(route, query, limit, |_| true, &req.repo.to_string())?;
        Ok(PullList {
            pull_requests: items.into_iter().map(WirePull::into_pull).collect(),
        })
    }

    /// The newest pull request (open, closed or merged) whose head is `branch` of the
    /// repository itself, or `None`.
    ///
    /// `GET {base}/repos/{owner}/{repo}/pulls?head={owner}:{branch}&state=all&sort=created&direction=desc&per_page=1`.
    ///
    /// # Errors
    /// As [`GitHubService::list_issues`].
    pub fn pull_for_branch(
        &self,
        repo: &RepoRef,
        branch: &str,
    ) -> Result<Option<PullRequest>, GitHubError> {
        let route = format!("{}/pulls", repo_route(repo));
        let query = vec![
            ("head", format!("{}:{branch}", repo.owner)),
            ("state", "all".to_owned()),
            ("sort", "created".to_owned()),
            ("direction", "desc".to_owned()),
            ("per_page", "1".to_owned()),
        ];
        let page: Page<WirePull> = self.run(&repo.to_string(), move |octo| async move {
            octo.get(route, Some(&query)).await
        })?;
        Ok(page.items.into_iter().next().map(WirePull::into_pull))
    }

    /// Checks that a token is there and that GitHub accepts it, with the cheapest
    /// authenticated call there is: `GET {base}/rate_limit` (it does not count against the
    /// rate limit). Returns where the token came from and the core limit's numbers, never the
    /// token.
    ///
    /// # Errors
    /// [`GitHubError::NoToken`], [`GitHubError::BadToken`], [`GitHubError::Unauthorized`]
    /// (the token was rejected), and the transport errors of [`GitHubService::list_issues`].
    pub fn check_token(&self) -> Result<TokenCheck, GitHubError> {
        let limits: WireRateLimit = self.run("the rate limit", move |octo| async move {
            octo.get("/rate_limit", None::<&()>).await
        })?;
        Ok(TokenCheck {
            origin: token_origin(&self.env, &self.host()),
            remaining: limits.resources.core.remaining,
            limit: limits.resources.core.limit,
        })
    }

    /// Reads pages of `route` from the first (with `query`) along `rel="next"` links, keeping
    /// the items `keep` accepts, until `limit` are kept, there is no next page, or
    /// [`MAX_PAGES`] were read.
    fn paged<T>(
        &self,
        route: String,
        query: Vec<(&'static str, String)>,
        limit: usize,
        keep: fn(&T) -> bool,
        what: &str,
    ) -> Result<Vec<T>, GitHubError>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let mut kept = Vec::new();
        let mut page: Page<T> = self.run(what, move |octo| async move {
            octo.get(route, Some(&query)).await
        })?;
        for n in 1.. {
            kept.extend(page.items.drain(..).filter(keep));
            if kept.len() >= limit || n >= MAX_PAGES {
                break;
            }
            let Some(next) = page.next.take() else { break };
            page = self.run(what, move |octo| async move {
                octo.get_page(&Some(next))
                    .await
                    .map(Option::unwrap_or_default)
            })?;
        }
        kept.truncate(limit);
        Ok(kept)
    }

    /// Runs one request on the service's runtime and waits for it, bounded by the timeout;
    /// maps octocrab's errors for `what` (`owner/repo`, `owner/repo#N`).
    fn run<T, F, Fut>(&self, what: &str, request: F) -> Result<T, GitHubError>
    where
        T: Send + 'static,
        F: FnOnce(Octocrab) -> Fut,
        Fut: std::future::Future<Output = octocrab::Result<T>> + Send + 'static,
    {
        let client = self.client()?;
        let runtime = client
            .runtime
            .as_ref()
            .expect("the runtime lives as long as the client");
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let fut = request(client.octo.clone());
        let limit = self.timeout;
        runtime.spawn(async move {
            let _ = tx.send(tokio::time::timeout(limit, fut).await);
        });
        // The task always answers within `limit`; the margin only guards against a runtime
        // that stopped running tasks.
        let outcome = rx
            .recv_timeout(limit + Duration::from_secs(5))
            .map_err(|e| match e {
                std::sync::mpsc::RecvTimeoutError::Timeout => GitHubError::TimedOut {
                    url: self.api_url.to_string(),
                    limit,
                },
                std::sync::mpsc::RecvTimeoutError::Disconnected => GitHubError::Client(
                    "the GitHub request task ended without an answer".to_owned(),
                ),
            })?;
        match outcome {
            Err(_elapsed) => Err(GitHubError::TimedOut {
                url: self.api_url.to_string(),
                limit,
            }),
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(scrub(self.map_error(e, what), &client.token)),
        }
    }

    /// The ready client, built at the first call: token, base URL check, runtime, octocrab.
    /// A failure is not remembered, so the next call tries again (after `gh auth login`).
    fn client(&self) -> Result<Arc<Client>, GitHubError> {
        let mut slot = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = &*slot {
            return Ok(c.clone());
        }
        let base = check_api_url(&self.api_url)?;
        let token = resolve_token(&self.env, &self.host())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("exomonad-github")
            .enable_all()
            .build()
            .map_err(|e| GitHubError::Client(format!("could not start a runtime thread: {e}")))?;
        let octo = {
            // octocrab spawns its request buffer's worker at build time.
            let _entered = runtime.enter();
            Octocrab::builder()
                .base_uri(base)
                .map_err(|e| GitHubError::BadApiUrl {
                    url: self.api_url.to_string(),
                    reason: error_chain(&e),
                })?
                .personal_token(token.clone())
                .set_connect_timeout(Some(CONNECT_TIMEOUT))
                .set_read_timeout(Some(self.timeout))
                .set_write_timeout(Some(self.timeout))
                .build()
                .map_err(|e| {
                    GitHubError::Client(scrub_text(
                        &format!(
                            "{} (for https, the system's CA certificates must be installed, or SSL_CERT_FILE set)",
                            error_chain(&e)
                        ),
                        &token,
                    ))
                })?
        };
        let client = Arc::new(Client {
            runtime: Some(runtime),
            octo,
            token,
        });
        *slot = Some(client.clone());
        Ok(client)
    }

    fn map_error(&self, e: octocrab::Error, what: &str) -> GitHubError {
        let url = self.api_url.to_string();
        match e {
            octocrab::Error::GitHub { source, .. } => {
                let status = source.status_code;
                let header = |name: &str| {
                    source
                        .headers
                        .as_ref()
                        .and_then(|h| h.get(name))
                        .and_then(|v| v.to_str().ok())
                        .map(str::trim)
                };
                let message = source.message.trim().to_owned();
                let remaining_zero = header("x-ratelimit-remaining") == Some("0");
                let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
                match status.as_u16() {
                    401 => GitHubError::Unauthorized {
                        host: self.host(),
                        message,
                    },
                    404 => GitHubError::NotFound {
                        what: what.to_owned(),
                        host: self.host(),
                    },
                    403 | 429 if remaining_zero || retry_after.is_some() || status == 429 => {
                        GitHubError::RateLimited {
                            host: self.host(),
                            reset: source
                                .rate_limit_reset
                                .and_then(|s| i64::try_from(s).ok())
                                .and_then(|s| jiff::Timestamp::from_second(s).ok()),
                            retry_after,
                        }
                    }
                    403 => GitHubError::Forbidden {
                        what: what.to_owned(),
                        message,
                    },
                    301 | 302 | 307 | 308 => GitHubError::Status {
                        status: status.as_u16(),
                        what: what.to_owned(),
                        message: format!(
                            "{message} (moved to another host; set {ENV_GITHUB_API_URL} or use the new name)"
                        ),
                    },
                    code => GitHubError::Status {
                        status: code,
                        what: what.to_owned(),
                        message,
                    },
                }
            }
            e @ (octocrab::Error::Serde { .. }
            | octocrab::Error::Json { .. }
            | octocrab::Error::InvalidUtf8 { .. }) => GitHubError::Decode {
                url,
                detail: error_chain(&e),
            },
            e @ octocrab::Error::Other { .. } => GitHubError::Decode {
                url,
                detail: error_chain(&e),
            },
            // The connector's own read or connect bound (hyper-timeout) is an I/O time-out.
            e if is_timeout(&e) => GitHubError::TimedOut {
                url,
                limit: self.timeout,
            },
            e => GitHubError::Transport {
                url,
                detail: error_chain(&e),
            },
        }
    }
}

/// Checks that `url` is an absolute `https` URL with a host (or `http` to a loopback host),
/// and returns it.
fn check_api_url(url: &str) -> Result<String, GitHubError> {
    let bad = |reason: &str| GitHubError::BadApiUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("no scheme; it must start with https://"));
    };
    if !matches!(scheme, "https" | "http") {
        return Err(bad("the scheme must be https or http"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    if rest.contains(['?', '#']) {
        return Err(bad("it must not have a query or fragment"));
    }
    if scheme == "http" && !is_loopback(authority) {
        return Err(bad(
            "plain http would send the token in clear text; use https (http is only for a loopback address)",
        ));
    }
    Ok(url.to_owned())
}

/// Whether the authority (`host[:port]`, `[v6]:port`, maybe with `user@`) names this machine:
/// `localhost`, an IPv4 address in `127.0.0.0/8`, or `::1`.
fn is_loopback(authority: &str) -> bool {
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What [`GitHubService::check_token`] learnt: the token works.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenCheck {
    /// Where the token came from: one of [`token_vars`] for the host, or `` `gh auth token` ``.
    pub origin: String,
    /// Requests left in the current hour (the `core` resource of `GET /rate_limit`).
    pub remaining: u64,
    /// Requests allowed per hour (5000 for a personal token).
    pub limit: u64,
}

/// `GET /rate_limit`'s body, the part read: `resources.core.{limit,remaining}`.
#[derive(Deserialize)]
struct WireRateLimit {
    resources: WireResources,
}

#[derive(Deserialize)]
struct WireResources {
    core: WireLimit,
}

#[derive(Deserialize)]
struct WireLimit {
    limit: u64,
    remaining: u64,
}

/// Where [`resolve_token`] takes the token for `host` from: the first non-empty of its
/// [`token_vars`], else `` `gh auth token` ``.
fn token_origin(env: &GitHubEnv, host: &str) -> String {
    token_vars(host)
        .iter()
        .find(|name| env.get(name).is_some())
        .map_or_else(|| "`gh auth token`".to_owned(), |name| (*name).to_owned())
}

/// The token for `host`: the first non-empty of its [`token_vars`], else
/// `gh auth token --hostname host`.
fn resolve_token(env: &GitHubEnv, host: &str) -> Result<String, GitHubError> {
    let vars = token_vars(host);
    for name in vars {
        if let Some(token) = env.get(name) {
            return checked_token(token, name);
        }
    }
    let no_token = |detail: String| GitHubError::NoToken {
        host: host.to_owned(),
        vars,
        detail,
    };
    let Some(gh) = &env.gh else {
        return Err(no_token("`gh` is not on PATH".to_owned()));
    };
    // `gh auth token` knows the host without the port.
    let host = host.split(':').next().unwrap_or(host);
    match gh_token(gh, host) {
        Ok(token) => checked_token(token, "`gh auth token`"),
        Err(detail) => Err(no_token(detail)),
    }
}

fn checked_token(token: String, origin: &str) -> Result<String, GitHubError> {
    if token.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(token)
    } else {
        Err(GitHubError::BadToken {
            origin: origin.to_owned(),
        })
    }
}

/// Runs `gh auth token --hostname host` (stdin closed, at most [`GH_TIMEOUT`]) and returns
/// its trimmed stdout; `Err` says why there is none (without the output itself).
fn gh_token(gh: &std::path::Path, host: &str) -> Result<String, String> {
    let what = format!("`{} auth token --hostname {host}`", gh.display());
    let mut cmd = Command::new(gh);
    cmd.args(["auth", "token", "--hostname", host]);
    let done = process::run(&mut cmd, None, GH_TIMEOUT).map_err(|e| match e {
        ProcessError::Spawn(e) => format!("could not run {what}: {e}"),
        ProcessError::TimedOut { .. } => {
            format!("{what} did not finish within {GH_TIMEOUT:?}; killed it")
        }
    })?;
    let (status, out, err) = (done.status, done.stdout, done.stderr);
    let token = out.trim();
    if !status.success() {
        // gh says e.g. "no oauth token found for github.com"; a failed gh printed no token,
        // but scrub whatever stdout held anyway.
        let err = scrub_text(err.trim(), token);
        return Err(format!("{what} failed ({status}): {err}"));
    }
    if token.is_empty() {
        return Err(format!("{what} printed nothing"));
    }
    Ok(token.to_owned())
}

/// `/repos/{owner}/{repo}` with both names percent-encoded as path segments.
fn repo_route(repo: &RepoRef) -> String {
    format!(
        "/repos/{}/{}",
        encode_segment(&repo.owner),
        encode_segment(&repo.repo)
    )
}

fn encode_segment(s: &str) -> String {
    // `.` and `..` alone would be read as "this" and "parent" segments.
    let dots_ok = s != "." && s != "..";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') || (b == b'.' && dots_ok) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn state_param(state: StateFilter) -> &'static str {
    match state {
        StateFilter::Open => "open",
        StateFilter::Closed => "closed",
        StateFilter::All => "all",
    }
}

/// Whether `e` or one of its sources is an I/O time-out.
fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// `e` and its sources, joined with `: `.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cur = s.source();
    }
    text
}

fn scrub_text(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "***")
    }
}

/// Removes `token` from every text field of `e` (GitHub does not echo tokens, but its
/// messages and transport errors are outside our control).
fn scrub(e: GitHubError, token: &str) -> GitHubError {
    let s = |t: String| scrub_text(&t, token);
    match e {
        GitHubError::Unauthorized { host, message } => GitHubError::Unauthorized {
            host,
            message: s(message),
        },
        GitHubError::Forbidden { what, message } => GitHubError::Forbidden {
            what,
            message: s(message),
        },
        GitHubError::Status {
            status,
            what,
            message,
        } => GitHubError::Status {
            status,
            what,
            message: s(message),
        },
        GitHubError::Transport { url, detail } => GitHubError::Transport {
            url,
            detail: s(detail),
        },
        GitHubError::Decode { url, detail } => GitHubError::Decode {
            url,
            detail: s(detail),
        },
        GitHubError::Client(detail) => GitHubError::Client(s(detail)),
        other => other,
    }
}

// What we read of GitHub's JSON: only the fields we fill, the rest ignored, so that a
// GitHub Enterprise version with fewer or more fields still parses.

#[derive(Deserialize)]
struct WireUser {
    login: String,
}

/// A label is an object in GitHub's answers; its schema also allows a bare name.
#[derive(Deserialize)]
#[serde(untagged)]
enum WireLabel {
    Object { name: String },
    Name(String),
}

#[derive(Deserialize)]
struct WireIssue {
    number: u64,
    title: String,
    #[serde(default)]
    body: Option<String>,
    state: String,
    #[serde(default)]
    labels: Vec<WireLabel>,
    #[serde(default)]
    assignees: Option<Vec<WireUser>>,
    #[serde(default)]
    user: Option<WireUser>,
    html_url: String,
    #[serde(default)]
    pull_request: Option<serde_json::Value>,
}

impl WireIssue {
    fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }

    fn into_issue(self) -> Issue {
        Issue {
            number: self.number,
            title: self.title,
            body: self.body.unwrap_or_default(),
            state: self.state,
            labels: self
                .labels
                .into_iter()
                .map(|l| match l {
                    WireLabel::Object { name } | WireLabel::Name(name) => name,
                })
                .collect(),
            assignees: self
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(|u| u.login)
                .collect(),
            author: self.user.map(|u| u.login).unwrap_or_default(),
            url: self.html_url,
        }
    }
}

#[derive(Deserialize)]
struct WireRef {
    #[serde(rename = "ref")]
    name: String,
}

#[derive(Deserialize)]
struct WirePull {
    number: u64,
    title: String,
    state: String,
    #[serde(default)]
    merged_at: Option<String>,
    #[serde(default)]
    draft: Option<bool>,
    head: WireRef,
    base: WireRef,
    #[serde(default)]
    user: Option<WireUser>,
    html_url: String,
}

impl WirePull {
    fn into_pull(self) -> PullRequest {
        PullRequest {
            number: self.number,
            title: self.title,
            state: self.state,
            merged: self.merged_at.is_some(),
            draft: self.draft.unwrap_or(false),
            head: self.head.name,
            base: self.base.name,
            author: self.user.map(|u| u.login).unwrap_or_default(),
            url: self.html_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_codes() {
        let nf = GitHubError::NotFound {
            what: "o/r#3".into(),
            host: "github.com".into(),
        };
        let abi = nf.to_abi();
        assert_eq!(abi.code, ErrorCode::NotFound);
        assert_eq!(abi.message, nf.to_string());
        assert!(
            abi.message.contains("o/r#3 not found on github.com"),
            "{}",
            abi.message
        );
        for e in [
            GitHubError::NoToken {
                host: "github.com".into(),
                vars: TOKEN_VARS,
                detail: String::new(),
            },
            GitHubError::Unauthorized {
                host: "github.com".into(),
                message: "Bad credentials".into(),
            },
            GitHubError::RateLimited {
                host: "github.com".into(),
                reset: None,
                retry_after: Some(60),
            },
            GitHubError::Transport {
                url: DEFAULT_API_URL.into(),
                detail: "refused".into(),
            },
        ] {
            let abi = e.to_abi();
            assert_eq!(abi.code, ErrorCode::HostFunction, "{e}");
            assert_eq!(abi.message, e.to_string());
        }
    }

    #[test]
    fn api_url_order() {
        assert_eq!(resolve_api_url(None, None), DEFAULT_API_URL);
        assert_eq!(resolve_api_url(Some(" "), Some("")), DEFAULT_API_URL);
        assert_eq!(
            resolve_api_url(None, Some("https://ghe.example.com/api/v3/")),
            "https://ghe.example.com/api/v3"
        );
        assert_eq!(
            resolve_api_url(
                Some("http://127.0.0.1:9"),
                Some("https://ghe.example.com/api/v3")
            ),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn hosts_and_urls() {
        let env = || GitHubEnv::new(|_| None, None);
        assert_eq!(
            GitHubService::new(DEFAULT_API_URL, env()).host(),
            "github.com"
        );
        assert_eq!(
            GitHubService::new("https://ghe.example.com/api/v3", env()).host(),
            "ghe.example.com"
        );
        assert!(check_api_url("https://ghe.example.com/api/v3").is_ok());
        for ok in [
            "http://127.0.0.1:9",
            "http://127.1.2.3/api/v3",
            "http://localhost:8080",
            "http://[::1]:80",
        ] {
            assert!(check_api_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "api.github.com",
            "ftp://x",
            "https://",
            "https://h/?q=1",
            "http://api.github.com",
            "http://ghe.example.com/api/v3",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com:80",
            "http://[::2]:80",
            "http://10.0.0.1",
        ] {
            assert!(
                matches!(check_api_url(bad), Err(GitHubError::BadApiUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_github_com_token_goes_to_github_com_only() {
        let env = GitHubEnv::new(
            |name| match name {
                "GH_TOKEN" => Some("ghp_dotcom".into()),
                "GH_ENTERPRISE_TOKEN" => Some("ghp_ghes".into()),
                _ => None,
            },
            None,
        );
        assert_eq!(resolve_token(&env, "github.com").unwrap(), "ghp_dotcom");
        assert_eq!(resolve_token(&env, "ghe.example.com").unwrap(), "ghp_ghes");
        assert_eq!(resolve_token(&env, "127.0.0.1:9").unwrap(), "ghp_ghes");
        let dotcom_only = GitHubEnv::new(
            |name| (name == "GH_TOKEN").then(|| "ghp_dotcom".into()),
            None,
        );
        let e = resolve_token(&dotcom_only, "evil.example.com").unwrap_err();
        assert!(
            matches!(e, GitHubError::NoToken { .. }) && !e.to_string().contains("ghp_dotcom"),
            "{e}"
        );
        assert!(e.to_string().contains("GH_ENTERPRISE_TOKEN"), "{e}");
        assert!(e.to_string().contains("--hostname evil.example.com"), "{e}");
    }

    #[test]
    fn repo_names_are_path_segments() {
        let r = RepoRef {
            owner: "a b".into(),
            repo: "../x?y".into(),
        };
        assert_eq!(repo_route(&r), "/repos/a%20b/..%2Fx%3Fy");
        let r = RepoRef {
            owner: "..".into(),
            repo: "my.repo".into(),
        };
        assert_eq!(repo_route(&r), "/repos/%2E%2E/my.repo");
    }

    #[test]
    fn tokens_must_be_header_safe() {
        assert!(checked_token("ghp_abcDEF123".into(), "GH_TOKEN").is_ok());
        for bad in ["a b", "a\nb", "ä"] {
            let e = checked_token(bad.into(), "GH_TOKEN").unwrap_err();
            assert!(!e.to_string().contains(bad), "{e}");
        }
    }
}
