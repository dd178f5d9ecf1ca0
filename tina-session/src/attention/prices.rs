//! Model prices, and the cost of one assistant message.
//!
//! The shipped defaults are Anthropic's published list prices per million tokens as of
//! **2025-11-24** (standard API, no batch discount, 5-minute cache writes, prompts under
//! 200k tokens). They go stale: override or extend them in `$TINA_HOME/config.toml`:
//!
//! ```toml
//! [prices."claude-sonnet-4-5"]   # USD per million tokens
//! input = 3.0
//! output = 15.0
//! cache_write = 3.75
//! cache_read = 0.30
//! ```
//!
//! A model is looked up by its exact id, then by the same id without a trailing
//! `-YYYYMMDD` release date (`claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`). A model
//! with no price is counted as *unpriced*: its tokens are shown, its cost is not guessed.
//! A cost is fixed when its line is read; a price changed later applies to lines read
//! after the change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Micros, TokenCounts};

/// USD per million tokens of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub input: f64,
    pub output: f64,
    pub cache_write: f64,
    pub cache_read: f64,
}

/// When the default prices were taken from Anthropic's price list.
pub const DEFAULT_PRICES_DATE: &str = "2025-11-24";

const fn price(input: f64, output: f64, cache_write: f64, cache_read: f64) -> ModelPrice {
    ModelPrice {
        input,
        output,
        cache_write,
        cache_read,
    }
}

/// The shipped defaults (see the module doc for their date).
const DEFAULTS: &[(&str, ModelPrice)] = &[
    ("claude-opus-4-5", price(5.0, 25.0, 6.25, 0.50)),
    ("claude-opus-4-1", price(15.0, 75.0, 18.75, 1.50)),
    ("claude-opus-4", price(15.0, 75.0, 18.75, 1.50)),
    ("claude-sonnet-4-5", price(3.0, 15.0, 3.75, 0.30)),
    ("claude-sonnet-4", price(3.0, 15.0, 3.75, 0.30)),
    ("claude-3-7-sonnet", price(3.0, 15.0, 3.75, 0.30)),
    ("claude-haiku-4-5", price(1.0, 5.0, 1.25, 0.10)),
    ("claude-3-5-haiku", price(0.80, 4.0, 1.0, 0.08)),
];

/// The price table in force: the defaults with the configured prices over them.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    prices: BTreeMap<String, ModelPrice>,
}

impl Default for PriceTable {
    fn default() -> Self {
        Self {
            prices: DEFAULTS
                .iter()
                .map(|(m, p)| ((*m).to_owned(), *p))
                .collect(),
        }
    }
}

/// Why a configured price was refused.
#[derive(Debug, thiserror::Error)]
#[error("price of model '{model}' in config.toml: {reason}")]
pub struct PriceError {
    pub model: String,
    pub reason: &'static str,
}

impl PriceTable {
    /// The defaults with `overrides` (model id → price) over them.
    pub fn with_overrides(overrides: &BTreeMap<String, ModelPrice>) -> Result<Self, PriceError> {
        let mut table = Self::default();
        for (model, p) in overrides {
            let fields = [p.input, p.output, p.cache_write, p.cache_read];
            if fields.iter().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(PriceError {
                    model: model.clone(),
                    reason: "every price must be a non-negative number (USD per million tokens)",
                });
            }
            table.prices.insert(model.clone(), *p);
        }
        Ok(table)
    }

    /// The price of `model`: exact id, else the id without a trailing `-YYYYMMDD`.
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        self.prices
            .get(model)
            .or_else(|| without_date(model).and_then(|m| self.prices.get(m)))
    }

    /// The cost of one message in micro-dollars; `None` when the model has no price.
    pub fn cost(&self, model: &str, t: &TokenCounts) -> Option<Micros> {
        let p = self.get(model)?;
        // USD per million tokens = micro-dollars per token.
        let micros = t.input as f64 * p.input
            + t.output as f64 * p.output
            + t.cache_creation as f64 * p.cache_write
            + t.cache_read as f64 * p.cache_read;
        Some(micros.round() as Micros)
    }
}

/// `claude-x-20250929` → `claude-x`: strips exactly one trailing dash and eight digits.
fn without_date(model: &str) -> Option<&str> {
    let (head, tail) = model.rsplit_once('-')?;
    (tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_digit())).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: u64, output: u64, cw: u64, cr: u64) -> TokenCounts {
        TokenCounts {
            input,
            output,
            cache_creation: cw,
            cache_read: cr,
        }
    }

    #[test]
    fn dated_ids_fall_back_to_the_undated_price_only() {
        let t = PriceTable::default();
        assert!(t.get("claude-sonnet-4-5-20250929").is_some());
        assert_eq!(t.get("claude-sonnet-4-5-2025092"), None);
        assert_eq!(t.get("claude-sonnet-4-5-extra"), None);
        assert_eq!(t.get("claude-sonnet"), None);
        assert_eq!(t.get("gpt-4"), None);
    }

    #[test]
    fn cost_is_micro_dollars_per_token_times_usd_per_million() {
        let t = PriceTable::default();
        // 1M input ($3) + 100k output ($1.50) + 200k cache write ($0.75) + 1M read ($0.30)
        let c = t.cost(
            "claude-sonnet-4-5",
            &tokens(1_000_000, 100_000, 200_000, 1_000_000),
        );
        assert_eq!(c, Some(5_550_000));
        assert_eq!(t.cost("unknown-model", &tokens(1, 1, 1, 1)), None);
    }

    #[test]
    fn overrides_replace_and_add_and_refuse_negative_prices() {
        let mut o = BTreeMap::new();
        o.insert("claude-sonnet-4-5".to_owned(), price(1.0, 2.0, 3.0, 4.0));
        o.insert("local-model".to_owned(), price(0.0, 0.0, 0.0, 0.0));
        let t = PriceTable::with_overrides(&o).unwrap();
        assert_eq!(t.cost("claude-sonnet-4-5", &tokens(1, 1, 1, 1)), Some(10));
        assert_eq!(t.cost("local-model", &tokens(5, 5, 5, 5)), Some(0));
        o.insert("bad".to_owned(), price(-1.0, 0.0, 0.0, 0.0));
        assert!(PriceTable::with_overrides(&o).is_err());
    }
}
