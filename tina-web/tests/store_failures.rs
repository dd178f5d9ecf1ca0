//! Store failures become JSON 5xx answers and never take the server down.

mod support;

use std::sync::Arc;

use support::TestServer;
use tina_session::store::Result;
use tina_session::*;

/// A store whose every call fails; `get_current_tasks` panics like a buggy backend would.
struct BrokenStore;

fn broken<T>() -> Result<T> {
    Err(StoreError::backend("disk I/O error (simulated)"))
}

impl Store for BrokenStore {
    fn describe(&self) -> String {
        "broken".into()
    }
    fn create_orchestration(&self, _: &NewOrchestration) -> Result<(Orchestration, Team)> {
        broken()
    }
    fn get_orchestration(&self, _: &OrchestrationId) -> Result<Orchestration> {
        Err(StoreError::unavailable(
            "deployment unreachable (simulated)",
        ))
    }
    fn get_orchestration_by_feature(&self, _: &str) -> Result<Orchestration> {
        broken()
    }
    fn list_orchestrations(&self) -> Result<Vec<Orchestration>> {
        broken()
    }
    fn delete_orchestration(&self, _: &OrchestrationId) -> Result<()> {
        broken()
    }
    fn apply_phase_transition(&self, _: &PhaseTransition) -> Result<TransitionOutcome> {
        broken()
    }
    fn list_phases(&self, _: &OrchestrationId) -> Result<Vec<Phase>> {
        broken()
    }
    fn register_team(&self, _: &TeamRegistration) -> Result<Team> {
        broken()
    }
    fn get_team(&self, _: &TeamId) -> Result<Team> {
        broken()
    }
    fn get_team_by_name(&self, _: &str) -> Result<Team> {
        broken()
    }
    fn list_teams(&self, _: &OrchestrationId) -> Result<Vec<Team>> {
        broken()
    }
    fn list_by_parent(&self, _: &TeamId) -> Result<Vec<Team>> {
        broken()
    }
    fn list_active_teams(&self) -> Result<Vec<Team>> {
        broken()
    }
    fn upsert_team_member(&self, _: &TeamMember) -> Result<TeamMember> {
        broken()
    }
    fn list_team_members(&self, _: &OrchestrationId) -> Result<Vec<TeamMember>> {
        broken()
    }
    fn record_task_events(&self, _: &[NewTaskEvent]) -> Result<RecordSummary> {
        broken()
    }
    fn list_task_events(&self, _: &OrchestrationId) -> Result<Vec<TaskEvent>> {
        broken()
    }
    fn get_current_tasks(&self, _: &OrchestrationId) -> Result<Vec<CurrentTask>> {
        panic!("simulated backend bug")
    }
    fn revision(&self) -> Result<i64> {
        broken()
    }
    fn transcript_offset(&self, _transcript: &str) -> Result<Option<u64>> {
        broken()
    }
    fn record_usage(&self, _batch: &UsageBatch) -> Result<u32> {
        broken()
    }
    fn list_usage(&self, _orchestration: &OrchestrationId) -> Result<Vec<UsageTotal>> {
        broken()
    }
    fn set_budget(
        &self,
        _orchestration: &OrchestrationId,
        _phase: Option<u32>,
        _usd_micros: Option<Micros>,
    ) -> Result<()> {
        broken()
    }
    fn list_budgets(&self, _orchestration: &OrchestrationId) -> Result<Vec<Budget>> {
        broken()
    }
    fn record_attention(&self, _event: &AttentionEvent) -> Result<bool> {
        broken()
    }
    fn clear_attention(&self, _id: &str, _at: Millis) -> Result<bool> {
        broken()
    }
    fn list_attention(&self, _orchestration: &OrchestrationId) -> Result<Vec<AttentionEvent>> {
        broken()
    }
    fn undelivered_attention(&self) -> Result<Vec<AttentionEvent>> {
        broken()
    }
    fn claim_attention_delivery(&self, _id: &str, _at: Millis) -> Result<bool> {
        broken()
    }
    fn link_claude_team_dir(&self, _: &TeamId, _: &str) -> Result<Team> {
        broken()
    }
    fn record_team_activity(&self, _: &NewTeamActivity) -> Result<bool> {
        broken()
    }
    fn list_team_activity(&self, _: &OrchestrationId) -> Result<Vec<TeamActivity>> {
        broken()
    }
}

#[tokio::test]
async fn store_errors_are_5xx_json_and_the_server_survives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = TestServer::start_with(Arc::new(BrokenStore), dir).await;

    let (status, body) = server.get("/api/orchestrations").await;
    assert_eq!(status, 500);
    assert_eq!(body["error"], "store_error");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("disk I/O error"),
        "{body}"
    );

    let (status, body) = server.get("/api/orchestrations/x").await;
    assert_eq!(status, 503);
    assert_eq!(body["error"], "store_unavailable");

    // A panicking store call is a 500, not a dead server.
    let (status, body) = server.get("/api/orchestrations/x/tasks").await;
    assert_eq!(status, 500);
    assert_eq!(body["error"], "internal");

    let (status, _) = server.get("/api/features/anything").await;
    assert_eq!(status, 500);
    let (status, _) = server.get("/api/health").await;
    assert_eq!(status, 500, "still answering after the panic");
    server.stop().await;
}
