//! The shell-command deny-list: the only tool calls this guest refuses.
//!
//! Everything not matched here proceeds through the runtime's normal permission flow; the guest
//! never *allows* anything on its own. The rules are in [`DENY_RULES`]:
//!
//! | rule | matches | why |
//! |---|---|---|
//! | `force-push` | `git push` with `--force`, `-f` (also in a flag cluster such as `-fu`), `--force-with-lease[=...]`, or a `+refspec` argument | overwrites remote history others may have built on |
//! | `recursive-delete-root` | `rm` with `-r`, `-R`, `--recursive` or a flag cluster holding `r`/`R`, whose target is `/`, `~`, `$HOME`, `.`, `..` (or only `..`s), `*`, the hook's `cwd`, a parent of `cwd`, any of those with trailing `/` or `/*` | deletes the worktree, the home directory or the whole file system |
//!
//! How a command line is read (see [`crate::shell`]): it is split into simple commands at `;`,
//! `&&`, `||`, `|`, `&`, newlines and parentheses, and the commands inside every command
//! substitution (`$(...)` or backquotes, unquoted or inside double quotes) are commands too, so a
//! rule matches anywhere in a compound command. In front of the command word, variable
//! assignments (`FOO=1`), the reserved words `!`, `{`, `if`, `then`, `else`, `elif`, `do`,
//! `while`, `until`, `time`, and the wrappers `sudo`, `doas`, `env`, `command`, `builtin`,
//! `exec`, `nohup`, `nice`, `timeout` and `xargs` (with their options) are skipped; the command
//! word is compared by its base name (`/usr/bin/git` is `git`). `sh`/`bash`/`zsh`/`dash`/`ksh
//! [options] -c '<script>'` (options such as `-o pipefail` included) and `eval <words>` are
//! checked recursively (up to [`MAX_NESTING`] levels). `git` global options (`-C <dir>`,
//! `-c <k=v>`, `--git-dir=...`, ...) before `push` are skipped.
//!
//! Known limits, on purpose (this is a seat belt against an agent's mistakes, not a sandbox:
//! an agent set on getting around it can, and the runtime's own permissions and the remote's
//! branch protection are the real fences):
//! - Quoted text is data: `echo "git push --force"`, `echo '$(git push -f)'` and
//!   `git commit -m "rm -rf /"` proceed (the quoted words are arguments of `echo`/`git commit`,
//!   nothing runs them), and so do here-document bodies and escaped `\$(`/`` \` `` inside
//!   double quotes. A `$(...)` or backquotes inside double quotes or in the body of an
//!   unquoted here-document (`<<EOF`, not `<<'EOF'`) do run, and are checked.
//! - No expansion: `$HOME`/`~` are recognised literally; other variables (`rm -rf "$DIR"`), a
//!   computed command (`eval "$CMD"`, `bash -c "$(cat f)"`, `$GIT push -f`), shell and git
//!   aliases and shell functions are not followed.
//! - Only the command line is read: a script written to a file and run (`./push.sh`,
//!   `bash push.sh`), text piped or redirected into a shell (`echo 'git push -f' | sh`,
//!   `bash <<EOF`), and other programs that run commands (`find -exec`, `make`, `watch`,
//!   `parallel`, `python -c`) are not followed. `xargs` is followed, but the arguments it reads
//!   from its input are unknown (`echo -f | xargs git push` proceeds).
//! - `cd` is not tracked: relative targets are resolved against the hook's `cwd`, so
//!   `cd build && rm -rf .` is denied although it would only delete `build` (conservative).
//! - A quoted `'*'` is treated like the glob `*` (denied).
//! - `git push --delete`, `git push origin :branch` and `git push --mirror` are not covered,
//!   nor a configured forced refspec (`remote.origin.push=+refs/heads/*`).

use std::fmt;

use crate::shell::simple_commands;

/// One deny rule: its name (quoted in the reason the agent reads), what it matches, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DenyRule {
    /// Short, stable name, e.g. `force-push`.
    pub name: &'static str,
    /// What the rule matches, in words.
    pub matches: &'static str,
    /// Why it is refused, and what to do instead; the agent reads this.
    pub why: &'static str,
}

