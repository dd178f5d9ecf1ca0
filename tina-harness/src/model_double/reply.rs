//! A model reply (text and tool calls) written as the Messages API writes it: a
//! server-sent event stream (`message_start`, `content_block_start` / `_delta` /
//! `_stop` per block, `message_delta` with `stop_reason` and `usage`, `message_stop`)
//! or, for a non-streaming request, one JSON message.

use serde_json::{Value, json};

/// One block of a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
}

/// A whole reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub id: String,
    pub model: String,
    pub blocks: Vec<Block>,
    /// The prompt's size in tokens, split by [`Reply::usage`] into uncached, cache-write
    /// and cache-read tokens.
    pub prompt_tokens: u64,
}

/// What one reply reports in `usage` (the same numbers in the JSON message and the
/// stream's `message_delta`), so a test can sum what Claude Code was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub cache_read_input_tokens: u64,
}

impl Reply {
    pub fn stop_reason(&self) -> &'static str {
        if self
            .blocks
            .iter()
            .any(|b| matches!(b, Block::ToolUse { .. }))
        {
            "tool_use"
        } else {
            "end_turn"
        }
    }

    /// A rough token count of the reply (4 bytes a token), at least 1.
    pub fn output_tokens(&self) -> u64 {
        let bytes: usize = self
            .blocks
            .iter()
            .map(|b| match b {
                Block::Text(t) => t.len(),
                Block::ToolUse { name, input, .. } => name.len() + input.to_string().len(),
            })
            .sum();
        (bytes as u64 / 4).max(1)
    }

    /// The reply's usage. The prompt is split like a cached conversation's: three
    /// quarters read from the cache, an eighth written to it, the rest uncached — a
    /// fixed rule, so every usage field reaches transcripts with a known value.
    pub fn usage(&self) -> Usage {
        let read = self.prompt_tokens * 3 / 4;
        let written = self.prompt_tokens / 8;
        Usage {
            input_tokens: (self.prompt_tokens - read - written).max(1),
            output_tokens: self.output_tokens(),
            cache_creation_input_tokens: written,
            cache_read_input_tokens: read,
        }
    }

    fn usage_json(&self) -> Value {
        serde_json::to_value(self.usage()).unwrap_or(Value::Null)
    }

    fn block_json(block: &Block) -> Value {
        match block {
            Block::Text(t) => json!({"type": "text", "text": t}),
            Block::ToolUse { id, name, input } => {
                json!({"type": "tool_use", "id": id, "name": name, "input": input})
            }
        }
    }

    /// The non-streaming JSON message.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "type": "message", "role": "assistant", "model": self.model,
            "content": self.blocks.iter().map(Self::block_json).collect::<Vec<_>>(),
            "stop_reason": self.stop_reason(), "stop_sequence": null, "usage": self.usage_json()
        })
    }

    /// The server-sent event stream.
    pub fn to_sse(&self) -> String {
        let mut out = String::new();
        let mut event = |name: &str, data: Value| {
            out.push_str(&format!("event: {name}\ndata: {data}\n\n"));
        };
        // As the API does: the prompt's usage at the start (output so far: 1), the
        // whole usage with the final output count in message_delta.
        let start = Usage {
            output_tokens: 1,
            ..self.usage()
        };
        event(
            "message_start",
            json!({"type": "message_start", "message": {
                "id": self.id, "type": "message", "role": "assistant", "model": self.model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": start}}),
        );
        for (index, block) in self.blocks.iter().enumerate() {
            let (start, delta) = match block {
                Block::Text(t) => (
                    json!({"type": "text", "text": ""}),
                    json!({"type": "text_delta", "text": t}),
                ),
                Block::ToolUse { id, name, input } => (
                    json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                    json!({"type": "input_json_delta", "partial_json": input.to_string()}),
                ),
            };
            event(
                "content_block_start",
                json!({"type": "content_block_start", "index": index, "content_block": start}),
            );
            event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index, "delta": delta}),
            );
            event(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": index}),
            );
        }
        event(
            "message_delta",
            json!({"type": "message_delta",
                   "delta": {"stop_reason": self.stop_reason(), "stop_sequence": null},
                   "usage": self.usage_json()}),
        );
        event("message_stop", json!({"type": "message_stop"}));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_call_streams_as_the_api_does() {
        let r = Reply {
            id: "msg_1".into(),
            model: "m".into(),
            blocks: vec![
                Block::Text("hi".into()),
                Block::ToolUse {
                    id: "toolu_1".into(),
                    name: "Bash".into(),
                    input: json!({"command": "ls"}),
                },
            ],
            prompt_tokens: 80,
        };
        let sse = r.to_sse();
        let events: Vec<Value> = sse
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).expect("json"))
            .collect();
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(events[2]["delta"]["type"], "text_delta");
        assert_eq!(events[5]["delta"]["type"], "input_json_delta");
        let partial: Value =
            serde_json::from_str(events[5]["delta"]["partial_json"].as_str().unwrap()).unwrap();
        assert_eq!(partial, json!({"command": "ls"}));
        assert_eq!(events[7]["delta"]["stop_reason"], "tool_use");
        let usage = r.usage();
        assert_eq!(
            (
                usage.input_tokens,
                usage.cache_creation_input_tokens,
                usage.cache_read_input_tokens
            ),
            (10, 10, 60)
        );
        assert_eq!(events[0]["message"]["usage"]["cache_read_input_tokens"], 60);
        assert_eq!(events[0]["message"]["usage"]["output_tokens"], 1);
        let end: Usage = serde_json::from_value(events[7]["usage"].clone()).unwrap();
        assert_eq!(end, usage);
        assert!(usage.output_tokens >= 1);
        assert_eq!(r.to_json()["usage"], events[7]["usage"]);
        assert_eq!(r.to_json()["stop_reason"], "tool_use");
        assert!(sse.contains("event: message_stop\n"));
    }
}
