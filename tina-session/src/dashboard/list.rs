//! The orchestration list: filtered by status and feature, attention first (blocked, then
//! waiting on a person, then stale or stalled, then running, then complete; newest first
//! within each), one page at a time, each row with its spend and budgets.
//!
//! Cost: three bulk reads over every orchestration (the orchestrations, the last task
//! change of each, every open attention event; nothing per row), two reads for the whole
//! page (its usage and its budgets), then four small reads per row of the page only, so a
//! store of 5,000 orchestrations answers with 50 rows, not 5,000.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::attention::{Attention, Facts, attention, is_stale};
use super::open::open_items;
use crate::attention::summary::{BudgetStatus, Spend, build as build_usage};
use crate::model::*;
use crate::store::{Result, Store};

/// Which orchestrations the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Blocked, waiting on a person, stale or stalled: what needs a person.
    Attention,
    /// An agent waits on a person (a permission, idle or elicitation prompt).
    Waiting,
    /// Everything not complete.
    Active,
    Is(OrchestrationStatus),
}

impl StatusFilter {
    /// Every filter name, as the facets count them.
    pub const NAMES: &'static [&'static str] = &[
        "attention",
        "waiting",
        "active",
        "planning",
        "executing",
        "reviewing",
        "blocked",
        "complete",
    ];

    fn matches(self, o: &Orchestration, s: Signals) -> bool {
        match self {
            Self::Attention => o.status == OrchestrationStatus::Blocked || s.waiting || s.stale,
            Self::Waiting => s.waiting,
            Self::Active => o.status != OrchestrationStatus::Complete,
            Self::Is(s) => o.status == s,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Attention => "attention",
            Self::Waiting => "waiting",
            Self::Active => "active",
            Self::Is(s) => s.as_str(),
        }
    }
}

impl std::str::FromStr for StatusFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "attention" => Ok(Self::Attention),
            "waiting" => Ok(Self::Waiting),
            "active" => Ok(Self::Active),
            other => other.parse().map(Self::Is).map_err(|_| {
                format!(
                    "unknown status filter {}; expected one of: {}",
                    input::quote(other),
                    Self::NAMES.join(", ")
                )
            }),
        }
    }
}

/// Most rows one page may hold.
pub const MAX_PER_PAGE: u32 = 200;

/// What the list shows: the resolved request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub status: Option<StatusFilter>,
    /// Feature names containing this text (case-insensitive): a search box, not a lookup.
    pub feature: Option<String>,
    /// 1-based.
    pub page: u32,
    /// 1 to [`MAX_PER_PAGE`].
    pub per_page: u32,
    pub now: Millis,
    /// How long a running orchestration may go without any change before it is stale.
    pub stale_after: Millis,
}

/// One row: the orchestration, what needs attention, progress with team tasks and
/// orchestrator tasks counted apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListRow {
    pub orchestration: Orchestration,
    pub attention: Attention,
    /// Tasks of the phase teams, by status.
    pub team_task_counts: BTreeMap<String, u32>,
    /// Tasks of the orchestrator team, by status.
    pub orchestrator_task_counts: BTreeMap<String, u32>,
    /// Tokens and cost of the whole orchestration.
    pub spend: Spend,
    /// Its budgets (whole orchestration first, then by phase) with their state.
    pub budgets: Vec<BudgetStatus>,
}

/// One page of the list, with how many match and how many each filter would show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListPage {
    pub rows: Vec<ListRow>,
    /// Orchestrations matching the filters (all pages).
    pub total: u32,
    pub page: u32,
    pub per_page: u32,
    /// Orchestrations matching the feature filter, by status filter name
    /// (`attention`, `waiting`, `active`, `planning`, ... `complete`) plus `all`;
    /// `waiting` is how many orchestrations wait on a person.
    pub facets: BTreeMap<String, u32>,
    /// The stale threshold the rows were judged with, in ms.
    #[ts(type = "number")]
    pub stale_after: Millis,
}

/// What the list knows of each orchestration from its bulk reads.
#[derive(Debug, Clone, Copy, Default)]
struct Signals {
    /// The stale rule, or an open stall event (the daemon also watches hook activity).
    stale: bool,
    /// An open waiting event: an agent waits on a person.
    waiting: bool,
}

/// Attention first: blocked, waiting on a person, stale or stalled, other running,
/// complete.
fn rank(o: &Orchestration, s: Signals) -> u8 {
    match o.status {
        OrchestrationStatus::Blocked => 0,
        _ if s.waiting => 1,
        _ if s.stale => 2,
        OrchestrationStatus::Complete => 4,
        _ => 3,
    }
}

