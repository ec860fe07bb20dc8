//! Session layout generation: the project's `layouts/exomonad.kdl` with the dashboard's
//! plugin URL and the lead pane's command filled in. Pure: text in, text out.
//!
//! Output is KDL v1 (the `kdl` 4.x crate, the version Zellij 0.45 parses with). Every
//! string from outside (paths, commands) goes in through the library, which escapes it;
//! control characters are removed first, so nothing can break the layout or a terminal.

use exomonad_protocol::names::LEAD_PANE;
use kdl::{KdlDocument, KdlEntry, KdlNode};

/// The session layout shipped in `layouts/exomonad.kdl`.
pub const SESSION_LAYOUT: &str = include_str!("../../../layouts/exomonad.kdl");

/// The placeholder plugin location in [`SESSION_LAYOUT`] replaced by the real URL.
pub const DASHBOARD_PLACEHOLDER: &str = "exomonad:dashboard";

/// What to fill into the session layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLayout {
    /// The dashboard's plugin URL ([`crate::base::paths::plugin_url`]).
    pub plugin_url: String,
    /// The layout's working directory (the project root), absolute.
    pub cwd: String,
    /// The lead pane's program and arguments; `None` runs the user's default shell.
    pub lead_command: Option<Vec<String>>,
}

/// Errors of layout generation.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The template is not valid KDL.
    #[error("the layout template is not valid KDL: {0}")]
    Parse(#[from] kdl::KdlError),
    /// The template has no node this generator fills in.
    #[error("the layout template has no {0}")]
    Missing(&'static str),
}

/// Removes control characters (C0, DEL, C1: escape sequences, newlines, tabs) and
/// bidirectional formatting, with the one sanitizer ([`exomonad_ui::text::remove_controls`]).
fn strip_controls(s: &str) -> String {
    exomonad_ui::text::remove_controls(s, false)
}

impl SessionLayout {
    /// Renders `template` (normally [`SESSION_LAYOUT`]) with these values.
    ///
    /// # Errors
    /// [`LayoutError`] when the template does not parse or lacks the dashboard plugin
    /// node or the lead pane.
    pub fn render(&self, template: &str) -> Result<String, LayoutError> {
        let mut doc: KdlDocument = template.parse()?;
        let layout = doc
            .get_mut("layout")
            .ok_or(LayoutError::Missing("`layout` node"))?;
        let body = layout.ensure_children();
        let mut cwd = KdlNode::new("cwd");
        cwd.push(KdlEntry::new(strip_controls(&self.cwd)));
        body.nodes_mut().insert(0, cwd);
        let mut found_plugin = false;
        let mut found_lead = false;
        visit(body, &mut |node| match node.name().value() {
            "plugin" if string_prop(node, "location") == Some(DASHBOARD_PLACEHOLDER) => {
                node.insert(
                    "location",
                    KdlEntry::new_prop("location", strip_controls(&self.plugin_url)),
                );
                found_plugin = true;
            }
            "pane" if string_prop(node, "name") == Some(LEAD_PANE) => {
                if let Some((program, args)) =
                    self.lead_command.as_ref().and_then(|c| c.split_first())
                {
                    node.insert(
                        "command",
                        KdlEntry::new_prop("command", strip_controls(program)),
                    );
                    if !args.is_empty() {
                        let mut args_node = KdlNode::new("args");
                        for arg in args {
                            args_node.push(KdlEntry::new(strip_controls(arg)));
                        }
                        node.ensure_children().nodes_mut().push(args_node);
                    }
                }
                found_lead = true;
            }
            _ => {}
        });
        if !found_plugin {
            return Err(LayoutError::Missing(
                "plugin node with location \"exomonad:dashboard\"",
            ));
        }
        if !found_lead {
            return Err(LayoutError::Missing("pane named \"lead\""));
        }
        doc.fmt();
        Ok(doc.to_string())
    }
}

fn string_prop<'a>(node: &'a KdlNode, key: &str) -> Option<&'a str> {
    node.get(key).and_then(|e| e.value().as_string())
}