/// `git push` that overwrites remote history.
pub const FORCE_PUSH: DenyRule = DenyRule {
    name: "force-push",
    matches: "`git push` with --force, -f, --force-with-lease or a +refspec",
    why: "A force push overwrites history on the remote that other agents or people may have \
          built on. Push without force (fetch and rebase or merge first if the push is \
          rejected), or ask the person to force-push.",
};

/// `rm -r` of the worktree, the home directory, the file system root, or a parent of them.
pub const RECURSIVE_DELETE_ROOT: DenyRule = DenyRule {
    name: "recursive-delete-root",
    matches: "recursive `rm` of /, ~, $HOME, ., .., *, the working directory or one of its parents",
    why: "That deletes the whole worktree (committed or not) or more. Delete the specific \
          paths you mean instead (e.g. `rm -rf build/`).",
};

/// Every deny rule, in the order they are checked.
pub const DENY_RULES: &[DenyRule] = &[FORCE_PUSH, RECURSIVE_DELETE_ROOT];

/// How deep `bash -c '...'` and `eval` are followed.
pub const MAX_NESTING: usize = 4;

/// A command that a [`DenyRule`] matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule that matched.
    pub rule: DenyRule,
    /// The simple command that matched, its words joined by spaces (shortened when long).
    pub command: String,
    /// What exactly matched, e.g. "target `/` is the file system root".
    pub detail: String,
}

impl Violation {
    /// The reason given to the agent: names the rule, the command, what matched, and why.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Denied by exomonad rule `{}` ({}): `{}` {}. {}",
            self.rule.name, self.rule.matches, self.command, self.detail, self.rule.why
        )
    }
}

/// Checks a shell command line against [`DENY_RULES`]; `cwd` is the hook payload's working
/// directory (an absolute path), used to resolve `rm` targets. Returns the first match.
pub fn check_command(script: &str, cwd: Option<&str>) -> Option<Violation> {
    check_script(script, cwd, 0)
}

fn check_script(script: &str, cwd: Option<&str>, depth: usize) -> Option<Violation> {
    simple_commands(script)
        .iter()
        .find_map(|words| check_simple(words, cwd, depth))
}

fn check_simple(words: &[String], cwd: Option<&str>, depth: usize) -> Option<Violation> {
    let words = strip_prefixes(words);
    let (first, args) = words.split_first()?;
    let violation = |rule: DenyRule, detail: String| Violation {
        rule,
        command: display_command(words),
        detail,
    };
    match basename(first) {
        "git" => force_push(args).map(|detail| violation(FORCE_PUSH, detail)),
        "rm" => recursive_delete_root(args, cwd).map(|d| violation(RECURSIVE_DELETE_ROOT, d)),
        "sh" | "bash" | "zsh" | "dash" | "ksh" if depth < MAX_NESTING => {
            check_script(shell_c_script(args)?, cwd, depth + 1)
        }
        "eval" if depth < MAX_NESTING => check_script(&args.join(" "), cwd, depth + 1),
        _ => None,
    }
}

/// Reserved words that may stand in front of a command word.
const RESERVED: &[&str] = &[
    "!", "{", "if", "then", "else", "elif", "do", "while", "until",
];

/// `xargs` options (GNU and BSD) that take the next word as their value; the optional-value
/// ones (`-i`, `-l`, `-e`, `--replace`, ...) only take an attached value.
const XARGS_WITH_VALUE: &[&str] = &[
    "-a",
    "-d",
    "-E",
    "-I",
    "-J",
    "-L",
    "-n",
    "-P",
    "-R",
    "-s",
    "-S",
    "--arg-file",
    "--delimiter",
    "--max-args",
    "--max-chars",
    "--max-procs",
    "--process-slot-var",
];

