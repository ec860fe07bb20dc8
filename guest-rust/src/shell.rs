//! A small, forgiving shell lexer: just enough of POSIX `sh` to find the commands a command
//! line runs, for the deny-list in [`crate::deny`].
//!
//! [`simple_commands`] splits a command line into *simple commands* (each a list of words with
//! quotes removed). What it understands:
//!
//! - separators `;`, `&&`, `||`, `|`, `|&`, `&`, newline, `(`, `)`, backquotes and `$(`: each
//!   ends a command, so `a && (b; c) | d` gives `a`, `b`, `c`, `d`, and the inside of an
//!   *unquoted* `$(...)` or `` `...` `` is lexed as commands of its own;
//! - quoting: `'...'` (literal), `"..."` (with `\$ \` \" \\` escapes), `$'...'`, and `\x`
//!   outside quotes; `\` + newline is a line continuation;
//! - comments: an unquoted `#` at the start of a word runs to the end of the line;
//! - redirections (`>`, `>>`, `2>&1`, `&>`, `<`, `<<<`, ...): the operator and its target word
//!   are dropped, and a file-descriptor number right before the operator too;
//! - here-documents (`<<EOF`, `<<-EOF`, `<<'EOF'`): the body lines are data and are skipped.
//!
//! Deliberately *not* understood: the text inside double quotes is always data, even a `$(...)`
//! in it; no variable, glob, alias or brace expansion; no `case` patterns. The lexer never fails
//! and never panics: unterminated quotes run to the end of the input.

use std::iter::Peekable;
use std::str::Chars;

/// Splits `script` into its simple commands, in order; each is its words with quotes removed,
/// redirections dropped. Empty commands are left out.
///
/// ```
/// use exomonad_guest::shell::simple_commands;
/// assert_eq!(
///     simple_commands(r#"cd x && git commit -m "a; b" 2>&1 | tee log"#),
///     vec![vec!["cd", "x"], vec!["git", "commit", "-m", "a; b"], vec!["tee", "log"]],
/// );
/// ```
pub fn simple_commands(script: &str) -> Vec<Vec<String>> {
    Lexer {
        chars: script.chars().peekable(),
        commands: Vec::new(),
        words: Vec::new(),
        word: String::new(),
        in_word: false,
        quoted: false,
        redirect: None,
        heredocs: Vec::new(),
    }
    .run()
}

/// What the next complete word is, when a redirection operator came before it.
#[derive(Debug, Clone, Copy)]
enum Redirect {
    /// The target of `>`, `<`, `>>`, `<<<`, ...: dropped.
    Plain,
    /// The delimiter of a here-document; `strip_tabs` for `<<-`.
    HereDoc { strip_tabs: bool },
}

struct Lexer<'a> {
    chars: Peekable<Chars<'a>>,
    commands: Vec<Vec<String>>,
    /// Words of the command being read.
    words: Vec<String>,
    /// The word being read.
    word: String,
    /// A word has started (it may be empty, as `""` is).
    in_word: bool,
    /// Some of the current word was quoted or escaped.
    quoted: bool,
    redirect: Option<Redirect>,
    /// Here-documents whose bodies start after the next newline: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
}

