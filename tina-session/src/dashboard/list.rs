//! The orchestration list: filtered by status and feature, attention first (blocked, then
//! stale, then running, then complete; newest first within each), one page at a time.
//!
//! Cost: three bulk reads over every orchestration (the orchestrations, the last task
//! change of each, nothing per row), then four small reads per row of the page only, so a
//! store of 5,000 orchestrations answers with 50 rows, not 5,000.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::attention::{Attention, Facts, attention, is_stale};
use crate::model::*;
use crate::store::{Result, Store};

/// Which orchestrations the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Blocked or stale: what needs a person.
    Attention,
    /// Everything not complete.
    Active,
    Is(OrchestrationStatus),
}

impl StatusFilter {
    /// Every filter name, as the facets count them.
    pub const NAMES: &'static [&'static str] = &[
        "attention",
        "active",
        "planning",
        "executing",
        "reviewing",
        "blocked",
        "complete",
    ];

    fn matches(self, o: &Orchestration, stale: bool) -> bool {
        match self {
            Self::Attention => o.status == OrchestrationStatus::Blocked || stale,
            Self::Active => o.status != OrchestrationStatus::Complete,
            Self::Is(s) => o.status == s,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Attention => "attention",
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
    /// (`attention`, `active`, `planning`, ... `complete`) plus `all`.
    pub facets: BTreeMap<String, u32>,
    /// The stale threshold the rows were judged with, in ms.
    #[ts(type = "number")]
    pub stale_after: Millis,
}

/// Attention first: blocked, stale, other running, complete.
fn rank(o: &Orchestration, stale: bool) -> u8 {
    match o.status {
        OrchestrationStatus::Blocked => 0,
        _ if stale => 1,
        OrchestrationStatus::Complete => 3,
        _ => 2,
    }
}

pub fn list_page<S: Store + ?Sized>(store: &S, q: &ListQuery) -> Result<ListPage> {
    let activity = store.last_task_activity_by_orchestration()?;
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
        let stale = is_stale(&o, activity.get(&o.id).copied(), q.now, q.stale_after);
        *facets.entry("all".into()).or_default() += 1;
        for name in StatusFilter::NAMES {
            let filter: StatusFilter = name.parse().expect("every listed name parses");
            if filter.matches(&o, stale) {
                *facets.entry((*name).into()).or_default() += 1;
            }
        }
        if q.status.is_none_or(|f| f.matches(&o, stale)) {
            matching.push((rank(&o, stale), o));
        }
    }
    // `list_orchestrations` is newest first; a stable sort keeps that within a rank.
    matching.sort_by_key(|(r, _)| *r);
    let total = matching.len() as u32;
    let per_page = q.per_page.clamp(1, MAX_PER_PAGE);
    let skip = (q.page.max(1) as usize - 1) * per_page as usize;
    let mut rows = Vec::new();
    for (_, o) in matching.into_iter().skip(skip).take(per_page as usize) {
        let last_activity = activity.get(&o.id).copied();
        match row(store, o, last_activity, q) {
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

fn row<S: Store + ?Sized>(
    store: &S,
    orchestration: Orchestration,
    last_activity: Option<Millis>,
    q: &ListQuery,
) -> Result<ListRow> {
    let id = &orchestration.id;
    let phases = store.list_phases(id)?;
    let history = store.list_phase_history(id)?;
    let orchestrator_teams: Vec<TeamId> = store
        .list_teams(id)?
        .into_iter()
        .filter(|t| t.phase_number.is_none())
        .map(|t| t.id)
        .collect();
    let (team_task_counts, orchestrator_task_counts) =
        split_counts(store.task_counts_by_team(id)?, &orchestrator_teams);
    let attention = attention(&Facts {
        orchestration: &orchestration,
        phases: &phases,
        history: &history,
        last_activity,
        now: q.now,
        stale_after: q.stale_after,
    });
    Ok(ListRow {
        orchestration,
        attention,
        team_task_counts,
        orchestrator_task_counts,
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