/// Drops what runs *another* command from the front: assignments, reserved words, wrappers.
fn strip_prefixes(mut words: &[String]) -> &[String] {
    while let Some((first, rest)) = words.split_first() {
        let skip = if is_assignment(first) || RESERVED.contains(&first.as_str()) {
            1
        } else {
            match basename(first) {
                "sudo" | "doas" => {
                    1 + options_len(
                        rest,
                        &["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T"],
                    )
                }
                "env" => 1 + options_len(rest, &["-u", "-C", "--unset", "--chdir"]),
                "command" | "builtin" | "exec" | "nohup" | "time" => 1 + options_len(rest, &["-a"]),
                "nice" => 1 + options_len(rest, &["-n"]),
                // timeout [options] DURATION COMMAND...
                "timeout" => 2 + options_len(rest, &["-s", "-k", "--signal", "--kill-after"]),
                // xargs [options] COMMAND ARGS...: runs COMMAND ARGS plus what it reads.
                "xargs" => 1 + options_len(rest, XARGS_WITH_VALUE),
                _ => return words,
            }
        };
        words = words.get(skip..).unwrap_or_default();
    }
    words
}

/// How many leading words of `words` are options (and their values, for `with_value`).
fn options_len(words: &[String], with_value: &[&str]) -> usize {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        if w == "--" {
            return i + 1;
        }
        if !w.starts_with('-') || w == "-" {
            break;
        }
        i += if with_value.contains(&w.as_str()) {
            2
        } else {
            1
        };
    }
    i.min(words.len())
}

/// `NAME=value` (or `NAME+=value`) with a valid shell variable name.
fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let name = name.strip_suffix('+').unwrap_or(name);
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

fn display_command(words: &[String]) -> String {
    const MAX_CHARS: usize = 200;
    let joined = words.join(" ");
    if joined.chars().count() <= MAX_CHARS {
        return joined;
    }
    let mut short: String = joined.chars().take(MAX_CHARS).collect();
    short.push('…');
    short
}

/// The script of `sh -c '<script>'` (or `bash -lc`, `-xc`, `-o pipefail -c`, ...): the first
/// operand after an option cluster holding `c`. `-o`/`+o`/`-O`/`+O` (last in a cluster),
/// `--rcfile` and `--init-file` take the next word as their value; `-` and `--` end the options.
fn shell_c_script(args: &[String]) -> Option<&str> {
    let mut seen_c = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let is_cluster = arg.len() > 1
            && (arg.starts_with('+') || (arg.starts_with('-') && !arg.starts_with("--")));
        if is_cluster {
            seen_c |= arg.starts_with('-') && arg.contains('c');
            if arg.ends_with(['o', 'O']) {
                args.next();
            }
        } else if arg == "--" || arg == "-" {
            return args.next().filter(|_| seen_c).map(String::as_str);
        } else if arg.starts_with("--") {
            if matches!(arg.as_str(), "--rcfile" | "--init-file") {
                args.next();
            }
        } else {
            return seen_c.then_some(arg.as_str());
        }
    }
    None
}

/// `args` are the words after `git`. `Some(detail)` when they force-push.
fn force_push(args: &[String]) -> Option<String> {
    // git's global options before the subcommand; these take a separate value.
    const GLOBAL_WITH_VALUE: &[&str] = &[
        "-C",
        "-c",
        "--git-dir",
        "--work-tree",
        "--namespace",
        "--config-env",
        "--super-prefix",
        "--exec-path",
    ];
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if !arg.starts_with('-') {
            break;
        }
        i += if GLOBAL_WITH_VALUE.contains(&arg.as_str()) {
            2
        } else {
            1
        };
    }
    if args.get(i).map(String::as_str) != Some("push") {
        return None;
    }
    // `git push` options that take a separate value.
    const PUSH_WITH_VALUE: &[&str] = &["--repo", "--receive-pack", "--exec", "--push-option"];
    let mut rest = args.get(i + 1..).unwrap_or_default().iter();
    let mut options_done = false;
    while let Some(arg) = rest.next() {
        if options_done || !arg.starts_with('-') || arg == "-" {
            if arg.starts_with('+') && arg.len() > 1 {
                return Some(format!("pushes the forced refspec `{arg}`"));
            }
        } else if arg == "--" {
            options_done = true;
        } else if let Some(long) = arg.strip_prefix("--") {
            let name = long.split_once('=').map_or(long, |(name, _)| name);
            if matches!(name, "force" | "force-with-lease") {
                return Some(format!("force-pushes (`{arg}`)"));
            }
            if PUSH_WITH_VALUE.contains(&arg.as_str()) {
                rest.next();
            }
        } else {
            // A short option cluster such as `-fu`; `-o` takes the rest (or the next word).
            let cluster = &arg[1..];
            for (at, flag) in cluster.char_indices() {
                match flag {
                    'f' => return Some(format!("force-pushes (`{arg}`)")),
                    'o' => {
                        if at + 1 == cluster.len() {
                            rest.next();
                        }
                        break;
                    }
                    _ => {}
                }
            }
        }
    }
    None
}

