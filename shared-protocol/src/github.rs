//! GitHub data as it crosses the guest ABI: repositories, issues, pull requests, and the
//! requests of the `github_*` host functions.
//!
//! These are exomonad's own small shapes, filled by the host from GitHub's REST API
//! (<https://docs.github.com/en/rest/issues/issues>, <https://docs.github.com/en/rest/pulls/pulls>).
//! The token the host uses never appears in any of them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A repository on GitHub: `owner/repo`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RepoRef {
    /// User or organisation (`octocat`).
    pub owner: String,
    /// Repository name (`hello-world`).
    pub repo: String,
}

impl RepoRef {
    /// Reads `owner/repo` out of a git remote URL, in the forms git and GitHub use:
    /// `https://github.com/o/r(.git)`, `http://…`, `ssh://git@github.com/o/r.git`,
    /// `git@github.com:o/r.git`, `git://github.com/o/r`. Any host is accepted (GitHub
    /// Enterprise), so is a trailing `/`. `None` when the URL has no `owner/repo` path
    /// (a local path, `file://`, a bare name).
    pub fn from_remote_url(url: &str) -> Option<RepoRef> {
        let url = url.trim();
        let path = if let Some((scheme, rest)) = url.split_once("://") {
            if !matches!(scheme, "https" | "http" | "ssh" | "git" | "git+ssh") {
                return None;
            }
            // Drop `user@host[:port]`.
            rest.split_once('/')?.1
        } else {
            // scp-like: `user@host:owner/repo.git`; a local path has no `:` before a `/`.
            let (host, path) = url.split_once(':')?;
            // A one-letter "host" is a Windows drive (`C:/repos/x`), as git reads it.
            if host.len() < 2 || host.contains('/') {
                return None;
            }
            path
        };
        let path = path.trim_end_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let mut parts = path.rsplitn(3, '/');
        let repo = parts.next()?;
        let owner = parts.next()?;
        let ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        (ok(owner) && ok(repo)).then(|| RepoRef {
            owner: owner.to_owned(),
            repo: repo.to_owned(),
        })
    }
}

/// Why [`RepoRef::given_or_remote`] has no repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRepo<E> {
    /// Looking up the remote URL failed.
    Lookup(E),
    /// There is no such remote (`None`), or its URL (`Some`) is not a GitHub repository's.
    NotGitHub(Option<String>),
}

impl RepoRef {
    /// `owner` and `repo` where given, each missing part taken from the remote URL that
    /// `remote_url` looks up (`Ok(None)`: no such remote). `remote_url` is called only when a
    /// part is missing, so a caller that gives both does no I/O.
    ///
    /// # Errors
    /// [`NoRepo::Lookup`] when the lookup fails, [`NoRepo::NotGitHub`] when a part is missing
    /// and the remote gives none ([`RepoRef::from_remote_url`]).
    pub fn given_or_remote<E>(
        owner: Option<String>,
        repo: Option<String>,
        remote_url: impl FnOnce() -> Result<Option<String>, E>,
    ) -> Result<RepoRef, NoRepo<E>> {
        if let (Some(owner), Some(repo)) = (&owner, &repo) {
            return Ok(RepoRef {
                owner: owner.clone(),
                repo: repo.clone(),
            });
        }
        let url = remote_url().map_err(NoRepo::Lookup)?;
        let remote = url
            .as_deref()
            .and_then(RepoRef::from_remote_url)
            .ok_or(NoRepo::NotGitHub(url))?;
        Ok(RepoRef {
            owner: owner.unwrap_or(remote.owner),
            repo: repo.unwrap_or(remote.repo),
        })
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.repo)
    }
}

/// Which issues or pull requests to list, by state (GitHub's `state` query parameter).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateFilter {
    /// Open only (GitHub's default).
    #[default]
    Open,
    /// Closed only (for pull requests: closed or merged).
    Closed,
    /// Both.
    All,
}

/// One issue (never a pull request: GitHub's issue list mixes them in, the host drops them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// The issue number in its repository.
    pub number: u64,
    /// Title, exactly as on GitHub (may hold quotes, emoji, control characters).
    pub title: String,
    /// Body in Markdown; empty when there is none.
    pub body: String,
    /// `open` or `closed`.
    pub state: String,
    /// Label names.
    pub labels: Vec<String>,
    /// Logins of the assignees.
    pub assignees: Vec<String>,
    /// Login of the author.
    pub author: String,
    /// The issue's page (`html_url`).
    pub url: String,
}