impl Lexer<'_> {
    fn run(mut self) -> Vec<Vec<String>> {
        while let Some(c) = self.chars.next() {
            match c {
                '\\' => match self.chars.next() {
                    Some('\n') => {}
                    Some(escaped) => self.push(escaped, true),
                    None => self.push('\\', false),
                },
                '\'' => self.single_quoted(),
                '"' => self.double_quoted(),
                '$' if self.chars.peek() == Some(&'\'') => {
                    self.chars.next();
                    self.ansi_c_quoted();
                }
                '$' if self.chars.peek() == Some(&'(') => {
                    // Command substitution (or arithmetic): what follows is lexed as commands.
                    self.chars.next();
                    self.end_command();
                }
                '&' if self.chars.peek() == Some(&'>') => {
                    // `&>` / `&>>`: stdout and stderr to a file.
                    self.end_word();
                    self.chars.next();
                    self.redirect_operator('>');
                }
                '`' | ';' | '|' | '&' | '(' | ')' => self.end_command(),
                '\n' => {
                    self.end_command();
                    self.skip_heredoc_bodies();
                }
                ' ' | '\t' | '\r' => self.end_word(),
                '>' | '<' => self.redirection(c),
                '#' if !self.in_word => self.skip_comment(),
                _ => self.push(c, false),
            }
        }
        self.end_command();
        self.commands
    }

    fn push(&mut self, c: char, quoted: bool) {
        self.word.push(c);
        self.in_word = true;
        self.quoted |= quoted;
    }

    fn single_quoted(&mut self) {
        self.in_word = true;
        self.quoted = true;
        for c in self.chars.by_ref() {
            if c == '\'' {
                return;
            }
            self.word.push(c);
        }
    }

    fn double_quoted(&mut self) {
        self.in_word = true;
        self.quoted = true;
        while let Some(c) = self.chars.next() {
            match c {
                '"' => return,
                '\\' => match self.chars.peek().copied() {
                    Some(e @ ('$' | '`' | '"' | '\\')) => {
                        self.chars.next();
                        self.word.push(e);
                    }
                    Some('\n') => {
                        self.chars.next();
                    }
                    _ => self.word.push('\\'),
                },
                _ => self.word.push(c),
            }
        }
    }

    fn ansi_c_quoted(&mut self) {
        self.in_word = true;
        self.quoted = true;
        while let Some(c) = self.chars.next() {
            match c {
                '\'' => return,
                '\\' => match self.chars.next() {
                    Some('n') => self.word.push('\n'),
                    Some('t') => self.word.push('\t'),
                    Some(other) => self.word.push(other),
                    None => return,
                },
                _ => self.word.push(c),
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(&c) = self.chars.peek() {
            if c == '\n' {
                return;
            }
            self.chars.next();
        }
    }

    /// `>` or `<` outside quotes: a redirection.
    fn redirection(&mut self, c: char) {
        let fd_number = self.in_word
            && !self.quoted
            && !self.word.is_empty()
            && self.word.bytes().all(|b| b.is_ascii_digit());
        if fd_number {
            self.word.clear();
            self.in_word = false;
        } else {
            self.end_word();
        }
        self.redirect_operator(c);
    }

    /// Reads the rest of a redirection operator whose first character was `c`.
    fn redirect_operator(&mut self, c: char) {
        let kind = if c == '<' {
            match self.chars.peek() {
                Some('<') => {
                    self.chars.next();
                    match self.chars.peek() {
                        // `<<<`: a here-string; its word is data.
                        Some('<') => {
                            self.chars.next();
                            Redirect::Plain
                        }
                        Some('-') => {
                            self.chars.next();
                            Redirect::HereDoc { strip_tabs: true }
                        }
                        _ => Redirect::HereDoc { strip_tabs: false },
                    }
                }
                Some('&' | '>') => {
                    self.chars.next();
                    Redirect::Plain
                }
                _ => Redirect::Plain,
            }
        } else {
            if matches!(self.chars.peek(), Some('>' | '&' | '|')) {
                self.chars.next();
            }
            Redirect::Plain
        };
        self.redirect = Some(kind);
    }

    fn end_word(&mut self) {
        if !self.in_word {
            return;
        }
        let word = std::mem::take(&mut self.word);
        self.in_word = false;
        self.quoted = false;
        match self.redirect.take() {
            Some(Redirect::HereDoc { strip_tabs }) => self.heredocs.push((word, strip_tabs)),
            Some(Redirect::Plain) => {}
            None => self.words.push(word),
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        self.redirect = None;
        if !self.words.is_empty() {
            self.commands.push(std::mem::take(&mut self.words));
        }
    }

    /// After a newline: skips the bodies of the here-documents opened on the line before.
    fn skip_heredoc_bodies(&mut self) {
        for (delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            loop {
                let mut line = String::new();
                let mut at_end = true;
                for c in self.chars.by_ref() {
                    if c == '\n' {
                        at_end = false;
                        break;
                    }
                    line.push(c);
                }
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                if line == delimiter {
                    break;
                }
                if at_end {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::simple_commands;

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
    fn substitutions_are_commands_unless_double_quoted() {
        assert_eq!(
            lex("echo $(git push -f)"),
            cmds(&[&["echo"], &["git", "push", "-f"]])
        );
        assert_eq!(
            lex("echo `rm -rf /`"),
            cmds(&[&["echo"], &["rm", "-rf", "/"]])
        );
        assert_eq!(
            lex(r#"echo "$(git push -f)""#),
            cmds(&[&["echo", "$(git push -f)"]])
        );
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
        let in_substitution = "git commit -m $(cat <<EOF\ngit push --force\nEOF\n)";
        assert_eq!(
            lex(in_substitution),
            cmds(&[&["git", "commit", "-m"], &["cat"]])
        );
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
            "#",
            "<<EOF",
            "é ü ✓",
        ] {
            let _ = lex(s);
        }
        assert_eq!(lex("é ü"), cmds(&[&["é", "ü"]]));
    }
}
