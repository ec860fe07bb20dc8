//! A small, forgiving shell lexer: just enough of POSIX `sh` to find the commands a command
//! line runs, for the deny-list in [`crate::deny`].
//!
//! [`simple_commands`] splits a command line into *simple commands* (each a list of words with
//! quotes removed). What it understands:
//!
//! - separators `;`, `&&`, `||`, `|`, `|&`, `&`, newline, `(`, `)`: each ends a command, so
//!   `a && (b; c) | d` gives `a`, `b`, `c`, `d`;
//! - command substitutions `$(...)` and `` `...` ``, unquoted **or inside double quotes** (the
//!   shell runs both): the commands inside are lexed as commands of their own and listed
//!   before the command whose word holds them (the shell runs them first); that word keeps the
//!   substitution's source text (`echo "a $(b c)"` gives `b c`, then `echo`, `a $(b c)`).
//!   `$(...)` ends at the `)` that matches it (parentheses inside are counted; quotes,
//!   comments and here-documents inside are lexed as usual), a backquoted script at the next
//!   unescaped backquote, and is then lexed on its own with `` \` ``, `\$`, `\\` (and `\"`
//!   inside double quotes) unescaped, as the shell does. Nested deeper than
//!   [`MAX_SUBSTITUTION_DEPTH`], a substitution is no longer followed: unquoted, `$(` and the
//!   backquote only end a command; inside double quotes they are text;
//! - quoting: `'...'` (literal), `"..."` (with `\$ \` \" \\` escapes; an escaped `\$(` or
//!   `` \` `` is text), `$'...'`, and `\x` outside quotes; `\` + newline is a line continuation;
//! - comments: an unquoted `#` at the start of a word runs to the end of the line;
//! - redirections (`>`, `>>`, `2>&1`, `&>`, `<`, `<<<`, ...): the operator and its target word
//!   are dropped, and a file-descriptor number right before the operator too;
//! - here-documents (`<<EOF`, `<<-EOF`, `<<'EOF'`): the body lines are data, also inside a
//!   substitution (`"$(cat <<'EOF' ... EOF\n)"`, the usual commit-message form), except that
//!   the shell runs the substitutions in the body of an *unquoted* here-document (`<<EOF`, no
//!   quote in the delimiter): those are read as inside double quotes (but `"` is text there)
//!   and their commands listed.
//!
//! Deliberately *not* understood: no variable, glob, alias or brace expansion (a `$VAR` or
//! `${...}` is text); a `case` pattern's `)` is taken as a closing parenthesis. The lexer never
//! fails and never panics: unterminated quotes and substitutions run to the end of the input.

use std::iter::Peekable;
use std::str::CharIndices;

/// How deeply command substitutions are followed (`$(a $(b ...))` is depth 2); bounds the
/// lexer's recursion.
pub const MAX_SUBSTITUTION_DEPTH: usize = 16;

/// Splits `script` into its simple commands, in order; each is its words with quotes removed,
/// redirections dropped. Empty commands are left out.
///
/// ```
/// use exomonad_guest::shell::simple_commands;
/// assert_eq!(
///     simple_commands(r#"cd x && git commit -m "a; b" 2>&1 | tee log"#),
///     vec![vec!["cd", "x"], vec!["git", "commit", "-m", "a; b"], vec!["tee", "log"]],
/// );
/// assert_eq!(
///     simple_commands(r#"echo "at $(git rev-parse HEAD)""#),
///     vec![vec!["git", "rev-parse", "HEAD"], vec!["echo", "at $(git rev-parse HEAD)"]],
/// );
/// ```
pub fn simple_commands(script: &str) -> Vec<Vec<String>> {
    lex_script(script, 0)
}

/// The simple commands of `script`, read inside `depth` substitutions.
fn lex_script(script: &str, depth: usize) -> Vec<Vec<String>> {
    let mut lexer = Lexer {
        src: script,
        chars: script.char_indices().peekable(),
        commands: Vec::new(),
        command: Partial::default(),
        heredocs: Vec::new(),
        depth,
    };
    lexer.lex(false);
    lexer.end_command();
    lexer.commands
}

