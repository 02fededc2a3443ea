-- Parallel work inside an agent (maxConcurrent items at once). One row per item a
-- heartbeat worked, from the start of its work to its end, so overlapping work shows in
-- the records (a heartbeat's row counts its items; this says when each one ran). A
-- claim also reserves part of its agent's monthly budget until it ends: the reservation
-- lives on the claimed row, so it lapses with the claim or its lease.
create table item_runs (
  id           bigserial primary key,
  run_id       bigint not null,
  repository   text not null,
  number       integer not null,
  agent        text not null,
  started_at   timestamptz not null default now(),
  finished_at  timestamptz,
  outcome      text,
  tokens       integer not null default 0,
  cost_usd     numeric(12, 6) not null default 0,
  error        text,
  unique (run_id, repository, number)
);
create index item_runs_item on item_runs (repository, number, started_at desc);
create index item_runs_started on item_runs (started_at) where finished_at is not null;
alter table work_items add column reserved_usd numeric(12, 6);