/// One pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The pull request number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    /// Whether it was merged.
    pub merged: bool,
    /// Whether it is a draft.
    pub draft: bool,
    /// The branch it merges from (`head.ref`).
    pub head: String,
    /// The branch it merges into (`base.ref`).
    pub base: String,
    /// Login of the author.
    pub author: String,
    /// The pull request's page (`html_url`).
    pub url: String,
}

/// Request of the `github_list_issues` host function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListIssuesRequest {
    /// The repository.
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Which states.
    #[serde(default)]
    pub state: StateFilter,
    /// Only issues carrying every one of these labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// At most this many issues (the host caps it at 500 and pages through GitHub's 100 per page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Reply of the `github_list_issues` host function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueList {
    /// Newest first, pull requests left out.
    pub issues: Vec<Issue>,
}

/// Request of the `github_get_issue` host function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetIssueRequest {
    /// The repository.
    #[serde(flatten)]
    pub repo: RepoRef,
    /// The issue number.
    pub number: u64,
}

/// Request of the `github_list_prs` host function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPullsRequest {
    /// The repository.
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Which states.
    #[serde(default)]
    pub state: StateFilter,
    /// At most this many (default 30, capped at 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Reply of the `github_list_prs` host function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullList {
    /// Newest first.
    pub pull_requests: Vec<PullRequest>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rr(o: &str, r: &str) -> Option<RepoRef> {
        Some(RepoRef {
            owner: o.into(),
            repo: r.into(),
        })
    }

    #[test]
    fn remote_urls() {
        for url in [
            "https://github.com/octo/hello.git",
            "https://github.com/octo/hello",
            "https://github.com/octo/hello/",
            "http://ghe.example.com/octo/hello.git",
            "ssh://git@github.com/octo/hello.git",
            "ssh://git@github.com:22/octo/hello.git",
            "git@github.com:octo/hello.git",
            "git@github.com:octo/hello",
            "git://github.com/octo/hello",
            "https://user:pw@github.com/octo/hello.git",
        ] {
            assert_eq!(RepoRef::from_remote_url(url), rr("octo", "hello"), "{url}");
        }
        assert_eq!(
            RepoRef::from_remote_url("https://ghe.example.com/api/v3/org/my.repo.git"),
            rr("org", "my.repo")
        );
    }

    #[test]
    fn not_github_shapes() {
        for url in [
            "",
            "/srv/git/hello.git",
            "../hello",
            "file:///srv/git/octo/hello.git",
            "hello",
            "https://github.com/",
            "https://github.com/octo",
            "git@github.com:octo/../x",
            "C:/repos/x",
        ] {
            assert_eq!(RepoRef::from_remote_url(url), None, "{url}");
        }
    }

    #[test]
    fn given_parts_win_and_missing_ones_come_from_the_remote() {
        let never = || -> Result<Option<String>, ()> { panic!("no lookup when both are given") };
        assert_eq!(
            RepoRef::given_or_remote(Some("a".into()), Some("b".into()), never),
            Ok(rr("a", "b").unwrap())
        );
        let origin = || Ok::<_, ()>(Some("git@github.com:octo/hello.git".to_owned()));
        assert_eq!(
            RepoRef::given_or_remote(None, Some("b".into()), origin),
            Ok(rr("octo", "b").unwrap())
        );
        assert_eq!(
            RepoRef::given_or_remote(None, None, || Ok::<_, ()>(Some("/srv/x.git".into()))),
            Err(NoRepo::NotGitHub(Some("/srv/x.git".into())))
        );
        assert_eq!(
            RepoRef::given_or_remote(None, None, || Ok::<_, ()>(None)),
            Err(NoRepo::NotGitHub(None))
        );
        assert_eq!(
            RepoRef::given_or_remote(Some("a".into()), None, || Err::<Option<String>, _>(7)),
            Err(NoRepo::Lookup(7))
        );
    }

    #[test]
    fn requests_flatten_the_repo() {
        let r: GetIssueRequest =
            serde_json::from_str(r#"{"owner":"o","repo":"r","number":3}"#).unwrap();
        assert_eq!(r.repo, rr("o", "r").unwrap());
        let l: ListIssuesRequest = serde_json::from_str(r#"{"owner":"o","repo":"r"}"#).unwrap();
        assert_eq!(l.state, StateFilter::Open);
    }
}