/// What the next complete word is, when a redirection operator came before it.
#[derive(Debug, Clone, Copy)]
enum Redirect {
    /// The target of `>`, `<`, `>>`, `<<<`, ...: dropped.
    Plain,
    /// The delimiter of a here-document; `strip_tabs` for `<<-`.
    HereDoc { strip_tabs: bool },
}

/// A here-document whose body is still to be read.
#[derive(Debug)]
struct HereDoc {
    /// The delimiter word, quotes removed.
    delimiter: String,
    /// `<<-`: leading tabs are stripped from the body lines (and the delimiter line).
    strip_tabs: bool,
    /// The delimiter was not quoted: the body's `$(...)` and backquotes run.
    expands: bool,
}

/// The command being read.
#[derive(Debug, Default)]
struct Partial {
    /// Its complete words.
    words: Vec<String>,
    /// The word being read.
    word: String,
    /// A word has started (it may be empty, as `""` is).
    in_word: bool,
    /// Some of the current word was quoted or escaped.
    quoted: bool,
    redirect: Option<Redirect>,
}

struct Lexer<'a> {
    /// The whole input, for a substitution's source text.
    src: &'a str,
    chars: Peekable<CharIndices<'a>>,
    commands: Vec<Vec<String>>,
    command: Partial,
    /// Here-documents whose bodies start after the next newline.
    heredocs: Vec<HereDoc>,
    /// How many substitutions the lexer is inside.
    depth: usize,
}

