//! A store that delegates to another and fails one chosen call on demand, for the
//! "store busy or unreachable" paths.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tina_session::model::*;
use tina_session::store::{Result, Store, StoreError};

pub struct FailingStore {
    inner: Arc<dyn Store>,
    /// The method that fails with `StoreError::Unavailable`, once, after this many
    /// more of its calls succeeded.
    fail_next: Mutex<Option<(&'static str, usize)>>,
}

impl FailingStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            fail_next: Mutex::new(None),
        }
    }

    /// The next call of `method` (a `Store` method name) fails, once.
    pub fn fail_next(&self, method: &'static str) {
        self.fail_after(method, 0);
    }

    /// `method` succeeds `calls` more times, then fails once.
    pub fn fail_after(&self, method: &'static str, calls: usize) {
        *self.fail_next.lock().expect("lock") = Some((method, calls));
    }

    /// True while the armed failure has not happened yet.
    pub fn armed(&self) -> bool {
        self.fail_next.lock().expect("lock").is_some()
    }

    fn check(&self, method: &'static str) -> Result<()> {
        let mut armed = self.fail_next.lock().expect("lock");
        match armed.as_mut() {
            Some((m, 0)) if *m == method => {
                *armed = None;
                Err(StoreError::unavailable(format!(
                    "{method}: store busy (test)"
                )))
            }
            Some((m, calls)) if *m == method => {
                *calls -= 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl Store for FailingStore {
    fn describe(&self) -> String {
        format!("failing:{}", self.inner.describe())
    }
    fn create_orchestration(&self, new: &NewOrchestration) -> Result<(Orchestration, Team)> {
        self.check("create_orchestration")?;
        self.inner.create_orchestration(new)
    }
    fn get_orchestration(&self, id: &OrchestrationId) -> Result<Orchestration> {
        self.check("get_orchestration")?;
        self.inner.get_orchestration(id)
    }
    fn get_orchestration_by_feature(&self, feature: &str) -> Result<Orchestration> {
        self.check("get_orchestration_by_feature")?;
        self.inner.get_orchestration_by_feature(feature)
    }
    fn list_orchestrations(&self) -> Result<Vec<Orchestration>> {
        self.check("list_orchestrations")?;
        self.inner.list_orchestrations()
    }
    fn delete_orchestration(&self, id: &OrchestrationId) -> Result<()> {
        self.check("delete_orchestration")?;
        self.inner.delete_orchestration(id)
    }
    fn apply_phase_transition(&self, t: &PhaseTransition) -> Result<TransitionOutcome> {
        self.check("apply_phase_transition")?;
        self.inner.apply_phase_transition(t)
    }
    fn list_phases(&self, orchestration: &OrchestrationId) -> Result<Vec<Phase>> {
        self.check("list_phases")?;
        self.inner.list_phases(orchestration)
    }
    fn register_team(&self, reg: &TeamRegistration) -> Result<Team> {
        self.check("register_team")?;
        self.inner.register_team(reg)
    }
    fn get_team(&self, id: &TeamId) -> Result<Team> {
        self.check("get_team")?;
        self.inner.get_team(id)
    }
    fn get_team_by_name(&self, team_name: &str) -> Result<Team> {
        self.check("get_team_by_name")?;
        self.inner.get_team_by_name(team_name)
    }
    fn list_teams(&self, orchestration: &OrchestrationId) -> Result<Vec<Team>> {
        self.check("list_teams")?;
        self.inner.list_teams(orchestration)
    }
    fn list_by_parent(&self, parent: &TeamId) -> Result<Vec<Team>> {
        self.check("list_by_parent")?;
        self.inner.list_by_parent(parent)
    }
    fn list_active_teams(&self) -> Result<Vec<Team>> {
        self.check("list_active_teams")?;
        self.inner.list_active_teams()
    }
    fn upsert_team_member(&self, member: &TeamMember) -> Result<TeamMember> {
        self.check("upsert_team_member")?;
        self.inner.upsert_team_member(member)
    }
    fn list_team_members(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamMember>> {
        self.check("list_team_members")?;
        self.inner.list_team_members(orchestration)
    }
    fn record_task_events(&self, events: &[NewTaskEvent]) -> Result<RecordSummary> {
        self.check("record_task_events")?;
        self.inner.record_task_events(events)
    }
    fn list_task_events(&self, orchestration: &OrchestrationId) -> Result<Vec<TaskEvent>> {
        self.check("list_task_events")?;
        self.inner.list_task_events(orchestration)
    }
    fn get_current_tasks(&self, orchestration: &OrchestrationId) -> Result<Vec<CurrentTask>> {
        self.check("get_current_tasks")?;
        self.inner.get_current_tasks(orchestration)
    }
    fn revision(&self) -> Result<i64> {
        self.check("revision")?;
        self.inner.revision()
    }
    fn transcript_offset(&self, transcript: &str) -> Result<Option<u64>> {
        self.check("transcript_offset")?;
        self.inner.transcript_offset(transcript)
    }
    fn record_usage(&self, batch: &UsageBatch) -> Result<u32> {
        self.check("record_usage")?;
        self.inner.record_usage(batch)
    }
    fn list_usage(&self, orchestration: &OrchestrationId) -> Result<Vec<UsageTotal>> {
        self.check("list_usage")?;
        self.inner.list_usage(orchestration)
    }
    fn set_budget(
        &self,
        orchestration: &OrchestrationId,
        phase: Option<u32>,
        usd_micros: Option<Micros>,
    ) -> Result<()> {
        self.check("set_budget")?;
        self.inner.set_budget(orchestration, phase, usd_micros)
    }
    fn list_budgets(&self, orchestration: &OrchestrationId) -> Result<Vec<Budget>> {
        self.check("list_budgets")?;
        self.inner.list_budgets(orchestration)
    }
    fn record_attention(&self, event: &AttentionEvent) -> Result<bool> {
        self.check("record_attention")?;
        self.inner.record_attention(event)
    }
    fn clear_attention(&self, id: &str, at: Millis) -> Result<bool> {
        self.check("clear_attention")?;
        self.inner.clear_attention(id, at)
    }
    fn list_attention(&self, orchestration: &OrchestrationId) -> Result<Vec<AttentionEvent>> {
        self.check("list_attention")?;
        self.inner.list_attention(orchestration)
    }
    fn undelivered_attention(&self) -> Result<Vec<AttentionEvent>> {
        self.check("undelivered_attention")?;
        self.inner.undelivered_attention()
    }
    fn claim_attention_delivery(&self, id: &str, at: Millis) -> Result<bool> {
        self.check("claim_attention_delivery")?;
        self.inner.claim_attention_delivery(id, at)
    }
    fn link_claude_team_dir(&self, team: &TeamId, folder: &str) -> Result<Team> {
        self.check("link_claude_team_dir")?;
        self.inner.link_claude_team_dir(team, folder)
    }
    fn record_team_activity(&self, activity: &NewTeamActivity) -> Result<bool> {
        self.check("record_team_activity")?;
        self.inner.record_team_activity(activity)
    }
    fn list_team_activity(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamActivity>> {
        self.check("list_team_activity")?;
        self.inner.list_team_activity(orchestration)
    }
}
