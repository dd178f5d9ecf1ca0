//! SQLite side of attention and spend: transcript offsets, usage totals (deduplicated by
//! message), budgets and attention events (migration `006_attention_and_spend.sql`).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use super::queries::{get_orchestration_tx, get_team_tx};
use super::rows::{db_at, json_col};
use crate::model::*;
use crate::store::{Result, StoreError};

const ATTENTION_COLS: &str = "id, orchestration_id, kind, team_id, phase_number, session_id, \
     agent_name, message, detail, created_at, cleared_at, delivered_at";

fn attention_row(r: &Row<'_>) -> rusqlite::Result<AttentionEvent> {
    let kind: String = r.get(2)?;
    Ok(AttentionEvent {
        id: r.get(0)?,
        orchestration_id: OrchestrationId(r.get(1)?),
        kind: AttentionKind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                2,
                rusqlite::types::Type::Text,
                format!("unknown attention kind '{kind}'").into(),
            )
        })?,
        team_id: r.get::<_, Option<String>>(3)?.map(TeamId),
        phase_number: r.get(4)?,
        session_id: r.get(5)?,
        agent_name: r.get(6)?,
        message: r.get(7)?,
        detail: json_col(8, r.get(8)?)?,
        created_at: r.get(9)?,
        cleared_at: r.get(10)?,
        delivered_at: r.get(11)?,
    })
}

fn u64_col(r: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    Ok(r.get::<_, i64>(i)?.max(0) as u64)
}

fn usage_row(r: &Row<'_>) -> rusqlite::Result<UsageTotal> {
    Ok(UsageTotal {
        team_id: TeamId(r.get(0)?),
        orchestration_id: OrchestrationId(r.get(1)?),
        session_id: r.get(2)?,
        agent_name: r.get(3)?,
        model: r.get(4)?,
        tokens: TokenCounts {
            input: u64_col(r, 5)?,
            output: u64_col(r, 6)?,
            cache_creation: u64_col(r, 7)?,
            cache_read: u64_col(r, 8)?,
        },
        messages: u64_col(r, 9)?,
        unpriced_messages: u64_col(r, 10)?,
        cost_micros: r.get(11)?,
    })
}

/// Token counts beyond `i64` cannot come from a real transcript; refuse them rather
/// than wrap.
fn to_i64(what: &'static str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Invalid {
        what,
        reason: format!("{v} is out of range"),
    })
}

/// Ids as one JSON array parameter, read back with `json_each`: one statement for any
/// number of orchestrations.
fn id_list(ids: &[OrchestrationId]) -> String {
    serde_json::Value::from(ids.iter().map(|i| i.as_str()).collect::<Vec<_>>()).to_string()
}

fn scope(phase: Option<u32>) -> i64 {
    phase.map_or(0, i64::from)
}

fn add_line(tx: &Connection, orchestration: &OrchestrationId, l: &UsageLine) -> Result<()> {
    let unpriced = i64::from(l.cost_micros.is_none());
    tx.execute(
        "INSERT INTO usage_totals (team_id, orchestration_id, session_id, agent_name, model, \
           input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, messages, \
           unpriced_messages, cost_micros) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?11) \
         ON CONFLICT (team_id, session_id, agent_name, model) DO UPDATE SET \
           input_tokens = input_tokens + excluded.input_tokens, \
           output_tokens = output_tokens + excluded.output_tokens, \
           cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens, \
           cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens, \
           messages = messages + 1, \
           unpriced_messages = unpriced_messages + excluded.unpriced_messages, \
           cost_micros = cost_micros + excluded.cost_micros",
        params![
            l.team_id.as_str(),
            orchestration.as_str(),
            l.session_id,
            l.agent_name,
            l.model,
            to_i64("input tokens", l.tokens.input)?,
            to_i64("output tokens", l.tokens.output)?,
            to_i64("cache creation tokens", l.tokens.cache_creation)?,
            to_i64("cache read tokens", l.tokens.cache_read)?,
            unpriced,
            l.cost_micros.unwrap_or(0),
        ],
    )
    .map_err(|e| db_at(tx, e))?;
    Ok(())
}

