-- The agent runtime: item bodies for read_issue/search_issues and prompts, the
-- circuit breaker's memory of repeated failures, and monthly budgets.
alter table work_items add column body text not null default '';
alter table work_items add column failure_signature text;
alter table work_items add column failure_count integer not null default 0;
alter table agents add column spend_month text;
alter table agents add column budget_warned_month text;
alter table agents add column paused_reason text;
create index work_items_created_by on work_items (repository, created_by_agent, github_created_at) where created_by_agent is not null;
-- The claim's select: an agent's ready items in claim order.
create index work_items_ready on work_items (repository, owner_agent, priority_score desc, github_created_at, number)
  where state = 'open' and status = 'todo';
