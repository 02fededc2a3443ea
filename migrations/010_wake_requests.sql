-- Wakes asked for by a process that runs no heartbeats (GAFFER_PROCESS=web): a worker
-- polls this table and wakes the agent itself. A row is taken by one worker only.
create table wake_requests (
  id bigserial primary key,
  repository text not null,
  agent text not null,
  requested_at timestamptz not null default now()
);