fn visit(doc: &mut KdlDocument, f: &mut impl FnMut(&mut KdlNode)) {
    for node in doc.nodes_mut() {
        f(node);
        if let Some(children) = node.children_mut() {
            visit(children, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(lead: Option<&[&str]>) -> String {
        SessionLayout {
            plugin_url: "file:/home/u/.local/share/exomonad/plugins/exomonad-dashboard.wasm".into(),
            cwd: "/home/u/my \"project\"".into(),
            lead_command: lead.map(|l| l.iter().map(|s| s.to_string()).collect()),
        }
        .render(SESSION_LAYOUT)
        .unwrap()
    }

    #[test]
    fn fills_in_the_plugin_url_and_cwd() {
        let out = render(None);
        assert!(out.contains(r#"plugin location="file:/home/u/.local/share/exomonad/plugins/exomonad-dashboard.wasm""#), "{out}");
        assert!(out.contains(r#"cwd "/home/u/my \"project\"""#), "{out}");
        assert!(
            !out.contains(&format!("location=\"{DASHBOARD_PLACEHOLDER}\"")),
            "{out}"
        );
        assert!(
            !out.contains("command="),
            "no lead command means the default shell"
        );
        // Still valid KDL v1, still the same structure.
        let doc: KdlDocument = out.parse().unwrap();
        assert!(doc.get("layout").is_some());
    }

    #[test]
    fn lead_command_is_escaped_and_stripped_of_controls() {
        let out = render(Some(&[
            "claude",
            "--settings",
            "/p/.exomonad/claude \"settings\".json",
            "\u{1b}[31mred\nline",
        ]));
        let doc: KdlDocument = out.parse().unwrap();
        let mut commands = Vec::new();
        let mut args = Vec::new();
        let mut doc = doc;
        visit(&mut doc, &mut |n| {
            if let Some(c) = string_prop(n, "command") {
                commands.push(c.to_owned());
            }
            if n.name().value() == "args" {
                args = n
                    .entries()
                    .iter()
                    .map(|e| e.value().as_string().unwrap().to_owned())
                    .collect();
            }
        });
        assert_eq!(commands, vec!["claude"]);
        assert_eq!(
            args,
            vec![
                "--settings",
                "/p/.exomonad/claude \"settings\".json",
                "[31mredline"
            ]
        );
    }

    #[test]
    fn templates_without_the_nodes_are_refused() {
        let layout = |t: &str| {
            SessionLayout {
                plugin_url: "file:/x".into(),
                cwd: "/".into(),
                lead_command: None,
            }
            .render(t)
        };
        assert!(matches!(
            layout("layout { pane name=\"lead\"; }"),
            Err(LayoutError::Missing(_))
        ));
        assert!(matches!(
            layout("layout { pane { plugin location=\"exomonad:dashboard\"; }; }"),
            Err(LayoutError::Missing(_))
        ));
        assert!(matches!(layout("layout {"), Err(LayoutError::Parse(_))));
    }

    /// Outside text that has broken layouts elsewhere: quotes, escapes, controls, bidi.
    fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let fragment = prop_oneof![
            any::<String>(),
            Just("\"\\' } { /* // ; r#\"".to_owned()),
            Just("\u{1b}[31m\u{1b}]0;title\u{7}".to_owned()),
            Just("\u{202E}\u{2066}\u{85}\u{feff}".to_owned()),
            Just("\n\t\r\u{0}".to_owned()),
            Just(DASHBOARD_PLACEHOLDER.to_owned()),
        ];
        prop::collection::vec(fragment, 0..6).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        /// Whatever the project path, plugin URL and lead command: the layout renders, parses
        /// back (KDL v1) to the same text with controls removed, and holds no raw control
        /// character but line breaks between nodes.
        #[test]
        fn hostile_values_parse_back(
            cwd in hostile_text(),
            plugin_url in hostile_text(),
            lead in proptest::option::of(proptest::collection::vec(hostile_text(), 1..5)),
        ) {
            let out = SessionLayout { plugin_url: plugin_url.clone(), cwd: cwd.clone(), lead_command: lead.clone() }
                .render(SESSION_LAYOUT)
                .expect("the shipped template renders");
            proptest::prop_assert!(!out.chars().any(is_unsafe_in_file), "raw control in {:?}", out);
            let mut doc: KdlDocument = out.parse().expect("generated KDL parses");
            let layout = doc.get_mut("layout").expect("layout node");
            let body = layout.children_mut().as_mut().expect("layout body");
            let first = &body.nodes()[0];
            proptest::prop_assert_eq!(first.name().value(), "cwd");
            let want_cwd = strip_controls(&cwd);
            proptest::prop_assert_eq!(first.entries()[0].value().as_string(), Some(want_cwd.as_str()));
            let (mut locations, mut commands, mut args) = (Vec::new(), Vec::new(), Vec::new());
            visit(body, &mut |n| {
                if n.name().value() == "plugin" {
                    locations.extend(string_prop(n, "location").map(str::to_owned));
                }
                commands.extend(string_prop(n, "command").map(str::to_owned));
                if n.name().value() == "args" {
                    args = n.entries().iter().map(|e| e.value().as_string().unwrap().to_owned()).collect();
                }
            });
            proptest::prop_assert!(locations.contains(&strip_controls(&plugin_url)), "{:?}", locations);
            let want: Vec<String> = lead.unwrap_or_default().iter().map(|s| strip_controls(s)).collect();
            match want.split_first() {
                Some((program, want_args)) => {
                    proptest::prop_assert_eq!(commands, vec![program.clone()]);
                    proptest::prop_assert_eq!(args, want_args.to_vec());
                }
                None => proptest::prop_assert!(commands.is_empty()),
            }
        }
    }

    /// A character that must not appear raw in a generated layout: a control or bidi
    /// character other than the line breaks between nodes.
    fn is_unsafe_in_file(c: char) -> bool {
        c != '\n' && exomonad_ui::text::is_unsafe(c)
    }
}