impl Lexer<'_> {
    fn next_char(&mut self) -> Option<char> {
        self.chars.next().map(|(_, c)| c)
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }

    /// The byte offset of the next character (the input's length at its end).
    fn offset(&mut self) -> usize {
        self.chars.peek().map_or(self.src.len(), |&(at, _)| at)
    }

    /// Lexes commands to the end of the input or, `in_substitution`, to the `)` that closes
    /// it (consumed; the command before it is left for the caller to end).
    fn lex(&mut self, in_substitution: bool) {
        // Parentheses opened (and not closed) since this call began.
        let mut open = 0usize;
        while let Some((at, c)) = self.chars.next() {
            match c {
                '\\' => match self.next_char() {
                    Some('\n') => {}
                    Some(escaped) => self.push(escaped, true),
                    None => self.push('\\', false),
                },
                '\'' => self.single_quoted(),
                '"' => self.double_quoted(),
                '$' if self.peek() == Some('\'') => {
                    self.next_char();
                    self.ansi_c_quoted();
                }
                '$' if self.peek() == Some('(') => {
                    self.next_char();
                    if !self.substitution(at) {
                        open += 1;
                        self.end_command();
                    }
                }
                '`' => {
                    if !self.backquoted(at, false) {
                        self.end_command();
                    }
                }
                '&' if self.peek() == Some('>') => {
                    // `&>` / `&>>`: stdout and stderr to a file.
                    self.end_word();
                    self.next_char();
                    self.redirect_operator('>');
                }
                '(' => {
                    open += 1;
                    self.end_command();
                }
                ')' => {
                    if in_substitution && open == 0 {
                        return;
                    }
                    open = open.saturating_sub(1);
                    self.end_command();
                }
                ';' | '|' | '&' => self.end_command(),
                '\n' => {
                    self.end_command();
                    self.skip_heredoc_bodies();
                }
                ' ' | '\t' | '\r' => self.end_word(),
                '>' | '<' => self.redirection(c),
                '#' if !self.command.in_word => self.skip_comment(),
                _ => self.push(c, false),
            }
        }
    }

    fn push(&mut self, c: char, quoted: bool) {
        self.command.word.push(c);
        self.command.in_word = true;
        self.command.quoted |= quoted;
    }

    /// After `$(` at byte `start`: lexes the commands inside, up to the matching `)`, and
    /// appends the substitution's source text to the current word. `false` (nothing read)
    /// when nested deeper than [`MAX_SUBSTITUTION_DEPTH`].
    fn substitution(&mut self, start: usize) -> bool {
        if self.depth >= MAX_SUBSTITUTION_DEPTH {
            return false;
        }
        let outer = std::mem::take(&mut self.command);
        self.depth += 1;
        self.lex(true);
        self.end_command();
        self.depth -= 1;
        self.command = outer;
        let end = self.offset();
        self.command.word.push_str(&self.src[start..end]);
        self.command.in_word = true;
        true
    }

    /// After a backquote at byte `start`: reads the backquoted script to the next unescaped
    /// backquote, lexes it on its own, and appends its source text to the current word.
    /// `false` (nothing read) when nested deeper than [`MAX_SUBSTITUTION_DEPTH`].
    fn backquoted(&mut self, start: usize, in_double_quotes: bool) -> bool {
        if self.depth >= MAX_SUBSTITUTION_DEPTH {
            return false;
        }
        let mut script = String::new();
        while let Some(c) = self.next_char() {
            match c {
                '`' => break,
                '\\' => match self.peek() {
                    Some(e @ ('$' | '`' | '\\')) => {
                        self.next_char();
                        script.push(e);
                    }
                    Some('"') if in_double_quotes => {
                        self.next_char();
                        script.push('"');
                    }
                    _ => script.push('\\'),
                },
                _ => script.push(c),
            }
        }
        self.commands.extend(lex_script(&script, self.depth + 1));
        let end = self.offset();
        self.command.word.push_str(&self.src[start..end]);
        self.command.in_word = true;
        true
    }

    fn single_quoted(&mut self) {
        self.command.in_word = true;
        self.command.quoted = true;
        while let Some(c) = self.next_char() {
            if c == '\'' {
                return;
            }
            self.command.word.push(c);
        }
    }

    fn double_quoted(&mut self) {
        self.command.in_word = true;
        self.command.quoted = true;
        self.expanding_text(true);
    }

    /// Text in which substitutions run: the inside of double quotes up to the closing quote
    /// (`in_double_quotes`), or an unquoted here-document's body to the end of the input
    /// (where `"` is text and `\"` is not an escape). Adds it to the current word.
    fn expanding_text(&mut self, in_double_quotes: bool) {
        while let Some((at, c)) = self.chars.next() {
            match c {
                '"' if in_double_quotes => return,
                '\\' => match self.peek() {
                    Some(e @ ('$' | '`' | '\\')) => {
                        self.next_char();
                        self.command.word.push(e);
                    }
                    Some('"') if in_double_quotes => {
                        self.next_char();
                        self.command.word.push('"');
                    }
                    Some('\n') => {
                        self.next_char();
                    }
                    _ => self.command.word.push('\\'),
                },
                '$' if self.peek() == Some('(') => {
                    self.next_char();
                    if !self.substitution(at) {
                        self.command.word.push_str("$(");
                    }
                }
                '`' => {
                    if !self.backquoted(at, in_double_quotes) {
                        self.command.word.push('`');
                    }
                }
                _ => self.command.word.push(c),
            }
        }
    }

    fn ansi_c_quoted(&mut self) {
        self.command.in_word = true;
        self.command.quoted = true;
        while let Some(c) = self.next_char() {
            match c {
                '\'' => return,
                '\\' => match self.next_char() {
                    Some('n') => self.command.word.push('\n'),
                    Some('t') => self.command.word.push('\t'),
                    Some(other) => self.command.word.push(other),
                    None => return,
                },
                _ => self.command.word.push(c),
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                return;
            }
            self.next_char();
        }
    }

    /// `>` or `<` outside quotes: a redirection.
    fn redirection(&mut self, c: char) {
        let command = &mut self.command;
        let fd_number = command.in_word
            && !command.quoted
            && !command.word.is_empty()
            && command.word.bytes().all(|b| b.is_ascii_digit());
        if fd_number {
            command.word.clear();
            command.in_word = false;
        } else {
            self.end_word();
        }
        self.redirect_operator(c);
    }

    /// Reads the rest of a redirection operator whose first character was `c`.
    fn redirect_operator(&mut self, c: char) {
        let kind = if c == '<' {
            match self.peek() {
                Some('<') => {
                    self.next_char();
                    match self.peek() {
                        // `<<<`: a here-string; its word is data.
                        Some('<') => {
                            self.next_char();
                            Redirect::Plain
                        }
                        Some('-') => {
                            self.next_char();
                            Redirect::HereDoc { strip_tabs: true }
                        }
                        _ => Redirect::HereDoc { strip_tabs: false },
                    }
                }
                Some('&' | '>') => {
                    self.next_char();
                    Redirect::Plain
                }
                _ => Redirect::Plain,
            }
        } else {
            if matches!(self.peek(), Some('>' | '&' | '|')) {
                self.next_char();
            }
            Redirect::Plain
        };
        self.command.redirect = Some(kind);
    }

    fn end_word(&mut self) {
        let command = &mut self.command;
        if !command.in_word {
            return;
        }
        let word = std::mem::take(&mut command.word);
        let quoted = command.quoted;
        command.in_word = false;
        command.quoted = false;
        match command.redirect.take() {
            Some(Redirect::HereDoc { strip_tabs }) => self.heredocs.push(HereDoc {
                delimiter: word,
                strip_tabs,
                expands: !quoted,
            }),
            Some(Redirect::Plain) => {}
            None => command.words.push(word),
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        self.command.redirect = None;
        if !self.command.words.is_empty() {
            self.commands.push(std::mem::take(&mut self.command.words));
        }
    }

    /// After a newline: reads the bodies of the here-documents opened on the line before.
    /// A body is data, except that the substitutions in an unquoted one (`<<EOF`, not
    /// `<<'EOF'`) run: their commands are added.
    fn skip_heredoc_bodies(&mut self) {
        for heredoc in std::mem::take(&mut self.heredocs) {
            let mut body = String::new();
            loop {
                let mut line = String::new();
                let mut at_end = true;
                while let Some(c) = self.next_char() {
                    if c == '\n' {
                        at_end = false;
                        break;
                    }
                    line.push(c);
                }
                let line = if heredoc.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                // The end of the input right after a newline ends the body too.
                if line == heredoc.delimiter || (at_end && line.is_empty()) {
                    break;
                }
                body.push_str(line);
                body.push('\n');
                if at_end {
                    break;
                }
            }
            if heredoc.expands {
                self.commands.extend(lex_heredoc_body(&body, self.depth));
            }
            if self.chars.peek().is_none() {
                return;
            }
        }
    }
}

