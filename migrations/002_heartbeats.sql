-- Heartbeats: what started a run, and the per-agent lease that keeps two heartbeats
-- of one agent from overlapping across replicas (released on finish, expires on a crash).
alter table heartbeat_runs add column trigger text not null default 'cron';
alter table agents add column running_run bigint;
alter table agents add column running_until timestamptz;
create index work_items_leases on work_items (lease_expires_at) where status = 'in-progress';