impl SqliteStore {
    pub(super) fn transcript_offset_impl(&self, transcript: &str) -> Result<Option<u64>> {
        self.reader()?
            .query_row(
                "SELECT offset FROM transcript_offsets WHERE path = ?1",
                [transcript],
                |r| u64_col(r, 0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub(super) fn record_usage_impl(&self, batch: &UsageBatch) -> Result<u32> {
        let offset = to_i64("transcript offset", batch.offset)?;
        self.write(|tx| {
            let mut new = 0u32;
            let mut team_orch: std::collections::HashMap<&str, OrchestrationId> =
                std::collections::HashMap::new();
            for l in &batch.lines {
                let orch = match team_orch.get(l.team_id.as_str()) {
                    Some(o) => o.clone(),
                    None => {
                        let o = get_team_tx(tx, &l.team_id)?.orchestration_id;
                        team_orch.insert(l.team_id.as_str(), o.clone());
                        o
                    }
                };
                let inserted = tx
                    .execute(
                        "INSERT OR IGNORE INTO usage_messages (message_key, team_id) VALUES (?1, ?2)",
                        params![l.message_key, l.team_id.as_str()],
                    )
                    .map_err(|e| self.err(e))?;
                if inserted == 1 {
                    add_line(tx, &orch, l)?;
                    new += 1;
                }
            }
            tx.execute(
                "INSERT INTO transcript_offsets (path, offset, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (path) DO UPDATE SET offset = max(offset, excluded.offset), \
                   updated_at = excluded.updated_at",
                params![batch.transcript, offset, now_ms()],
            )
            .map_err(|e| self.err(e))?;
            Ok(new)
        })
    }

    pub(super) fn list_usage_impl(
        &self,
        orchestration: &OrchestrationId,
    ) -> Result<Vec<UsageTotal>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT team_id, orchestration_id, session_id, agent_name, model, input_tokens, \
                   output_tokens, cache_creation_tokens, cache_read_tokens, messages, \
                   unpriced_messages, cost_micros \
                 FROM usage_totals WHERE orchestration_id = ?1 \
                 ORDER BY team_id, session_id, agent_name, model",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([orchestration.as_str()], usage_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    pub(super) fn set_budget_impl(
        &self,
        orchestration: &OrchestrationId,
        phase: Option<u32>,
        usd_micros: Option<Micros>,
    ) -> Result<()> {
        if let Some(m) = usd_micros
            && m < 0
        {
            return Err(StoreError::Invalid {
                what: "budget",
                reason: "a budget cannot be negative".into(),
            });
        }
        self.write(|tx| {
            let orch = get_orchestration_tx(tx, orchestration)?;
            if let Some(p) = phase
                && !orch.has_phase(p)
            {
                return Err(StoreError::Invalid {
                    what: "budget phase",
                    reason: format!(
                        "phase {p} is not a phase of '{}' (1..={})",
                        orch.feature_name, orch.total_phases
                    ),
                });
            }
            match usd_micros {
                Some(m) => tx.execute(
                    "INSERT INTO budgets (orchestration_id, scope, usd_micros, updated_at) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (orchestration_id, scope) \
                     DO UPDATE SET usd_micros = excluded.usd_micros, updated_at = excluded.updated_at",
                    params![orchestration.as_str(), scope(phase), m, now_ms()],
                ),
                None => tx.execute(
                    "DELETE FROM budgets WHERE orchestration_id = ?1 AND scope = ?2",
                    params![orchestration.as_str(), scope(phase)],
                ),
            }
            .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    pub(super) fn list_budgets_impl(&self, orchestration: &OrchestrationId) -> Result<Vec<Budget>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT scope, usd_micros, updated_at FROM budgets WHERE orchestration_id = ?1 \
                 ORDER BY scope",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([orchestration.as_str()], |r| {
            let scope: i64 = r.get(0)?;
            Ok(Budget {
                orchestration_id: orchestration.clone(),
                phase_number: (scope > 0).then_some(scope as u32),
                usd_micros: r.get(1)?,
                updated_at: r.get(2)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    pub(super) fn record_attention_impl(&self, e: &AttentionEvent) -> Result<bool> {
        let detail = serde_json::to_string(&e.detail)
            .map_err(|err| StoreError::backend_from("cannot encode attention detail", err))?;
        self.write(|tx| {
            get_orchestration_tx(tx, &e.orchestration_id)?;
            let n = tx
                .execute(
                    &format!(
                        "INSERT OR IGNORE INTO attention_events ({ATTENTION_COLS}) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                    ),
                    params![
                        e.id,
                        e.orchestration_id.as_str(),
                        e.kind.as_str(),
                        e.team_id.as_ref().map(|t| t.as_str()),
                        e.phase_number,
                        e.session_id,
                        e.agent_name,
                        e.message,
                        detail,
                        e.created_at,
                        e.cleared_at,
                        e.delivered_at,
                    ],
                )
                .map_err(|e| self.err(e))?;
            Ok(n == 1)
        })
    }

    pub(super) fn clear_attention_impl(&self, id: &str, at: Millis) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE attention_events SET cleared_at = ?2 WHERE id = ?1 AND cleared_at IS NULL",
                    params![id, at],
                )
                .map_err(|e| self.err(e))?;
            Ok(n == 1)
        })
    }

    /// Attention events matching `filter` (a fixed SQL condition), oldest first.
    fn attention_where(
        &self,
        filter: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<AttentionEvent>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ATTENTION_COLS} FROM attention_events WHERE {filter} \
                 ORDER BY created_at, id"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map(params, attention_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    pub(super) fn list_attention_impl(
        &self,
        orchestration: &OrchestrationId,
    ) -> Result<Vec<AttentionEvent>> {
        self.attention_where("orchestration_id = ?1", [orchestration.as_str()])
    }

    pub(super) fn undelivered_attention_impl(&self) -> Result<Vec<AttentionEvent>> {
        self.attention_where("delivered_at IS NULL", [])
    }

    pub(super) fn list_open_attention_impl(&self) -> Result<Vec<AttentionEvent>> {
        self.attention_where("cleared_at IS NULL", [])
    }

    pub(super) fn list_usage_of_impl(
        &self,
        orchestrations: &[OrchestrationId],
    ) -> Result<Vec<UsageTotal>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT team_id, orchestration_id, session_id, agent_name, model, input_tokens, \
                   output_tokens, cache_creation_tokens, cache_read_tokens, messages, \
                   unpriced_messages, cost_micros \
                 FROM usage_totals \
                 WHERE orchestration_id IN (SELECT value FROM json_each(?1)) \
                 ORDER BY orchestration_id, team_id, session_id, agent_name, model",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([id_list(orchestrations)], usage_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    pub(super) fn list_budgets_of_impl(
        &self,
        orchestrations: &[OrchestrationId],
    ) -> Result<Vec<Budget>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT orchestration_id, scope, usd_micros, updated_at FROM budgets \
                 WHERE orchestration_id IN (SELECT value FROM json_each(?1)) \
                 ORDER BY orchestration_id, scope",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([id_list(orchestrations)], |r| {
            let scope: i64 = r.get(1)?;
            Ok(Budget {
                orchestration_id: OrchestrationId(r.get(0)?),
                phase_number: (scope > 0).then_some(scope as u32),
                usd_micros: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    pub(super) fn claim_attention_delivery_impl(&self, id: &str, at: Millis) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE attention_events SET delivered_at = ?2 WHERE id = ?1 AND delivered_at IS NULL",
                    params![id, at],
                )
                .map_err(|e| self.err(e))?;
            Ok(n == 1)
        })
    }
}