/// The commands run by the substitutions in an unquoted here-document's `body`.
fn lex_heredoc_body(body: &str, depth: usize) -> Vec<Vec<String>> {
    let mut lexer = Lexer {
        src: body,
        chars: body.char_indices().peekable(),
        commands: Vec::new(),
        command: Partial::default(),
        heredocs: Vec::new(),
        depth,
    };
    lexer.expanding_text(false);
    // The body's text is data: the word it built is not a command.
    lexer.commands
}

#[cfg(test)]
mod tests {
    use super::{MAX_SUBSTITUTION_DEPTH, simple_commands};

    fn lex(s: &str) -> Vec<Vec<String>> {
        simple_commands(s)
    }

    fn cmds(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter()
            .map(|c| c.iter().map(|w| (*w).to_owned()).collect())
            .collect()
    }

    #[test]
    fn separators_split_commands() {
        assert_eq!(
            lex("a 1 && b 2; c || d | e & f |& g"),
            cmds(&[
                &["a", "1"],
                &["b", "2"],
                &["c"],
                &["d"],
                &["e"],
                &["f"],
                &["g"]
            ])
        );
        assert_eq!(lex("a\nb\n\n"), cmds(&[&["a"], &["b"]]));
        assert_eq!(
            lex("(a; b) && { c; }"),
            cmds(&[&["a"], &["b"], &["{", "c"], &["}"]])
        );
        assert_eq!(lex("a&&b;c"), cmds(&[&["a"], &["b"], &["c"]]));
    }

