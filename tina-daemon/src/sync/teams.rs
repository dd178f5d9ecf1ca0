//! The team directory cache: which team record a Claude Code folder belongs to (in the
//! order the module docs of [`super`] give), pending folders, periodic revalidation of
//! cached links, and syncing a team's members from its config.json.

use sha2::{Digest, Sha256};
use tina_session::store::StoreError;
use tina_session::{Team, TeamId, TeamMember, TeamRegistration};

use super::{Engine, EngineError, Report};
use crate::source::TeamRecord;
use crate::state::ContentHash;

impl Engine {
    /// The team a folder is linked to; `None` (and pending) when there is none yet.
    pub(super) fn resolve(&mut self, folder: &str) -> Result<Option<Team>, StoreError> {
        if let Some(team) = self.teams.get(folder) {
            return Ok(Some(team.clone()));
        }
        match self.lookup(folder)? {
            Some(team) => {
                if self.pending.remove(folder) {
                    tracing::info!(folder, team = team.team_name, id = %team.id, "pending folder is now linked");
                }
                self.teams.insert(folder.to_owned(), team.clone());
                Ok(Some(team))
            }
            None => {
                if self.pending.insert(folder.to_owned()) {
                    tracing::info!(
                        folder,
                        "files for a folder no registered team links to yet; keeping them pending"
                    );
                }
                Ok(None)
            }
        }
    }

    /// Finds (and links) the team of a folder in the store; see the module docs for the
    /// order. Never matches by name prefix or by the shape of a `session-<8>` name.
    pub(super) fn lookup(&self, folder: &str) -> Result<Option<Team>, StoreError> {
        if let Some(team) = self.store.find_team_by_claude_dir(folder)? {
            return Ok(Some(team));
        }
        let by_session = match self.source.folder_lead_session(folder) {
            Some(session) => self.store.find_team_by_lead_session(&session)?,
            None if tina_session::model::input::validate_session_id(folder).is_ok() => {
                self.store.find_team_by_lead_session(folder)?
            }
            None => None,
        };
        // A team already linked to another folder is not taken over by a session match:
        // in the older layout one lead session could own several named teams. A link to
        // a folder that no longer exists at all (a stale folder of an earlier run, linked
        // by name before it was removed) does not hold the team back.
        let by_session = by_session.filter(|t| match t.claude_team_dir.as_deref() {
            None => true,
            Some(linked) => linked == folder || !self.source.folder_exists(linked),
        });
        let team = match by_session {
            Some(team) => team,
            None => match self.store.get_team_by_name(folder) {
                Ok(team) if team.claude_team_dir.is_none() => team,
                Ok(team) => {
                    tracing::debug!(
                        folder,
                        linked = team.claude_team_dir.as_deref().unwrap_or_default(),
                        "a team of this name is linked to another folder; not linking by name"
                    );
                    return Ok(None);
                }
                Err(e) if e.is_not_found() => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        let linked = self.store.link_claude_team_dir(&team.id, folder)?;
        tracing::info!(folder, team = linked.team_name, id = %linked.id, "linked Claude Code folder to team");
        Ok(Some(linked))
    }

    pub(super) fn check_pending(&mut self) -> Result<Report, EngineError> {
        let mut report = Report::default();
        let folders: Vec<String> = self.pending.iter().cloned().collect();
        for folder in folders {
            let files = self.team_files(&folder);
            if files.is_empty() {
                self.pending.remove(&folder);
                continue;
            }
            match self.resolve(&folder) {
                Ok(Some(_)) => report += self.sync_files(files)?,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(folder, error = %e, "cannot look up pending folder");
                    break;
                }
            }
        }
        Ok(report)
    }

    pub(super) fn revalidate(&mut self) -> Result<Report, EngineError> {
        let mut report = Report::default();
        let cached: Vec<(String, TeamId)> = self
            .teams
            .iter()
            .map(|(n, t)| (n.clone(), t.id.clone()))
            .collect();
        for (folder, id) in cached {
            let found = match self.store.find_team_by_claude_dir(&folder) {
                Ok(Some(team)) => Ok(Some(team)),
                // The link went with its team (or moved): look again, as for a new folder.
                Ok(None) => self.lookup(&folder),
                Err(e) => Err(e),
            };
            match found {
                Ok(Some(team)) if team.id == id => {}
                Ok(Some(team)) => {
                    tracing::info!(folder, old = %id, new = %team.id, "folder is linked to another team now");
                    self.forget_team(&id)?;
                    self.teams.insert(folder.clone(), team);
                    let files = self.team_files(&folder);
                    report += self.sync_files(files)?;
                }
                Ok(None) => {
                    tracing::info!(folder, id = %id, "team record was removed; files kept pending");
                    self.forget_team(&id)?;
                    self.pending.insert(folder);
                }
                Err(e) => {
                    tracing::warn!(folder, error = %e, "cannot revalidate team link");
                    break;
                }
            }
        }
        Ok(report)
    }

    pub(super) fn forget_team(&mut self, id: &TeamId) -> Result<(), EngineError> {
        self.teams.retain(|_, t| &t.id != id);
        self.seeded.remove(id);
        self.state.forget_team(id)?;
        Ok(())
    }

    pub(super) fn sync_members(
        &mut self,
        team: &Team,
        record: &TeamRecord,
    ) -> Result<usize, StoreError> {
        let mut hasher = Sha256::new();
        hasher.update(
            record
                .lead_session_id
                .as_deref()
                .unwrap_or_default()
                .as_bytes(),
        );
        hasher.update(b"\n");
        for m in &record.members {
            let json = serde_json::json!([m.agent_name, m.agent_type, m.model, m.joined_at]);
            hasher.update(json.to_string().as_bytes());
            hasher.update(b"\n");
        }
        let hash: ContentHash = hasher.finalize().into();
        if self.state.config(&team.id) == Some(hash) {
            return Ok(0);
        }
        let linked_by_name = record.team_name == team.team_name;
        if linked_by_name
            && record.lead_session_id.is_some()
            && record.lead_session_id != team.lead_session_id
        {
            // Only a folder of the older layout (linked by its exact team name) copies its
            // lead session onto the team; a folder linked by session id already agrees,
            // and a later config naming another session never re-points the team.
            // `None` links keep the stored ones: the daemon only ever sets the lead
            // session, and never writes back links it cached earlier.
            let updated = self.store.register_team(&TeamRegistration {
                team_name: team.team_name.clone(),
                orchestration_id: team.orchestration_id.clone(),
                parent_team_id: None,
                phase_number: None,
                lead_session_id: record.lead_session_id.clone(),
            })?;
            // So the next config change with the same lead session registers nothing.
            if updated.id == team.id {
                self.teams.insert(record.team_name.clone(), updated);
            }
        }
        for m in &record.members {
            self.store.upsert_team_member(&TeamMember {
                team_id: team.id.clone(),
                agent_name: m.agent_name.clone(),
                agent_type: m.agent_type.clone(),
                model: m.model.clone(),
                joined_at: m.joined_at,
            })?;
        }
        if let Err(e) = self.state.set_config(&team.id, &record.team_name, hash) {
            // Members are upserts: redoing them later is harmless.
            tracing::warn!(error = %e, "cannot remember synced members");
        }
        Ok(record.members.len())
    }
}