/// `args` are the words after `rm`. `Some(detail)` when they recursively delete a protected
/// target.
fn recursive_delete_root(args: &[String], cwd: Option<&str>) -> Option<String> {
    let mut recursive = false;
    let mut targets = Vec::new();
    let mut options_done = false;
    for arg in args {
        if options_done || !arg.starts_with('-') || arg == "-" {
            targets.push(arg.as_str());
        } else if arg == "--" {
            options_done = true;
        } else if let Some(long) = arg.strip_prefix("--") {
            recursive |= long == "recursive";
        } else {
            recursive |= arg.contains(['r', 'R']);
        }
    }
    if !recursive {
        return None;
    }
    targets.into_iter().find_map(|target| {
        protected_target(target, cwd)
            .map(|what| format!("recursively deletes `{target}`, which is {what}"))
    })
}

/// Where a target path starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Root,
    Home,
    Cwd,
}

/// `Some(description)` when deleting `target` recursively would delete the file system root,
/// the home directory, or the working directory `cwd` (or something containing it).
fn protected_target(target: &str, cwd: Option<&str>) -> Option<&'static str> {
    if target.is_empty() {
        return None;
    }
    let (base, rest) = split_base(target);
    let mut parts: Vec<&str> = rest
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    // `X/*` deletes everything in X: as bad as deleting X.
    if parts.last() == Some(&"*") {
        parts.pop();
    }
    let cwd_parts = cwd
        .filter(|c| c.starts_with('/'))
        .map(|c| resolve(&[], c.split('/')).0);
    match base {
        Base::Root => {
            let (path, _) = resolve(&[], parts);
            if path.is_empty() {
                Some("the file system root")
            } else if cwd_parts.is_some_and(|c| c.starts_with(&path)) {
                Some("the working directory or a directory that contains it")
            } else {
                None
            }
        }
        Base::Home => {
            let (path, _) = resolve(&[], parts);
            path.is_empty()
                .then_some("the home directory or a directory that contains it")
        }
        Base::Cwd => {
            let contains_cwd = match &cwd_parts {
                Some(c) => c.starts_with(&resolve(c, parts).0),
                None => resolve(&[], parts).0.is_empty(),
            };
            contains_cwd.then_some("the working directory or a directory that contains it")
        }
    }
}

/// Splits off `/`, `~`, `$HOME`, `${HOME}`, `$PWD`, `${PWD}` from the front of a path.
fn split_base(target: &str) -> (Base, &str) {
    for (prefix, base) in [
        ("~", Base::Home),
        ("$HOME", Base::Home),
        ("${HOME}", Base::Home),
        ("$PWD", Base::Cwd),
        ("${PWD}", Base::Cwd),
    ] {
        if let Some(rest) = target.strip_prefix(prefix)
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return (base, rest);
        }
    }
    if target.starts_with('/') {
        (Base::Root, target)
    } else {
        (Base::Cwd, target)
    }
}