    #[test]
    fn quotes_are_removed_and_keep_separators_as_data() {
        assert_eq!(
            lex(r#"echo "a && b" 'c; d' e\ f "" x"y"'z'"#),
            cmds(&[&["echo", "a && b", "c; d", "e f", "", "xyz"]])
        );
        assert_eq!(
            lex(r#"echo "a \"q\" \$x \n""#),
            cmds(&[&["echo", r#"a "q" $x \n"#]])
        );
        assert_eq!(lex(r"echo $'a\'b'"), cmds(&[&["echo", "a'b"]]));
        assert_eq!(
            lex("echo 'unterminated; rm"),
            cmds(&[&["echo", "unterminated; rm"]])
        );
        assert_eq!(lex("a \\\n b"), cmds(&[&["a", "b"]]));
    }

    #[test]
    fn substitutions_are_commands_quoted_or_not() {
        assert_eq!(
            lex("echo $(git push -f)"),
            cmds(&[&["git", "push", "-f"], &["echo", "$(git push -f)"]])
        );
        assert_eq!(
            lex("echo `rm -rf /` x"),
            cmds(&[&["rm", "-rf", "/"], &["echo", "`rm -rf /`", "x"]])
        );
        assert_eq!(
            lex(r#"echo "a $(git push -f) b""#),
            cmds(&[&["git", "push", "-f"], &["echo", "a $(git push -f) b"]])
        );
        assert_eq!(
            lex(r#"git commit -m "fix `git push -f`""#),
            cmds(&[
                &["git", "push", "-f"],
                &["git", "commit", "-m", "fix `git push -f`"]
            ])
        );
        // Quotes inside a substitution inside double quotes are its own.
        assert_eq!(
            lex(r#"x="$(bash -c "a; b" | c)" d"#),
            cmds(&[
                &["bash", "-c", "a; b"],
                &["c"],
                &["x=$(bash -c \"a; b\" | c)", "d"]
            ])
        );
        // Parentheses inside are counted; arithmetic is harmless.
        assert_eq!(
            lex(r#"echo "$( (a) ; b)" "$((1+2))""#),
            cmds(&[
                &["a"],
                &["b"],
                &["1+2"],
                &["echo", "$( (a) ; b)", "$((1+2))"]
            ])
        );
        // Backquotes inside double quotes unescape `\"`.
        assert_eq!(
            lex(r#"echo "`echo \"a b\"`""#),
            cmds(&[&["echo", "a b"], &["echo", r#"`echo \"a b\"`"#]])
        );
    }

    #[test]
    fn escaped_or_single_quoted_substitutions_are_text() {
        assert_eq!(
            lex(r#"echo "\$(git push -f) \`rm -rf /\`""#),
            cmds(&[&["echo", "$(git push -f) `rm -rf /`"]])
        );
        assert_eq!(
            lex("echo '$(git push -f)' \\`x\\`"),
            cmds(&[&["echo", "$(git push -f)", "`x`"]])
        );
    }

    #[test]
    fn substitutions_nest_up_to_the_limit() {
        let mut script = "git push -f".to_owned();
        for _ in 0..MAX_SUBSTITUTION_DEPTH {
            script = format!("echo \"$({script})\"");
        }
        assert!(lex(&script).contains(&vec!["git".into(), "push".into(), "-f".into()]));
        let deeper = format!("echo \"$({script})\"");
        assert!(!lex(&deeper).contains(&vec!["git".into(), "push".into(), "-f".into()]));
        // Far deeper, and unterminated: no stack trouble.
        let _ = lex(&"\"$(".repeat(10_000));
        let _ = lex(&"$(".repeat(10_000));
        let _ = lex(&"`\"$(".repeat(10_000));
    }

    #[test]
    fn comments_run_to_end_of_line() {
        assert_eq!(lex("ls # rm -rf /\npwd"), cmds(&[&["ls"], &["pwd"]]));
        assert_eq!(lex("echo a#b"), cmds(&[&["echo", "a#b"]]));
    }

    #[test]
    fn redirections_are_dropped() {
        assert_eq!(
            lex("make 2>&1 >out.log < in &> all >> more"),
            cmds(&[&["make"]])
        );
        assert_eq!(lex("echo 12 > f"), cmds(&[&["echo", "12"]]));
        assert_eq!(lex("echo a>b"), cmds(&[&["echo", "a"]]));
        assert_eq!(lex("cat <<< 'rm -rf /'"), cmds(&[&["cat"]]));
    }

    #[test]
    fn heredoc_bodies_are_data() {
        let script = "git commit -F - <<'EOF'\nrm -rf / was a bad idea\nEOF\ngit log";
        assert_eq!(
            lex(script),
            cmds(&[&["git", "commit", "-F", "-"], &["git", "log"]])
        );
        let script = "cat <<-END && ls\n\tgit push -f\n\tEND\npwd";
        assert_eq!(lex(script), cmds(&[&["cat"], &["ls"], &["pwd"]]));
        let unterminated = "cat <<EOF\nrm -rf /\n";
        assert_eq!(lex(unterminated), cmds(&[&["cat"]]));
        let escaped = "cat <<EOF\n\\$(git push -f) \\`rm -rf /\\` \"`a`\" $x\nEOF\n";
        assert_eq!(lex(escaped), cmds(&[&["cat"], &["a"]]));
        let quoted = "cat <<\"EOF\" && cat <<E\\OF\n$(git push -f)\nEOF\n`rm -rf /`\nEOF\n";
        assert_eq!(lex(quoted), cmds(&[&["cat"], &["cat"]]));
        let in_substitution =
            "git commit -m \"$(cat <<'EOF'\nsay \"git push -f\" (ok)\nEOF\n)\" && ls";
        assert_eq!(
            lex(in_substitution),
            cmds(&[
                &["cat"],
                &[
                    "git",
                    "commit",
                    "-m",
                    "$(cat <<'EOF'\nsay \"git push -f\" (ok)\nEOF\n)"
                ],
                &["ls"]
            ])
        );
    }

    #[test]
    fn unquoted_heredoc_substitutions_run() {
        let script = "cat <<EOF >f && ls\nat $(git rev-parse HEAD)\n\t`rm -rf /`\nEOF\npwd";
        assert_eq!(
            lex(script),
            cmds(&[
                &["cat"],
                &["ls"],
                &["git", "rev-parse", "HEAD"],
                &["rm", "-rf", "/"],
                &["pwd"]
            ])
        );
        // Two here-documents on one line: the second's body follows the first's.
        let two = "cat <<'A' <<-B\n$(x)\nA\n\t$(y)\n\tB\n";
        assert_eq!(lex(two), cmds(&[&["cat"], &["y"]]));
        // A here-document in a substitution in a here-document.
        let nested = "cat <<EOF\n$(cat <<'IN'\n$(no)\nIN\n)\nEOF\n";
        assert_eq!(lex(nested), cmds(&[&["cat"], &["cat"]]));
        let unterminated = "cat <<EOF\n$(git push -f";
        assert_eq!(lex(unterminated), cmds(&[&["cat"], &["git", "push", "-f"]]));
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "",
            "\\",
            "'",
            "\"",
            "$",
            "$'",
            "<<",
            ">",
            "&",
            "((",
            "$(",
            "\"$(",
            "`",
            "\"`",
            ")",
            "#",
            "<<EOF",
            "é ü ✓",
        ] {
            let _ = lex(s);
        }
        assert_eq!(lex("é ü"), cmds(&[&["é", "ü"]]));
    }
}
