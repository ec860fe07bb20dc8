//! Who needs the person, in what order: the list the attend key walks
//! ([`crate::Dashboard::attend`]) and the count in the pane title
//! ([`crate::Dashboard::pane_title`]).
//!
//! Order (issue #12, "Moving through the team"): the most urgent [`Tier`] that has anyone in
//! it, oldest first within the tier. Pressing attend again goes to the next entry of the same
//! tier, wrapping; when that tier empties, the next press starts on the next tier.

use exomonad_protocol::{AgentId, Timestamp};

use crate::state::{AgentState, Dashboard};

/// Why an agent needs the person; the derived order is the urgency (first = most urgent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// A tool call waits for the person's approval. Reserved for Claude Code's
    /// `PermissionRequest` (ARCHITECTURE.md, flow 6): nothing produces it yet.
    Approval,
    /// A popup form from the agent is pending in the dashboard.
    Form,
    /// A policy refused to let the agent stop ([`AgentState::StopBlocked`]).
    BlockedStop,
    /// The agent ended its turn or asked for attention and waits for input
    /// ([`AgentState::Waiting`]).
    TurnEnded,
}

impl Tier {
    /// Every tier, most urgent first.
    pub const ALL: [Tier; 4] = [
        Tier::Approval,
        Tier::Form,
        Tier::BlockedStop,
        Tier::TurnEnded,
    ];

    /// What the help screen and docs call it.
    pub fn label(self) -> &'static str {
        match self {
            Tier::Approval => "approval",
            Tier::Form => "form",
            Tier::BlockedStop => "stop blocked",
            Tier::TurnEnded => "waiting",
        }
    }
}

/// One thing waiting for the person: an agent in a tier, and for a form, which form (its id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Need {
    /// Why.
    pub tier: Tier,
    /// Who.
    pub agent: AgentId,
    /// For [`Tier::Form`]: the form's id (an agent may have several pending).
    pub form: Option<String>,
}

/// Everything waiting for the person, most urgent tier first and oldest first within a tier:
/// forms in the order they arrived, agents by when they entered their state
/// ([`crate::Agent::in_state_since`]), then by id.
pub fn needs(dashboard: &Dashboard) -> Vec<Need> {
    let mut out: Vec<Need> = dashboard
        .inbox()
        .forms()
        .iter()
        .map(|f| Need {
            tier: Tier::Form,
            agent: f.form.request().agent_id.clone(),
            form: Some(f.form.id().to_owned()),
        })
        .collect();
    for (tier, state) in [
        (Tier::BlockedStop, AgentState::StopBlocked),
        (Tier::TurnEnded, AgentState::Waiting),
    ] {
        let mut agents: Vec<(Timestamp, &AgentId)> = dashboard
            .agents()
            .filter(|a| a.state == state)
            .map(|a| (a.in_state_since(), &a.id))
            .collect();
        agents.sort();
        out.extend(agents.into_iter().map(|(_, id)| Need {
            tier,
            agent: id.clone(),
            form: None,
        }));
    }
    out
}

/// The entry the attend key goes to next, given the one it went to last: the entry after
/// `last` in the most urgent non-empty tier (wrapping), or that tier's first entry when
/// `last` is not in it. `None` when nobody waits.
pub fn next(needs: &[Need], last: Option<&Need>) -> Option<Need> {
    let tier = needs.first()?.tier;
    let tier_needs: Vec<&Need> = needs.iter().filter(|n| n.tier == tier).collect();
    let at = last
        .and_then(|l| tier_needs.iter().position(|n| *n == l))
        .map_or(0, |i| (i + 1) % tier_needs.len());
    Some(tier_needs[at].clone())
}

/// How many distinct agents wait for the person in any tier (the pane title's count).
pub fn waiting_count(needs: &[Need]) -> usize {
    let mut agents: Vec<&AgentId> = needs.iter().map(|n| &n.agent).collect();
    agents.sort();
    agents.dedup();
    agents.len()
}