/// Appends `parts` to `start`, resolving `.` and `..` lexically; `..` above the start is
/// dropped (as at `/`) and counted in the second value.
fn resolve<'a>(
    start: &[&'a str],
    parts: impl IntoIterator<Item = &'a str>,
) -> (Vec<&'a str>, usize) {
    let mut path = start.to_vec();
    let mut above = 0;
    for part in parts {
        match part {
            "" | "." => {}
            ".." => {
                if path.pop().is_none() {
                    above += 1;
                }
            }
            _ => path.push(part),
        }
    }
    (path, above)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CWD: Option<&str> = Some("/home/dev/project");

    fn rule(command: &str) -> Option<&'static str> {
        check_command(command, CWD).map(|v| v.rule.name)
    }

    #[track_caller]
    fn assert_denied(rule_name: &str, commands: &[&str]) {
        for c in commands {
            assert_eq!(
                rule(c),
                Some(rule_name),
                "{c:?} should be denied by {rule_name}"
            );
        }
    }

    #[track_caller]
    fn assert_allowed(commands: &[&str]) {
        for c in commands {
            assert_eq!(check_command(c, CWD), None, "{c:?} should proceed");
        }
    }

    #[test]
    fn force_push_is_denied_in_every_spelling() {
        assert_denied(
            "force-push",
            &[
                "git push --force",
                "git push -f",
                "git push -f origin main",
                "git push origin main --force",
                "git push --force-with-lease",
                "git push --force-with-lease=main:abc123 origin main",
                "git push origin +main",
                "git push origin +HEAD:refs/heads/main",
                "git push -uf origin feature",
                "git push -- origin +main",
                "git -C /tmp/x push -f",
                "git -c push.default=current --no-pager push --force",
                "/usr/bin/git push -f",
                "\\git push -f",
                "'git' push '--force'",
                "GIT_TRACE=1 git push -f",
                "sudo -u dev git push -f",
                "env -u X FOO=1 git push -f",
                "timeout 30 git push -f",
                "nohup git push -f &",
                "if true; then git push --force; fi",
            ],
        );
    }

    #[test]
    fn force_push_is_found_in_compound_commands() {
        assert_denied(
            "force-push",
            &[
                "git add . && git commit -m wip && git push --force",
                "git fetch; git rebase origin/main; git push -f",
                "echo start | git push -f",
                "make || git push -f origin HEAD",
                "(cd sub && git push -f)",
                "git status\ngit push --force",
                "echo $(git push -f)",
                "echo `git push -f`",
                "bash -c 'git push --force'",
                "sh -lc \"cd x && git push -f\"",
                "eval git push -f",
                "bash -c \"bash -c 'git push -f'\"",
                "echo \"$(git push -f)\"",
                "echo \"pushed: `git push --force`\"",
                "git commit -m \"fix: `git push -f`\"",
                "out=\"$(bash -c \"git push -f\" 2>&1)\"",
                "echo \"$(echo \"$(git push -f)\")\"",
                "bash -o pipefail -c 'git push --force'",
                "bash -e -O extglob +o posix -c 'git push -f'",
                "bash --rcfile x -c 'git push -f'",
                "bash -c -- 'git push -f'",
                "git branch --show-current | xargs git push -f origin",
                "echo main | xargs -n 1 -I {} git push --force origin {}",
                "xargs -0 -P4 --max-args 1 sudo git push -f",
                "env -i PATH=/usr/bin git push --force-with-lease",
                "git -C ../project push -f",
                "cat <<EOF\n$(git push -f)\nEOF",
                "git commit -F - <<EOF\nfix: `git push --force`\nEOF",
            ],
        );
    }

    #[test]
    fn ordinary_pushes_and_lookalikes_proceed() {
        assert_allowed(&[
            "git push",
            "git push origin main",
            "git push -u origin gh-12/fix-login",
            "git push --set-upstream origin HEAD",
            "git push --follow-tags",
            "git push --force-if-includes origin main",
            "git push -o ci.skip origin main",
            "git push -of origin main",
            "git push --push-option -f origin main",
            "git push origin :old-branch",
            "git status -f",
            "git commit -m 'do not git push -f'",
            // Quoted text is data: echo only prints it.
            "echo \"git push --force\"",
            "echo 'git push --force'",
            "echo '$(git push -f)'",
            "echo \"\\$(git push -f) \\`git push -f\\`\"",
            "git push -u origin \"$(git branch --show-current)\"",
            "git push origin \"$(git rev-parse --abbrev-ref HEAD):main\"",
            "git branch --merged main | xargs git branch -d",
            "echo main | xargs -I{} echo git push -f {}",
            "bash -c 'echo \"git push -f\"'",
            "bash -o pipefail -c 'git push'",
            "sh script.sh -c",
            "sh -- -c 'git push -f'",
            "cat <<'EOF'\n$(git push -f)\nEOF",
            "cat <<EOF\nsee \\$(git push -f) and \\`git push -f\\`\nEOF",
            "git log --grep=+main",
            "grep -rf patterns.txt .",
            "# git push -f",
            "git commit -F - <<'EOF'\nNever git push --force.\nEOF",
            "git commit -m \"$(cat <<'EOF'\nfix: stop rm -rf / in cleanup\nEOF\n)\"",
        ]);
    }

    #[test]
    fn recursive_delete_of_root_home_or_worktree_is_denied() {
        assert_denied(
            "recursive-delete-root",
            &[
                "rm -rf /",
                "rm -rf /*",
                "rm -r /",
                "rm -R /",
                "rm -fr /",
                "rm -Rf /",
                "rm -vrf /",
                "rm --recursive --force /",
                "rm -r -f -- /",
                "rm -rf / --no-preserve-root",
                "rm -rf ~",
                "rm -rf ~/",
                "rm -rf ~/*",
                "rm -rf $HOME",
                "rm -rf \"$HOME\"",
                "rm -rf \"${HOME}/\"",
                "rm -rf .",
                "rm -rf ./",
                "rm -rf ./*",
                "rm -rf *",
                "rm -rf '*'",
                "rm -rf ..",
                "rm -rf ../",
                "rm -rf ../..",
                "rm -rf $PWD",
                "rm -rf /home/dev/project",
                "rm -rf /home/dev/project/",
                "rm -rf /home/dev/project/*",
                "rm -rf /home/dev",
                "rm -rf /home/dev/project/src/../",
                "rm -rf ../project",
                "rm -rf build .",
                "sudo rm -rf /",
                "/bin/rm -rf /",
                "\\rm -rf ~",
                "cd /tmp && rm -rf *",
                "ls; rm -Rf ~",
                "bash -c 'rm -rf /'",
                "echo \"cleaned: $(rm -rf /)\"",
                "echo x | xargs -0 sh -c 'rm -rf ~'",
            ],
        );
    }

    #[test]
    fn ordinary_deletes_proceed() {
        assert_allowed(&[
            "rm -rf build/",
            "rm -rf build",
            "rm -rf ./build",
            "rm -rf node_modules target dist",
            "rm -r src/old",
            "rm -rf /tmp/exomonad-test",
            "rm -rf ~/tmp/cache",
            "rm -rf $HOME/.cache/x",
            "rm -rf ../other-project",
            "rm -rf /home/dev/project/target",
            "rm -rf /home/dev/project2",
            "rm -f /",
            "rm ./*",
            "rm -f -- -r",
            "rm -rf \"\"",
            "rm -rf \"$DIR\"",
            "echo rm -rf /",
            "git commit -m 'rm -rf /'",
            "printf '%s\\n' 'rm -rf ~'",
            "find . -name '*.o' | xargs rm -rf",
            "rm -rf \"$(mktemp -d)\"",
        ]);
    }

    #[test]
    fn without_cwd_only_relative_forms_are_protected() {
        assert!(check_command("rm -rf .", None).is_some());
        assert!(check_command("rm -rf ..", None).is_some());
        assert!(check_command("rm -rf /", None).is_some());
        assert!(check_command("rm -rf /home/dev/project", None).is_none());
        assert!(check_command("rm -rf ../x", None).is_none());
    }

    #[test]
    fn reason_names_rule_command_and_target() {
        let v = check_command("ls && rm -rf ~/", CWD).unwrap();
        let reason = v.reason();
        assert!(
            reason.starts_with("Denied by exomonad rule `recursive-delete-root`"),
            "{reason}"
        );
        assert!(
            reason.contains("`rm -rf ~/` recursively deletes `~/`"),
            "{reason}"
        );
        assert!(reason.contains("home directory"), "{reason}");
        let v = check_command("git push origin +main", CWD).unwrap();
        assert!(v.reason().contains("`+main`"), "{}", v.reason());
    }

    #[test]
    fn nesting_is_bounded() {
        let mut script = "git push -f".to_owned();
        for _ in 0..MAX_NESTING + 2 {
            script = format!("eval {script}");
        }
        // Deeper than MAX_NESTING: no longer followed, and no stack trouble.
        assert_eq!(check_command(&script, CWD), None);
    }

    #[test]
    fn table_lists_every_rule() {
        let names: Vec<_> = DENY_RULES.iter().map(|r| r.name).collect();
        assert_eq!(names, ["force-push", "recursive-delete-root"]);
    }
}