pub fn list_page<S: Store + ?Sized>(store: &S, q: &ListQuery) -> Result<ListPage> {
    let activity = store.last_task_activity_by_orchestration()?;
    let mut open: HashMap<OrchestrationId, Vec<AttentionEvent>> = HashMap::new();
    for e in store.list_open_attention()? {
        open.entry(e.orchestration_id.clone()).or_default().push(e);
    }
    let needle = q
        .feature
        .as_deref()
        .map(str::to_lowercase)
        .filter(|n| !n.is_empty());
    let mut facets: BTreeMap<String, u32> = BTreeMap::new();
    let mut matching: Vec<(u8, Orchestration)> = Vec::new();
    for o in store.list_orchestrations()? {
        if needle
            .as_deref()
            .is_some_and(|n| !o.feature_name.to_lowercase().contains(n))
        {
            continue;
        }
        let events = open.get(&o.id).map_or(&[][..], Vec::as_slice);
        let signals = Signals {
            stale: is_stale(&o, activity.get(&o.id).copied(), q.now, q.stale_after)
                || events.iter().any(|e| e.kind == AttentionKind::Stall),
            waiting: events.iter().any(|e| e.kind == AttentionKind::Waiting),
        };
        *facets.entry("all".into()).or_default() += 1;
        for name in StatusFilter::NAMES {
            let filter: StatusFilter = name.parse().expect("every listed name parses");
            if filter.matches(&o, signals) {
                *facets.entry((*name).into()).or_default() += 1;
            }
        }
        if q.status.is_none_or(|f| f.matches(&o, signals)) {
            matching.push((rank(&o, signals), o));
        }
    }
    // `list_orchestrations` is newest first; a stable sort keeps that within a rank.
    matching.sort_by_key(|(r, _)| *r);
    let total = matching.len() as u32;
    let per_page = q.per_page.clamp(1, MAX_PER_PAGE);
    let skip = (q.page.max(1) as usize - 1) * per_page as usize;
    let page: Vec<Orchestration> = matching
        .into_iter()
        .skip(skip)
        .take(per_page as usize)
        .map(|(_, o)| o)
        .collect();
    // The page's spend in two reads, whatever its length.
    let ids: Vec<OrchestrationId> = page.iter().map(|o| o.id.clone()).collect();
    let mut usage: HashMap<OrchestrationId, Vec<UsageTotal>> = HashMap::new();
    for u in store.list_usage_of(&ids)? {
        usage.entry(u.orchestration_id.clone()).or_default().push(u);
    }
    let mut budgets: HashMap<OrchestrationId, Vec<Budget>> = HashMap::new();
    for b in store.list_budgets_of(&ids)? {
        budgets
            .entry(b.orchestration_id.clone())
            .or_default()
            .push(b);
    }
    let mut rows = Vec::new();
    for o in page {
        let of = PageReads {
            last_activity: activity.get(&o.id).copied(),
            open: open.remove(&o.id).unwrap_or_default(),
            usage: usage.remove(&o.id).unwrap_or_default(),
            budgets: budgets.remove(&o.id).unwrap_or_default(),
        };
        match row(store, o, of, q) {
            Ok(r) => rows.push(r),
            // Deleted since the bulk read: it is simply not on this page.
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(ListPage {
        rows,
        total,
        page: q.page.max(1),
        per_page,
        facets,
        stale_after: q.stale_after,
    })
}

/// What the bulk reads hold for one row of the page.
struct PageReads {
    last_activity: Option<Millis>,
    open: Vec<AttentionEvent>,
    usage: Vec<UsageTotal>,
    budgets: Vec<Budget>,
}

fn row<S: Store + ?Sized>(
    store: &S,
    orchestration: Orchestration,
    of: PageReads,
    q: &ListQuery,
) -> Result<ListRow> {
    let id = &orchestration.id;
    let phases = store.list_phases(id)?;
    let history = store.list_phase_history(id)?;
    let teams = store.list_teams(id)?;
    let orchestrator_teams: Vec<TeamId> = teams
        .iter()
        .filter(|t| t.phase_number.is_none())
        .map(|t| t.id.clone())
        .collect();
    let (team_task_counts, orchestrator_task_counts) =
        split_counts(store.task_counts_by_team(id)?, &orchestrator_teams);
    let spend = build_usage(id, &teams, &of.usage, &of.budgets);
    let attention = attention(Facts {
        orchestration: &orchestration,
        phases: &phases,
        history: &history,
        last_activity: of.last_activity,
        now: q.now,
        stale_after: q.stale_after,
        open: open_items(&of.open, &teams),
    });
    Ok(ListRow {
        orchestration,
        attention,
        team_task_counts,
        orchestrator_task_counts,
        spend: spend.total,
        budgets: spend.budgets,
    })
}

/// Adds per-team counts up into (phase teams, orchestrator teams).
pub(super) fn split_counts(
    by_team: HashMap<TeamId, BTreeMap<String, u32>>,
    orchestrator_teams: &[TeamId],
) -> (BTreeMap<String, u32>, BTreeMap<String, u32>) {
    let mut team = BTreeMap::new();
    let mut orchestrator = BTreeMap::new();
    for (id, counts) in by_team {
        let into = if orchestrator_teams.contains(&id) {
            &mut orchestrator
        } else {
            &mut team
        };
        for (status, n) in counts {
            *into.entry(status).or_insert(0) += n;
        }
    }
    (team, orchestrator)
}
