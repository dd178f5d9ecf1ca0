// Spend and budgets: cost in dollars (with models TINA has no price for called out, since
// their cost is unknown, not zero), tokens in / out / cache, and a budget bar marked at
// 80 % (the warning) and 100 % (TINA blocks the phase). The state is always said in words.
import type { BudgetStatus } from "../generated/BudgetStatus";
import type { Spend } from "../generated/Spend";

export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return "< $0.01";
  return `$${usd.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** 950, 12.3k, 4.1M. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function tokenTotal(s: Spend): number {
  const t = s.tokens;
  return t.input + t.output + t.cache_creation + t.cache_read;
}

const STATE_WORDS: Record<string, string> = {
  ok: "within budget",
  warning: "over 80 % of budget",
  exceeded: "budget exceeded",
};

/** The budget that needs a look first: exceeded, then warning, then the fullest. */
export function worstBudget(budgets: BudgetStatus[]): BudgetStatus | null {
  const rank = (b: BudgetStatus) => (b.state === "exceeded" ? 0 : b.state === "warning" ? 1 : 2);
  return [...budgets].sort((a, b) => rank(a) - rank(b) || b.percent - a.percent)[0] ?? null;
}

function percentText(p: number): string {
  return p > 999 ? "> 999 %" : `${p} %`;
}

/** "$1.25 · 6.2k tokens (1.0k in, 200 out, 5.0k cache) · 1 message unpriced". */
export function SpendLine({ spend, detailed = false }: { spend: Spend; detailed?: boolean }) {
  const t = spend.tokens;
  return (
    <span className="spend" data-testid="spend">
      <strong className="spend-cost">{formatUsd(spend.cost_usd)}</strong>
      {" · "}
      <span title={`in ${t.input}, out ${t.output}, cache write ${t.cache_creation}, cache read ${t.cache_read}`}>
        {formatTokens(tokenTotal(spend))} tokens
        {detailed && (
          <>
            {" "}
            ({formatTokens(t.input)} in, {formatTokens(t.output)} out, {formatTokens(t.cache_creation + t.cache_read)} cache)
          </>
        )}
      </span>
      {spend.unpriced_messages > 0 && (
        <span className="spend-unpriced" data-testid="spend-unpriced" title="No price is known for the model of these messages: their tokens are counted, their cost is not.">
          {" · "}⚠ {spend.unpriced_messages} {spend.unpriced_messages === 1 ? "message" : "messages"} of an unpriced model (cost unknown)
        </span>
      )}
    </span>
  );
}

/** A budget bar with marks at 80 % and 100 %, and its state in words. */
export function BudgetBar({ budget, label }: { budget: BudgetStatus; label?: string }) {
  const scope = label ?? (budget.phase_number === null ? "Budget" : `Phase ${budget.phase_number} budget`);
  const fill = Math.min(100, budget.percent);
  return (
    <span className={`budget budget-${budget.state}`} data-testid={`budget-${budget.phase_number ?? "all"}`}>
      <span
        className="budget-bar"
        role="meter"
        aria-label={scope}
        aria-valuemin={0}
        aria-valuemax={budget.budget_usd}
        aria-valuenow={Math.min(budget.spent_usd, budget.budget_usd)}
        aria-valuetext={`${formatUsd(budget.spent_usd)} of ${formatUsd(budget.budget_usd)}, ${STATE_WORDS[budget.state]}`}
      >
        <span className="budget-fill" style={{ width: `${fill}%` }} />
        <span className="budget-mark budget-mark-80" aria-hidden="true" />
      </span>
      <span className="budget-text">
        {scope}: {formatUsd(budget.spent_usd)} of {formatUsd(budget.budget_usd)} ({percentText(budget.percent)})
        {budget.state !== "ok" && (
          <strong className="budget-state">
            {" "}
            {budget.state === "exceeded" ? "⛔" : "⚠"} {STATE_WORDS[budget.state]}
          </strong>
        )}
      </span>
    </span>
  );
}
