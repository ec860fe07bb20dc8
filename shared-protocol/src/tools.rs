//! MCP tools across the guest ABI: the tool list and one tool call.
//!
//! The host runs the MCP server (`exomonad mcp-stdio`, JSON-RPC over stdio, the
//! [MCP specification](https://modelcontextprotocol.io/specification/2025-11-25/server/tools));
//! the guest owns the tool list and what each tool does:
//!
//! - `tools/list` → export [`crate::abi::exports::MCP_LIST_TOOLS`], input [`ToolsContext`],
//!   output `Envelope<`[`ToolList`]`>`;
//! - `tools/call` → export [`crate::abi::exports::MCP_CALL_TOOL`], input [`ToolCall`], output
//!   `Envelope<`[`ToolResult`]`>`.
//!
//! A tool that fails (bad arguments, a missing GitHub token, a path outside the project) is
//! still an `ok` envelope, holding a [`ToolResult`] with `is_error: true`: MCP reports tool
//! failures inside the result so the model can read them and correct itself. An `error`
//! envelope means the call itself could not be made: [`crate::abi::ErrorCode::NotFound`] for
//! an unknown tool name (the host answers JSON-RPC `-32602 Invalid params`, as the
//! specification asks), anything else becomes `-32603 Internal error`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{AgentId, Role};

/// Input of the `mcp_list_tools` export: who is asking (a lead and a worker may see
/// different tools).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolsContext {
    /// The agent whose MCP server asks.
    pub agent_id: AgentId,
    /// Its role.
    pub role: Role,
}

/// Output of the `mcp_list_tools` export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolList {
    /// The tools, in the order `tools/list` shows them.
    pub tools: Vec<ToolDefinition>,
}

/// One tool as MCP's `tools/list` describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDefinition {
    /// The tool's name (`git_status`, `spawn_agents`, ...): `[A-Za-z0-9_-]`, unique.
    pub name: String,
    /// What the tool does, for the model.
    pub description: String,
    /// JSON Schema (draft 2020-12) of the tool's `arguments`: always `"type": "object"`.
    pub input_schema: Value,
}

/// Input of the `mcp_call_tool` export: one `tools/call`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The agent whose MCP server got the call.
    pub agent_id: AgentId,
    /// Its role.
    pub role: Role,
    /// The tool's name, as the client sent it.
    pub name: String,
    /// The arguments as the client sent them (an object; `null` when the client sent none).
    #[serde(default)]
    pub arguments: Value,
    /// Unique per call across every MCP server of the machine, given by the host
    /// (`<agent id>-<pid>-<n>`); `ask_human` uses it as the form id.
    #[serde(default)]
    pub call_id: String,
}

/// Output of the `mcp_call_tool` export: MCP's `CallToolResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    /// What the model reads: text blocks.
    pub content: Vec<ToolContent>,
    /// The same result as JSON, for clients that read `structuredContent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// `true` when the tool failed; `content` then says why and what to do.
    #[serde(default)]
    pub is_error: bool,
}

impl ToolResult {
    /// A successful result: `value` pretty-printed as the text, and as structured content.
    pub fn json(value: Value) -> Self {
        let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string());
        Self {
            content: vec![ToolContent::Text { text }],
            structured_content: Some(value),
            is_error: false,
        }
    }

    /// A failed tool call with one text block saying why.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            content: vec![ToolContent::Text {
                text: message.into(),
            }],
            structured_content: None,
            is_error: true,
        }
    }

    /// All text blocks joined by newlines (for tests and logs).
    pub fn text(&self) -> String {
        self.content
            .iter()
            .map(|c| match c {
                ToolContent::Text { text } => text.as_str(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// One content block of a [`ToolResult`], tagged by `type` as in MCP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolContent {
    /// `{"type":"text","text":...}`.
    Text {
        /// The text.
        text: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_shapes() {
        let ok = ToolResult::json(json!({"branch": "main"}));
        let v = serde_json::to_value(&ok).unwrap();
        assert_eq!(v["content"][0]["type"], "text");
        assert_eq!(v["structured_content"]["branch"], "main");
        assert_eq!(v["is_error"], false);
        let err = ToolResult::error("no token");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"content": [{"type": "text", "text": "no token"}], "is_error": true})
        );
        assert_eq!(err.text(), "no token");
    }

    #[test]
    fn call_without_arguments_gets_null() {
        let call: ToolCall =
            serde_json::from_value(json!({"agent_id": "lead", "role": "lead", "name": "x"}))
                .unwrap();
        assert_eq!(call.arguments, Value::Null);
    }
}
