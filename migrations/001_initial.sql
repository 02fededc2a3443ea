-- The Postgres mirror (SPEC §11). Operators may query these tables; columns may be
-- added in later migrations but never renamed.

create table repositories (
  full_name        text primary key,            -- owner/name
  installation_id  bigint not null,
  default_branch   text not null default 'main',
  active           boolean not null default true,
  roster_source    text not null default 'shipped', -- 'shipped' | 'repository'
  roster_error     text,                          -- last rejected roster reload, shown to operators
  reconciled_at    timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);

create table work_items (
  repository        text not null references repositories (full_name) on delete cascade,
  number            integer not null,
  kind              text not null check (kind in ('issue', 'pull')),
  title             text not null,
  state             text not null check (state in ('open', 'closed')),
  status            text check (status in ('todo', 'in-progress', 'blocked', 'needs-approval', 'waiting', 'review', 'done')),
  owner_agent       text,
  labels            text[] not null default '{}',
  author            text,
  priority_score    integer not null default 0 check (priority_score between 0 and 1000),
  priority_reason   text not null default '',
  delegation_depth  integer not null default 0,
  parent_number     integer,
  created_by_agent  text,
  claimed_by_run    bigint,
  lease_expires_at  timestamptz,
  attempts          integer not null default 0,
  blocked_reason    text,
  escalated_to      text,
  escalation_level  integer not null default 0,
  github_created_at timestamptz,
  github_updated_at timestamptz,
  updated_at        timestamptz not null default now(),
  primary key (repository, number)
);
create index work_items_queue on work_items (repository, owner_agent, status) where state = 'open';
create index work_items_parent on work_items (repository, parent_number) where parent_number is not null;

create table agents (
  repository       text not null references repositories (full_name) on delete cascade,
  slug             text not null,
  name             text not null,
  role             text not null check (role in ('ceo', 'vp', 'specialist', 'reviewer')),
  reports_to       text,
  paused           boolean not null default false,
  month_spend_usd  numeric(12, 4) not null default 0,
  config_hash      text not null,
  updated_at       timestamptz not null default now(),
  primary key (repository, slug)
);

create table heartbeat_runs (
  id               bigserial primary key,
  repository       text not null,
  agent            text not null,
  fire_key         text not null unique,
  started_at       timestamptz not null default now(),
  finished_at      timestamptz,
  outcome          text,
  items            integer not null default 0,
  tokens           integer not null default 0,
  cost_usd         numeric(12, 6) not null default 0,
  github_requests  integer not null default 0,
  error            text
);
create index heartbeat_runs_agent on heartbeat_runs (repository, agent, started_at desc);

-- One row per delivery. GitHub's delivery id identifies a delivery; the body hash is
-- part of the key so two different events that arrive under one id are both kept
-- (see docs/decisions.md), while a replay of the same delivery is stored once.
create table webhook_deliveries (
  delivery_id      text not null,
  payload_sha256   text not null,
  event            text not null,
  action           text,
  payload          jsonb not null,
  received_at      timestamptz not null default now(),
  locked_until     timestamptz,
  attempts         integer not null default 0,
  processed_at     timestamptz,
  error            text,
  primary key (delivery_id, payload_sha256)
);
create index webhook_deliveries_pending on webhook_deliveries (received_at) where processed_at is null;

create table quality_scores (
  id          bigserial primary key,
  repository  text not null,
  pr_number   integer not null,
  head_sha    text not null,
  agent       text not null,
  score       integer not null check (score between 0 and 100),
  verdict     text not null check (verdict in ('approve', 'request_changes')),
  rubric      jsonb not null default '{}',
  created_at  timestamptz not null default now(),
  unique (repository, pr_number, head_sha, agent)
);

create table approvals (
  id          bigserial primary key,
  repository  text not null,
  number      integer not null,
  head_sha    text,
  actor       text not null,
  decision    text not null check (decision in ('approve', 'reject')),
  note        text,
  created_at  timestamptz not null default now()
);
create index approvals_item on approvals (repository, number);

create table audit_log (
  id          bigserial primary key,
  at          timestamptz not null default now(),
  actor       text not null,
  action      text not null,
  repository  text,
  target      integer,
  outcome     text not null,
  detail      jsonb not null default '{}'
);
create index audit_log_target on audit_log (repository, target, at);
